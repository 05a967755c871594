import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaskRcnnModel } from '../../../src/inference/mask-rcnn.ts';
import { imageBytes, loadVersion, trainTinyModel } from '../../helpers/passes.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import { ensureTrainerEnv, seedSynthProject, trainingConfig, waitUntil } from '../../helpers/training.ts';

let t: TestServer;
let projectId: number;
let versionId: number;
let model: MaskRcnnModel;

interface EvaluationView {
  id: number;
  status: string;
  result: {
    stats: number[];
    perCategory: { id: number; ap: number }[];
    images: number;
    detections: number;
  } | null;
  error: unknown;
}

beforeAll(async () => {
  await ensureTrainerEnv();
  t = await startTestServer({ inProcessWorker: true, ...trainingConfig() });
  projectId = (await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 15)).id;
  versionId = await trainTinyModel(t.admin, projectId, 6);
  ({ model } = await loadVersion(t.admin, projectId, versionId, path.join(t.dataDir, 'models')));
}, 900_000);
afterAll(async () => {
  await model?.release();
  await t?.close();
});

const evaluations = `/v1/projects/{p}/evaluations`;
const post = (body: unknown) =>
  call(t.url + evaluations.replace('{p}', String(projectId)), t.adminKey, 'POST', body);

async function groundTruth(split: string) {
  const res = await call(`${t.url}/v1/projects/${projectId}/coco-export?split=${split}`, t.adminKey, 'GET');
  return res.body as { images: { id: number }[]; annotations: any[] };
}

describe('evaluations', () => {
  it('scores the ground truth itself as perfect, and a shifted copy lower', async () => {
    const gt = await groundTruth('test');
    const perfect = gt.annotations.map((a) => ({
      image_id: a.image_id,
      category_id: a.category_id,
      score: 1,
      segmentation: a.segmentation,
    }));
    const res = await post({ split: 'test', results: perfect });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('completed');
    expect(res.body.result.stats[0]).toBeCloseTo(1, 12);
    expect(res.body.result.detections).toBe(perfect.length);
    const halfMissing = perfect.filter((_, i) => i % 2 === 0);
    const worse = await post({ split: 'test', results: halfMissing });
    expect(worse.body.result.stats[8]).toBeLessThan(1);
    const again = await call(
      `${t.url}/v1/projects/${projectId}/evaluations/${worse.body.id}`,
      t.adminKey,
      'GET',
    );
    expect(again.body.result.stats).toEqual(worse.body.result.stats);
  });

  it('rejects results for an image outside the split, naming it', async () => {
    const train = await groundTruth('train');
    const res = await post({
      split: 'test',
      results: [{ image_id: train.images[0].id, category_id: 1, score: 1, bbox: [0, 0, 1, 1] }],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].name).toBe('results[0].image_id');
    const neither = await post({ split: 'test' });
    expect(neither.status).toBe(422);
  });

  it('evaluates a model version through onnxruntime-node on a worker, as its own predictions score', async () => {
    const queued = await post({ split: 'test', modelVersionId: versionId });
    expect(queued.status).toBe(202);
    let view: EvaluationView = queued.body;
    await waitUntil(async () => {
      view = (
        await call(`${t.url}/v1/projects/${projectId}/evaluations/${queued.body.id}`, t.adminKey, 'GET')
      ).body;
      return view.status !== 'queued';
    }, 120_000);
    expect(view.status, JSON.stringify(view.error)).toBe('completed');
    const gt = await groundTruth('test');
    const results = [];
    for (const image of gt.images)
      for (const d of await model.predict(await imageBytes(t.admin, projectId, image.id), { minScore: 0.05 }))
        results.push({
          image_id: image.id,
          category_id: d.categoryId,
          score: d.score,
          segmentation: d.segmentation,
        });
    const direct = await post({ split: 'test', results });
    expect(view.result!.stats).toEqual(direct.body.result.stats);
    expect(view.result!.detections).toBe(results.length);
  });
});
