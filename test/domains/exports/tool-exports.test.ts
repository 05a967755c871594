import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compress, encode } from '../../../src/coco/coco-rle.ts';
import { form, png } from '../../helpers/images.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import { sqlOn } from '../../helpers/sql.ts';
import { ensureTestPython, runTestPython } from '../../helpers/test-python.ts';

/**
 * The exports other tools load, loaded by pycocotools as their users load them: COCO results of a pass
 * and of a model version (loadRes, then COCOeval against our own COCO export), and COCO 1.0 for CVAT.
 * The pass rows are written with SQL (a pass needs a trained model otherwise); the files come over HTTP.
 */
let t: TestServer;
const sql = sqlOn(() => t);
let projectId: number;
let images: { id: number; fileName: string }[];
let cats: { id: number; name: string }[];
let dir: string;
const W = 16;
const H = 12;

function rect(x0: number, y0: number, x1: number, y1: number) {
  const mask = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * W + x] = 1;
  return compress(encode(mask, H, W));
}

const get = (url: string) => call(`${t.url}/v1/projects/${projectId}${url}`, t.adminKey, 'GET');

async function insertPass(modelVersionId: number, judge = 'oracle'): Promise<number> {
  const [row] = await sql<{ id: number }>(
    `insert into passes (project_id, model_version_id, status, judge, score_threshold, selection, retry)
     values ($1, $2, 'completed', $3, 0.5, '{}', '{"maxAttempts":1,"baseDelayMs":0}') returning id::int`,
    [projectId, modelVersionId, JSON.stringify({ kind: judge })],
  );
  return row.id;
}

async function insertPassImage(
  passId: number,
  imageId: number,
  verdict: string,
  instances: { index: number; verdict: string }[],
  review?: { index: number; verdict: string }[],
) {
  await sql(
    `insert into pass_images (pass_id, project_id, image_id, state, verdict, judge_verdict, review_verdict, accepted, predicted_at)
     values ($1, $2, $3, 'judged', $4, $5, $6, $7, now())`,
    [
      passId,
      projectId,
      imageId,
      verdict,
      JSON.stringify({ verdict, instances }),
      review ? JSON.stringify({ verdict, instances: review }) : null,
      verdict === 'approve',
    ],
  );
}

async function insertPrediction(
  passId: number,
  modelVersionId: number,
  imageId: number,
  categoryId: number,
  box: [number, number, number, number],
  score: number,
  drawnIndex: number | null,
): Promise<number> {
  const [row] = await sql<{ id: number }>(
    `insert into predictions (project_id, pass_id, image_id, model_version_id, category_id, score, bbox, rle, height, width, area, drawn_index)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id::int`,
    [
      projectId,
      passId,
      imageId,
      modelVersionId,
      categoryId,
      score,
      [box[0], box[1], box[2] - box[0], box[3] - box[1]],
      rect(...box).counts,
      H,
      W,
      (box[2] - box[0]) * (box[3] - box[1]),
      drawnIndex,
    ],
  );
  return row.id;
}

/** Ground truth: image 0 a cat at (2,2)-(8,6), image 1 a dog at (5,3)-(12,10); image 2 stays in the pool. */
const TRUTH: [number, number, [number, number, number, number]][] = [
  [0, 0, [2, 2, 8, 6]],
  [1, 1, [5, 3, 12, 10]],
];

let versionId: number;
let passA: number;
let passB: number;

beforeAll(async () => {
  const ready = ensureTestPython();
  t = await startTestServer();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tool-exports-'));
  const project = await t.admin.json<{ id: number; categories: { id: number; name: string }[] }>(
    'POST',
    '/v1/projects',
    { name: 'exports for tools', categories: [{ name: 'cat' }, { name: 'dog' }] },
  );
  projectId = project.id;
  cats = project.categories;
  const files = await Promise.all(
    [0, 1, 2].map(async (i) => ({ name: `dir/img-${i}.png`, bytes: await png(W, H, i) })),
  );
  const up = await call(`${t.url}/v1/projects/${projectId}/images`, t.adminKey, 'POST', form(files));
  images = up.body.data;
  const coco = {
    images: images.slice(0, 2).map((i) => ({ id: i.id, file_name: i.fileName, width: W, height: H })),
    categories: cats.map((c) => ({ id: c.id, name: c.name })),
    annotations: TRUTH.map(([img, cat, box], k) => ({
      id: k + 1,
      image_id: images[img].id,
      category_id: cats[cat].id,
      segmentation: rect(...box),
      bbox: [box[0], box[1], box[2] - box[0], box[3] - box[1]],
      iscrowd: 0,
    })),
  };
  const imported = await call(`${t.url}/v1/projects/${projectId}/coco-imports`, t.adminKey, 'POST', coco);
  expect(imported.status).toBe(201);
  const [mv] = await sql<{ id: number }>(
    `insert into model_versions (project_id, preset, hyper, metrics, training_seconds, device, onnx_sha256, onnx_bytes, metadata)
     values ($1, 'tiny', '{}', '{}', 0, 'cpu', 'x', 0, '{}') returning id::int`,
    [projectId],
  );
  versionId = mv.id;
  // Pass A: both images, a true positive each, plus a low-scored false positive the judge called not an object.
  passA = await insertPass(versionId);
  await insertPassImage(passA, images[0].id, 'approve', [{ index: 1, verdict: 'correct' }]);
  await insertPassImage(
    passA,
    images[1].id,
    'reject',
    [
      { index: 1, verdict: 'bad_mask' },
      { index: 2, verdict: 'not_an_object' },
    ],
    [{ index: 1, verdict: 'correct' }],
  );
  await insertPrediction(passA, versionId, images[0].id, cats[0].id, [2, 2, 8, 6], 0.9, 1);
  await insertPrediction(passA, versionId, images[1].id, cats[1].id, [5, 3, 12, 10], 0.8, 1);
  await insertPrediction(passA, versionId, images[1].id, cats[0].id, [0, 0, 3, 3], 0.55, 2);
  await insertPrediction(passA, versionId, images[1].id, cats[0].id, [13, 0, 16, 2], 0.1, null);
  // Pass B, later, same model, image 0 again: the model version's file takes image 0 from here.
  passB = await insertPass(versionId, 'vlm');
  await insertPassImage(passB, images[0].id, 'approve', [{ index: 1, verdict: 'correct' }]);
  await insertPrediction(passB, versionId, images[0].id, cats[0].id, [2, 2, 8, 7], 0.95, 1);
  await ready;
}, 600_000);
afterAll(async () => {
  await t?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function loadWithPycocotools(resultsUrl: string) {
  const paths = { gt: 'gt.json', results: 'results.json', cvat: 'cvat.json' };
  const bodies = {
    gt: (await get('/coco-export')).body,
    results: (await get(resultsUrl)).body,
    cvat: (await get('/cvat-coco-export')).body,
  };
  for (const [k, p] of Object.entries(paths))
    await fs.writeFile(path.join(dir, p), JSON.stringify(bodies[k as keyof typeof bodies]));
  return runTestPython<{
    results: Record<string, unknown>[];
    areas: number[];
    stats: number[];
    cvat: { images: string[]; licenses: unknown; masks: Record<string, string> };
  }>('coco_load.py', Object.fromEntries(Object.entries(paths).map(([k, p]) => [k, path.join(dir, p)])));
}

describe('COCO results', () => {
  it('of a pass: every prediction with score and verdicts; loadRes reads it; COCOeval scores it', async () => {
    const res = await get(`/passes/${passA}/coco-results.json`);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(4);
    const loaded = await loadWithPycocotools(`/passes/${passA}/coco-results.json`);
    expect(loaded.results).toHaveLength(4);
    expect(loaded.results.map((r) => [r.score, r.image_verdict, r.instance_verdict, r.accepted])).toEqual([
      [0.9, 'approve', 'correct', true],
      [0.8, 'reject', 'correct', false], // the reviewer's per-instance verdict overrules the judge's
      [0.55, 'reject', null, false], // the reviewer named no verdict for #2
      [0.1, 'reject', null, false], // under the threshold: not drawn, not judged
    ]);
    expect(loaded.results[0]).toMatchObject({ pass_id: passA, model_version_id: versionId, judge: 'oracle' });
    // pycocotools computes area from the mask: it agrees with ours.
    expect(loaded.areas).toEqual(res.body.map((r: { area: number }) => r.area));
    // Both objects found at the top scores; the false positives score below them: AP 1 at IoU .50:.95.
    expect(loaded.stats[0]).toBeCloseTo(1, 6);
  });

  it('of a model version: per image, the latest pass that predicted it', async () => {
    const res = await get(`/model-versions/${versionId}/coco-results.json`);
    expect(res.status).toBe(200);
    expect(res.body.map((r: { image_id: number; pass_id: number }) => [r.image_id, r.pass_id])).toEqual([
      [images[1].id, passA],
      [images[1].id, passA],
      [images[1].id, passA],
      [images[0].id, passB],
    ]);
    const loaded = await loadWithPycocotools(`/model-versions/${versionId}/coco-results.json`);
    expect(loaded.results).toHaveLength(4);
    // Pass B's cat is a row taller than the truth: IoU 36/42 < 0.9, so AP over .50:.95 drops below 1.
    expect(loaded.stats[0]).toBeLessThan(1);
    expect(loaded.stats[1]).toBeCloseTo(1, 6); // AP at IoU .50
  });

  it('answers 404 problem+json for a pass or version of another project', async () => {
    const other = await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'other' });
    const res = await call(
      `${t.url}/v1/projects/${other.id}/passes/${passA}/coco-results.json`,
      t.adminKey,
      'GET',
    );
    expect(res.status).toBe(404);
    expect(res.type).toContain('application/problem+json');
    const mv = await call(
      `${t.url}/v1/projects/${other.id}/model-versions/${versionId}/coco-results.json`,
      t.adminKey,
      'GET',
    );
    expect(mv.status).toBe(404);
  });
});

describe('CVAT COCO 1.0', () => {
  it('names images by bare file name, carries licenses, and holds the labelled masks as CVAT reads them', async () => {
    const res = await get('/cvat-coco-export');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['licenses', 'info', 'categories', 'images', 'annotations']);
    expect(res.body.annotations).toHaveLength(2);
    for (const a of res.body.annotations) {
      expect(Array.isArray(a.segmentation.counts)).toBe(true); // uncompressed, like CVAT's own export
      expect(a.attributes).toEqual({ occluded: false });
    }
    const loaded = await loadWithPycocotools(`/passes/${passA}/coco-results.json`);
    expect(loaded.cvat.images).toEqual(['img-0.png', 'img-1.png', 'img-2.png']);
    expect(loaded.cvat.licenses).toEqual([{ name: '', id: 0, url: '' }]);
    // pycocotools decodes each mask to exactly the label's mask.
    const labels = await sql<{ id: string; rle: string }>(
      'select id, rle from labels where project_id = $1',
      [projectId],
    );
    expect(loaded.cvat.masks).toEqual(Object.fromEntries(labels.map((l) => [String(l.id), l.rle])));
  });

  it('filters by split and pool state', async () => {
    const pool = await get('/cvat-coco-export?poolState=unlabeled');
    expect(pool.body.images.map((i: { file_name: string }) => i.file_name)).toEqual(['img-2.png']);
    expect(pool.body.annotations).toEqual([]);
  });
});
