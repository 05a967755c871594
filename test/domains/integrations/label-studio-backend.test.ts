/**
 * The Label Studio ML backend over real HTTP with a tiny model trained by the real trainer, against a
 * server speaking Label Studio's REST API (test/helpers/label-studio-api.ts). The real Label Studio is
 * in test/label-studio/label-studio.e2e.ts (`npm run test:label-studio`).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brushRleToMask, maskToBrushRle } from '../../../src/coco/brush-rle.ts';
import { decode, decompress } from '../../../src/coco/coco-rle.ts';
import { type FakeLabelStudio, startFakeLabelStudio } from '../../helpers/label-studio-api.ts';
import { makePool, trainTinyModel, waitForPass } from '../../helpers/passes.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import {
  ensureTrainerEnv,
  type SeededProject,
  seedSynthProject,
  trainingConfig,
} from '../../helpers/training.ts';

let t: TestServer;
let project: SeededProject;
let key: string;
let otherKey: string;
let ls: FakeLabelStudio;
let categories: { id: number; name: string }[];
let config: string;
let size: { width: number; height: number };

const basic = (password: string) => `Basic ${Buffer.from(`label-studio:${password}`).toString('base64')}`;
const backend = (p: string, projectId = project.id) => `${t.url}/integrations/label-studio/${projectId}${p}`;

async function ml(method: string, p: string, body?: unknown, auth = basic(key)) {
  const res = await fetch(backend(p), {
    method,
    headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function predictHere(file: string) {
  const form = new FormData();
  form.set('scoreThreshold', '0');
  form.set('image', new Blob([new Uint8Array(await fs.readFile(file))]), 'x.png');
  const res = await call(
    `${t.url}/v1/projects/${project.id}/model-versions/active/predict`,
    key,
    'POST',
    form,
  );
  expect(res.status).toBe(200);
  return res.body as {
    width: number;
    height: number;
    detections: { categoryName: string; segmentation: any }[];
  };
}

const putSettings = (settings: Record<string, unknown>) =>
  t.admin.json('PUT', `/v1/projects/${project.id}/integrations/label-studio`, {
    url: ls.url,
    token: ls.token,
    settings,
  });

beforeAll(async () => {
  await ensureTrainerEnv();
  t = await startTestServer({ inProcessWorker: true, allowPrivateWebhookTargets: true, ...trainingConfig() });
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 12);
  await trainTinyModel(t.admin, project.id);
  categories = (
    await t.admin.json<{ categories: { id: number; name: string }[] }>('GET', `/v1/projects/${project.id}`)
  ).categories;
  key = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'ls', projectId: project.id }))
    .key;
  const other = await t.admin.json<{ id: number }>('POST', '/v1/projects', {
    name: 'other',
    categories: [{ name: 'x' }],
  });
  otherKey = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'o', projectId: other.id }))
    .key;
  ls = await startFakeLabelStudio();
  const labels = categories.map((c) => `<Label value="${c.name}"/>`).join('');
  config = `<View><Image name="image" value="$image"/><BrushLabels name="tag" toName="image">${labels}</BrushLabels><PolygonLabels name="poly" toName="image">${labels}</PolygonLabels></View>`;
  ls.files.set('/data/upload/1/a.png', await fs.readFile(project.files[0]));
  // A third-party host (another origin): Label Studio's token must not go there.
  ls.files.set('/public/b.png', await fs.readFile(project.files[1]));
  ls.tasks.push(
    { id: 11, data: { image: '/data/upload/1/a.png' }, annotations: [] },
    { id: 12, data: { image: `${ls.url.replace('127.0.0.1', 'localhost')}/public/b.png` }, annotations: [] },
    { id: 13, data: { other: 'no image here' }, annotations: [] },
  );
  const sharp = (await import('sharp')).default;
  const meta = await sharp(project.files[0]).metadata();
  size = { width: meta.width as number, height: meta.height as number };
}, 900_000);
afterAll(async () => {
  await ls?.close();
  await t?.close();
});

describe('Label Studio ML backend', () => {
  it('answers health with Basic auth (a key as password) or Bearer, and only for its project', async () => {
    expect(await ml('GET', '/health')).toEqual({
      status: 200,
      body: { status: 'UP', model_class: 'VlmLoopMaskRcnn' },
    });
    expect((await ml('GET', '/')).body.status).toBe('UP');
    expect((await ml('GET', '/health', undefined, `Bearer ${key}`)).status).toBe(200);
    expect((await ml('GET', '/health', undefined, basic('wrong'))).status).toBe(401);
    expect((await ml('GET', '/health', undefined, basic(otherKey))).status).toBe(403);
    // Basic is for the integrations only.
    const v1 = await fetch(`${t.url}/v1/projects/${project.id}`, { headers: { authorization: basic(key) } });
    expect(v1.status).toBe(401);
  });

  it('needs its settings before setup, and never returns the token', async () => {
    const before = await ml('POST', '/setup', { project: '1.1', schema: config });
    expect(before.status).toBe(409);
    const saved = await putSettings({
      scoreThreshold: 0,
      training: { preset: 'tiny', hyper: { maxIterations: 2, batchSize: 2, evalEvery: 1000 } },
    });
    expect(saved).toMatchObject({ url: ls.url, backendPath: `/integrations/label-studio/${project.id}/` });
    expect(JSON.stringify(saved)).not.toContain(ls.token);
    const bad = await call(
      `${t.url}/v1/projects/${project.id}/integrations/label-studio`,
      t.adminKey,
      'PUT',
      {
        url: ls.url,
        token: ls.token,
        settings: { judge: { kind: 'oracle' } },
      },
    );
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].name).toBe('settings.judge.kind');
  });

  it('setup reads the config and answers the model version', async () => {
    const ok = await ml('POST', '/setup', { project: '1.1', schema: config });
    expect(ok.status).toBe(200);
    expect(ok.body.model_version).toMatch(/^vlm-loop-v\d+$/);
    const none = await ml('POST', '/setup', {
      project: '1.1',
      schema: '<View><Image name="i" value="$i"/></View>',
    });
    expect(none.status).toBe(422);
    expect(none.body.errors[0]).toMatchObject({
      name: 'schema',
      detail: expect.stringMatching(/no BrushLabels or PolygonLabels/),
    });
    const foreign = await ml('POST', '/setup', {
      schema:
        '<View><Image name="i" value="$i"/><BrushLabels name="b" toName="i"><Label value="Zebra"/></BrushLabels></View>',
    });
    expect(foreign.status).toBe(422);
  });

  it('predicts one result per task, in order, as brush masks equal to ours', async () => {
    const res = await ml('POST', '/predict', { tasks: ls.tasks, label_config: config, project: '1.1' });
    expect(res.status).toBe(200);
    expect(res.body.results.length).toBe(3);
    for (const [i, file] of project.files.slice(0, 2).entries()) {
      const ours = await predictHere(file);
      const { result, score, model_version } = res.body.results[i];
      expect(model_version).toMatch(/^vlm-loop-v\d+$/);
      expect(result.length).toBe(ours.detections.length);
      expect(result.length).toBeGreaterThan(0);
      const mean = ours.detections.reduce((a, d: any) => a + d.score, 0) / ours.detections.length;
      expect(score).toBeCloseTo(mean, 6);
      for (const [k, r] of result.entries()) {
        expect(r).toMatchObject({
          type: 'brushlabels',
          from_name: 'tag',
          to_name: 'image',
          original_width: ours.width,
        });
        expect(r.value.brushlabels).toEqual([ours.detections[k].categoryName]);
        const mask = brushRleToMask(r.value.rle, ours.width, ours.height);
        expect(
          Buffer.from(mask).equals(Buffer.from(decode(decompress(ours.detections[k].segmentation)))),
        ).toBe(true);
      }
    }
    expect(res.body.results[2]).toMatchObject({ result: [], score: 0 });
    const sent = (p: string) => ls.seen.filter((s) => s.path === p).map((s) => s.authorization);
    expect(sent('/data/upload/1/a.png')).toContain(`Token ${ls.token}`);
    expect(sent('/public/b.png').length).toBeGreaterThan(0);
    expect(sent('/public/b.png').every((a) => a === undefined)).toBe(true);
  });

  it('predicts polygons when asked', async () => {
    await putSettings({
      scoreThreshold: 0,
      output: 'polygon',
      training: { preset: 'tiny', hyper: { maxIterations: 2, batchSize: 2, evalEvery: 1000 } },
    });
    const res = await ml('POST', '/predict', { tasks: ls.tasks.slice(0, 1), label_config: config });
    expect(res.status).toBe(200);
    expect(res.body.results[0].result.length).toBeGreaterThan(0);
    for (const r of res.body.results[0].result) {
      expect(r).toMatchObject({ type: 'polygonlabels', from_name: 'poly', value: { closed: true } });
      expect(r.value.points.length).toBeGreaterThanOrEqual(3);
    }
    await putSettings({
      scoreThreshold: 0,
      training: { preset: 'tiny', hyper: { maxIterations: 2, batchSize: 2, evalEvery: 1000 } },
    });
  });

  it('START_TRAINING pulls annotations as human labels and starts a training job', async () => {
    const { width, height } = size;
    const mask = new Uint8Array(width * height);
    for (let y = 5; y < 30; y++) mask.fill(1, y * width + 10, y * width + 40);
    ls.tasks[0].annotations = [
      { id: 1, was_cancelled: true, result: [] },
      {
        id: 2,
        updated_at: '2026-01-01T00:00:00Z',
        result: [
          {
            from_name: 'tag',
            to_name: 'image',
            type: 'brushlabels',
            original_width: width,
            original_height: height,
            value: {
              format: 'rle',
              rle: maskToBrushRle(mask, width, height),
              brushlabels: [categories[0].name],
            },
          },
          {
            from_name: 'tag',
            to_name: 'image',
            type: 'brushlabels',
            value: { format: 'rle', rle: maskToBrushRle(mask, width, height), brushlabels: ['Zebra'] },
          },
        ],
      },
    ];
    ls.tasks[1].annotations = [
      {
        id: 3,
        result: [
          {
            from_name: 'poly',
            to_name: 'image',
            type: 'polygonlabels',
            value: {
              points: [
                [10, 10],
                [60, 10],
                [60, 60],
                [10, 60],
              ],
              polygonlabels: [categories[1].name],
              closed: true,
            },
          },
        ],
      },
    ];
    const jobs = async () =>
      (await t.admin.json<{ data: unknown[] }>('GET', `/v1/projects/${project.id}/training-jobs`)).data
        .length;
    const before = await jobs();
    const res = await ml('POST', '/webhook', {
      action: 'START_TRAINING',
      project: { id: 1, label_config: config },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.status).toBe('ok');
    expect(res.body.result.training.trainingJobId).toBeGreaterThan(0);
    expect(await jobs()).toBe(before + 1);
    const [first, second] = res.body.result.tasks;
    expect(first).toMatchObject({
      taskId: 11,
      labels: 1,
      skipped: ['label Zebra is not a project category'],
    });
    expect(second).toMatchObject({ taskId: 12, labels: 1, skipped: [] });
    const labels = await t.admin.json<{ data: any[] }>(
      'GET',
      `/v1/projects/${project.id}/labels?imageId=${first.imageId}&source=human`,
    );
    expect(labels.data.length).toBe(1);
    expect(labels.data[0]).toMatchObject({
      categoryId: categories[0].id,
      provenance: { labelStudio: { taskId: 11, annotationId: 2 } },
    });
    expect(Buffer.from(decode(decompress(labels.data[0].segmentation))).equals(Buffer.from(mask))).toBe(true);
    const image = await t.admin.json<{ poolState: string }>(
      'GET',
      `/v1/projects/${project.id}/images/${first.imageId}`,
    );
    expect(image.poolState).toBe('labeled');
  });

  it('ANNOTATION_DELETED takes the labels back, without training unless asked', async () => {
    ls.tasks[0].annotations = [];
    const jobs = async () =>
      (await t.admin.json<{ data: unknown[] }>('GET', `/v1/projects/${project.id}/training-jobs`)).data
        .length;
    const before = await jobs();
    const res = await ml('POST', '/webhook', {
      action: 'ANNOTATION_DELETED',
      task: { id: 11 },
      project: { id: 1, label_config: config },
    });
    expect(res.status).toBe(201);
    expect(res.body.result.training).toBeUndefined();
    expect(await jobs()).toBe(before);
    const imageId = res.body.result.tasks[0].imageId;
    const labels = await t.admin.json<{ data: unknown[] }>(
      'GET',
      `/v1/projects/${project.id}/labels?imageId=${imageId}&source=human`,
    );
    expect(labels.data).toEqual([]);
    const image = await t.admin.json<{ poolState: string }>(
      'GET',
      `/v1/projects/${project.id}/images/${imageId}`,
    );
    expect(image.poolState).toBe('unlabeled');
  });

  it('answers other events as the protocol does', async () => {
    expect(await ml('POST', '/webhook', { action: 'PROJECT_UPDATED', project: { id: 1 } })).toEqual({
      status: 200,
      body: { status: 'Unknown event' },
    });
  });

  it('exports a pass as Label Studio tasks with its predictions', async () => {
    await makePool(t.admin, project.id, 3);
    const versions = await t.admin.json<{ data: { id: number }[] }>(
      'GET',
      `/v1/projects/${project.id}/model-versions`,
    );
    const pass = await t.admin.json<{ id: number }>('POST', `/v1/projects/${project.id}/passes`, {
      modelVersionId: versions.data[0].id,
      scoreThreshold: 0,
      judge: { kind: 'accept-all' },
    });
    await waitForPass(t.admin, project.id, pass.id, (p) => p.status === 'completed');
    const res = await call(
      `${t.url}/v1/projects/${project.id}/passes/${pass.id}/label-studio-tasks?imageUrl=/data/local-files/?d=`,
      key,
      'GET',
    );
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(0);
    const task = res.body[0];
    expect(task.data.image).toMatch(/^\/data\/local-files\/\?d=.+\.png$/);
    const stored = await t.admin.json<{ data: any[] }>(
      'GET',
      `/v1/projects/${project.id}/images/${task.data.vlmLoopImageId}/predictions?passId=${pass.id}`,
    );
    const drawn = stored.data.filter((p) => p.drawnIndex !== null);
    expect(task.predictions[0].result.length).toBe(drawn.length);
    expect(task.predictions[0].score).toBe(1); // accept-all approves with confidence 1
    const [h, w] = drawn[0].segmentation.size;
    const mask = brushRleToMask(task.predictions[0].result[0].value.rle, w, h);
    expect(Buffer.from(mask).equals(Buffer.from(decode(decompress(drawn[0].segmentation))))).toBe(true);
    const foreign = await call(
      `${t.url}/v1/projects/${project.id}/passes/${pass.id}/label-studio-tasks`,
      otherKey,
      'GET',
    );
    expect(foreign.status).toBe(403);
  });
});
