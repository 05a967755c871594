/**
 * Synchronous predict: a tiny model trained by the real trainer, predicted over real HTTP (multipart
 * bytes and a URL served by a real loopback server), compared with the same ONNX model run here.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PredictService } from '../../../src/domains/models/predict.service.ts';
import { MaskRcnnModel } from '../../../src/inference/mask-rcnn.ts';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../../helpers/fake-openai-server.ts';
import { loadVersion, trainTinyModel } from '../../helpers/passes.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import {
  ensureTrainerEnv,
  type SeededProject,
  seedSynthProject,
  trainingConfig,
} from '../../helpers/training.ts';

let t: TestServer;
let project: SeededProject;
let versionId: number;
let model: MaskRcnnModel;
let imageServer: http.Server;
let imageUrl: string;
let fake: FakeOpenAiServer;
let jpeg: Buffer;

const predictUrl = (version: string | number, projectId = project.id) =>
  `${t.url}/v1/projects/${projectId}/model-versions/${version}/predict`;

function form(image: Buffer, fields: Record<string, string> = {}): FormData {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  body.set('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'x.png');
  return body;
}

beforeAll(async () => {
  await ensureTrainerEnv();
  // Private URLs allowed by the operator, so the loopback image server is reachable (refusal tested below).
  t = await startTestServer({ inProcessWorker: true, allowPrivateWebhookTargets: true, ...trainingConfig() });
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 10);
  versionId = await trainTinyModel(t.admin, project.id);
  ({ model } = await loadVersion(t.admin, project.id, versionId, path.join(t.dataDir, 'models')));
  jpeg = await fs.readFile(project.files[0]);
  imageServer = http.createServer((req, res) => {
    if (req.url === '/img') return res.end(jpeg);
    if (req.url === '/redirect') return res.writeHead(302, { location: '/img' }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => imageServer.listen(0, '127.0.0.1', r));
  imageUrl = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}`;
  fake = await startFakeOpenAiServer();
}, 900_000);
afterAll(async () => {
  await model?.release();
  imageServer?.close();
  await fake?.close();
  await t?.close();
});

describe('POST .../model-versions/{version}/predict', () => {
  it('answers the same detections as the ONNX model run here, for multipart bytes', async () => {
    const res = await call(predictUrl(versionId), t.adminKey, 'POST', form(jpeg, { scoreThreshold: '0' }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const expected = await model.predict(jpeg, { minScore: 0 });
    const { width, height } = await sharp(jpeg).metadata();
    expect(res.body).toMatchObject({ modelVersionId: versionId, width, height, scoreThreshold: 0 });
    expect(res.body.detections.length).toBe(expected.length);
    expect(res.body.detections.length).toBeGreaterThan(0);
    expect(res.body.detections).toEqual(
      expected.map((d) => ({
        ...d,
        score: expect.closeTo(d.score, 6),
        bbox: d.bbox.map((v) => expect.closeTo(v, 3)),
      })),
    );
    expect(res.body.judgement).toBeUndefined();
  });

  it("keeps only detections at the model's threshold by default", async () => {
    const res = await call(predictUrl(versionId), t.adminKey, 'POST', form(jpeg));
    expect(res.status).toBe(200);
    expect(res.body.scoreThreshold).toBe(model.metadata.scoreThreshold);
    const expected = await model.predict(jpeg);
    expect(res.body.detections.map((d: { score: number }) => d.score)).toEqual(
      expected.map((d) => expect.closeTo(d.score, 6)),
    );
  });

  it('fetches a URL, and loads each model version once', async () => {
    const load = vi.spyOn(MaskRcnnModel, 'load');
    const byUrl = await call(predictUrl(versionId), t.adminKey, 'POST', {
      url: `${imageUrl}/img`,
      scoreThreshold: 0,
    });
    expect(byUrl.status, JSON.stringify(byUrl.body)).toBe(200);
    const byBytes = await call(
      predictUrl(versionId),
      t.adminKey,
      'POST',
      form(jpeg, { scoreThreshold: '0' }),
    );
    expect(byUrl.body.detections).toEqual(byBytes.body.detections);
    expect(load).not.toHaveBeenCalled(); // loaded by the first test, kept since
    load.mockRestore();
  });

  it("predicts with the project's active version, and says when there is none", async () => {
    const empty = await t.admin.json<{ id: number }>('POST', '/v1/projects', {
      name: 'empty',
      categories: [{ name: 'x' }],
    });
    const none = await call(predictUrl('active', empty.id), t.adminKey, 'POST', form(jpeg));
    expect(none.status).toBe(404);
    expect(none.type).toContain('application/problem+json');
    expect(none.body.detail).toMatch(/no active model version/);
    await t.admin.json('POST', `/v1/projects/${project.id}/model-versions/${versionId}/activate`);
    const active = await call(predictUrl('active'), t.adminKey, 'POST', form(jpeg));
    expect(active.status).toBe(200);
    expect(active.body.modelVersionId).toBe(versionId);
  });

  it('returns the judgement and per-detection verdicts of a VLM judge', async () => {
    fake.enqueue({
      type: 'verdict',
      answer: {
        image_verdict: 'reject',
        reason: 'the first mask is not an object',
        instances: [{ index: 1, verdict: 'not_an_object', note: 'background' }],
      },
      verdictProbability: 0.8,
    });
    const judge = JSON.stringify({ kind: 'vlm', baseUrl: fake.url, model: 'fake', logprobs: true });
    const res = await call(
      predictUrl(versionId),
      t.adminKey,
      'POST',
      form(jpeg, { judge, overlay: 'true', scoreThreshold: '0' }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.detections.length).toBeGreaterThan(0);
    expect(res.body.judgement).toMatchObject({
      verdict: 'reject',
      reason: 'the first mask is not an object',
    });
    expect(res.body.judgement.approvalConfidence).toBeCloseTo(0.2, 6);
    expect(res.body.verdicts).toContainEqual({ detection: 0, verdict: 'not_an_object', note: 'background' });
    // The overlay is the PNG the judge was shown, at the image's size.
    const png = Buffer.from(res.body.overlayUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: res.body.width });
    const sent = fake.completionRequests().at(-1)?.body;
    expect(JSON.stringify(sent)).toContain(res.body.detections[0].categoryName);
  });

  it('approves with accept-all at confidence 1', async () => {
    const res = await call(predictUrl(versionId), t.adminKey, 'POST', {
      url: `${imageUrl}/img`,
      judge: { kind: 'accept-all' },
      scoreThreshold: 0,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.judgement).toMatchObject({ verdict: 'approve', approvalConfidence: 1 });
  });

  it.each([
    ['not an image', () => form(Buffer.from('hello')), 'image'],
    [
      'no image part',
      () => {
        const f = new FormData();
        f.set('overlay', 'true');
        return f;
      },
      'image',
    ],
    ['a bad judge field', () => form(jpeg, { judge: '{' }), 'judge'],
    ['an oracle judge (needs ground truth)', () => form(jpeg, { judge: '{"kind":"oracle"}' }), 'judge.kind'],
    ['a score threshold out of range', () => form(jpeg, { scoreThreshold: '2' }), 'scoreThreshold'],
    ['a JSON body without url', () => ({ overlay: true }), 'url'],
    ['a url that is not http', () => ({ url: 'file:///etc/passwd' }), 'url'],
    ['a redirect (not followed)', () => ({ url: `${imageUrl}/redirect` }), 'url'],
    ['a url answering 404', () => ({ url: `${imageUrl}/missing` }), 'url'],
  ])('refuses %s with a 422 naming the field', async (_what, body, field) => {
    const res = await call(predictUrl(versionId), t.adminKey, 'POST', body());
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.errors.map((e: { name: string }) => e.name)).toContain(field);
  });

  it('refuses loopback URLs unless the operator allows private targets', async () => {
    const ctx = t.server.ctx;
    const strict = new PredictService(ctx.database.db, ctx.blobs, ctx.services.modelVersions, {
      upload: ctx.config.upload,
      vlm: ctx.config.vlm,
      allowPrivateUrls: false,
      fetchTimeoutMs: 5000,
      threads: 1,
    });
    await expect(strict.predict(project.id, versionId, { url: `${imageUrl}/img` })).rejects.toMatchObject({
      kind: 'validation',
      invalidParams: [{ name: 'url', reason: expect.stringMatching(/refused: .*127\.0\.0\.1/) }],
    });
    await strict.close();
  });

  it("reaches no other project's versions", async () => {
    const other = await t.admin.json<{ id: number }>('POST', '/v1/projects', {
      name: 'other',
      categories: [{ name: 'x' }],
    });
    const key = await t.admin.json<{ key: string }>('POST', '/v1/api-keys', {
      name: 'o',
      projectId: other.id,
    });
    const foreign = await call(predictUrl(versionId), key.key, 'POST', form(jpeg));
    expect(foreign.status).toBe(403);
    // Its own project does not have this version either.
    const own = await call(predictUrl(versionId, other.id), key.key, 'POST', form(jpeg));
    expect(own.status).toBe(404);
    const bad = await call(predictUrl('latest'), t.adminKey, 'POST', form(jpeg));
    expect(bad.status).toBe(400);
  });
});
