/**
 * Predict-and-judge passes end to end on the CPU: a tiny model trained by the real trainer through the
 * queue, the in-process worker predicting with onnxruntime-node, judges from src/judges, acceptance,
 * the human review queue, overlays, and user model uploads.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decompress, iou } from '../../../src/coco/coco-rle.ts';
import { findSnapshot } from '../../../src/domains/datasets/label-snapshot.repository.ts';
import { TrainingDataWriter } from '../../../src/domains/training/training-data.ts';
import type { Detection, MaskRcnnModel } from '../../../src/inference/mask-rcnn.ts';
import { renderOverlay } from '../../../src/overlay/overlay.ts';
import {
  exportFullForm,
  imageBytes,
  loadVersion,
  makePool,
  type PassView,
  type PredictionView,
  trainTinyModel,
  waitForPass,
} from '../../helpers/passes.ts';
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
let pool: number[];
let model: MaskRcnnModel;
let onnxPath: string;
const detections = new Map<number, Detection[]>();

interface LabelView {
  id: number;
  categoryId: number;
  segmentation: { size: [number, number]; counts: string };
  provenance: Record<string, unknown>;
}
interface ReviewItemView {
  imageId: number;
  overlayUrl: string;
  instances: PredictionView[];
}

const url = (p: string) => `/v1/projects/${project.id}${p}`;
const sql = <T = any>(text: string, values: unknown[] = []) =>
  t.server.ctx.database.pool.query(text, values).then((r) => r.rows as T[]);

beforeAll(async () => {
  await ensureTrainerEnv();
  t = await startTestServer({ inProcessWorker: true, ...trainingConfig() });
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 18);
  versionId = await trainTinyModel(t.admin, project.id);
  pool = await makePool(t.admin, project.id, 3);
  ({ model, onnxPath } = await loadVersion(t.admin, project.id, versionId, path.join(t.dataDir, 'models')));
  for (const id of pool)
    detections.set(id, await model.predict(await imageBytes(t.admin, project.id, id), { minScore: 0 }));
}, 900_000);
afterAll(async () => {
  await model?.release();
  await t?.close();
});

async function createPass(body: Record<string, unknown>): Promise<PassView> {
  const res = await call(`${t.url}${url('/passes')}`, t.adminKey, 'POST', body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body;
}

async function predictionsOf(passId: number, imageId: number): Promise<PredictionView[]> {
  return (
    await t.admin.json<{ data: PredictionView[] }>(
      'GET',
      url(`/images/${imageId}/predictions?passId=${passId}`),
    )
  ).data;
}

async function labelsOf(imageId: number, source: string) {
  return (
    await t.admin.json<{ data: LabelView[] }>(
      'GET',
      url(`/labels?imageId=${imageId}&source=${source}&limit=500`),
    )
  ).data;
}

async function image(id: number) {
  return t.admin.json<{ poolState: string; labelSourceOfRecord: string | null }>('GET', url(`/images/${id}`));
}

/** The pool image with the surest detection, and a threshold just under it: it gets at least one drawn mask. */
function surestImage(ids: number[]): { imageId: number; threshold: number } {
  let best = { imageId: ids[0], threshold: 0 };
  for (const id of ids) {
    const top = detections.get(id)?.[0]?.score ?? 0;
    if (top * 0.98 > best.threshold) best = { imageId: id, threshold: top * 0.98 };
  }
  return best;
}

/** Replaces an image's hidden ground truth with exactly the model's masks above `threshold`: the oracle approves it. */
async function groundTruthFromModel(imageId: number, threshold: number): Promise<void> {
  for (const label of await labelsOf(imageId, 'import'))
    await t.admin.request('DELETE', url(`/labels/${label.id}`));
  const kept = (detections.get(imageId) ?? []).filter((d) => d.score >= threshold);
  if (kept.length > 0)
    await t.admin.json('POST', url(`/images/${imageId}/labels`), {
      labels: kept.map((d) => ({ categoryId: d.categoryId, segmentation: d.segmentation, source: 'import' })),
    });
  await t.admin.json('PATCH', url('/images'), { ids: [imageId], poolState: 'unlabeled' });
}

describe('an oracle pass', () => {
  let pass: PassView;
  let approvedId: number;

  it('predicts and judges the pool; counts add up; approved images get their predictions as labels', async () => {
    const chosen = surestImage(pool);
    expect(chosen.threshold, 'the tiny model detects something on some pool image').toBeGreaterThan(0);
    approvedId = chosen.imageId;
    await groundTruthFromModel(approvedId, chosen.threshold);

    const created = await createPass({ judge: { kind: 'oracle' }, scoreThreshold: chosen.threshold });
    expect(created).toMatchObject({ status: 'queued', modelVersionId: versionId, judge: { kind: 'oracle' } });
    expect(created.counts.images).toBe(pool.length);
    pass = await waitForPass(t.admin, project.id, created.id, (p) => p.status === 'completed');

    const c = pass.counts;
    expect(c.images).toBe(pool.length);
    expect(c.predicted).toBe(pool.length);
    expect(c.approved + c.rejected + c.errored).toBe(c.images);
    expect(c.pending + c.awaitingReview + c.abstained).toBe(0);
    expect(c.approved).toBeGreaterThanOrEqual(1);
    expect(c.accepted).toBe(c.approved);
    expect(pass.progress).toEqual({ done: pool.length, total: pool.length, fraction: 1 });
    expect(pass.reviewSeconds).toBeCloseTo(3 * pool.length);

    const rows = await sql('select image_id, state, verdict, accepted from pass_images where pass_id = $1', [
      pass.id,
    ]);
    const approved = rows.filter((r) => r.verdict === 'approve').map((r) => Number(r.image_id));
    expect(approved).toContain(approvedId);
    for (const id of pool) {
      const img = await image(id);
      if (approved.includes(id))
        expect(img).toMatchObject({ poolState: 'labeled', labelSourceOfRecord: 'approved_prediction' });
      else expect(img.poolState).toBe('unlabeled');
    }
  });

  it("makes the approved image's drawn predictions its labels, with provenance, not the ground truth", async () => {
    const drawn = (await predictionsOf(pass.id, approvedId)).filter((p) => p.drawnIndex !== null);
    const labels = await labelsOf(approvedId, 'approved_prediction');
    expect(drawn.length).toBeGreaterThan(0);
    expect(labels.map((l) => [l.categoryId, l.segmentation.counts])).toEqual(
      drawn.map((p) => [p.categoryId, p.segmentation.counts]),
    );
    expect(labels[0].provenance).toMatchObject({
      passId: pass.id,
      modelVersionId: versionId,
      predictionId: drawn[0].id,
      judgeKind: 'oracle',
    });
    // Exactly once: no label was written twice for the same prediction.
    const dupes = await sql(
      `select provenance->>'predictionId' as p from labels where source = 'approved_prediction'
       group by 1 having count(*) > 1`,
    );
    expect(dupes).toEqual([]);
  });

  it('reports agreement (the oracle against itself) with the pass', async () => {
    expect(pass.agreement).toMatchObject({ images: pool.length, compared: pool.length, accuracy: 1 });
    expect(pass.agreement?.confusion.judgeApproveOracleReject).toBe(0);
  });

  it('trains an approved image on its predictions, never on the hidden ground truth it carries', async () => {
    const job = await t.admin.json<{ id: number; labelSnapshot: { id: number } }>(
      'POST',
      url('/training-jobs'),
      {
        preset: 'tiny',
        hyper: { maxIterations: 1, batchSize: 2 },
      },
    );
    await t.admin.json('POST', url(`/training-jobs/${job.id}/cancel`));
    const snapshot = await findSnapshot(t.server.ctx.database.db, job.labelSnapshot.id);
    const ids = new Set(snapshot?.labelIds);
    const approvedLabels = await labelsOf(approvedId, 'approved_prediction');
    const hiddenTruth = await labelsOf(approvedId, 'import');
    expect(hiddenTruth.length).toBeGreaterThan(0);
    for (const l of approvedLabels) expect(ids.has(l.id)).toBe(true);
    for (const l of hiddenTruth) expect(ids.has(l.id)).toBe(false);

    // The COCO file the trainer reads holds exactly the approved masks for that image, once each.
    const files = await new TrainingDataWriter(t.server.ctx.database.db, t.server.ctx.blobs).write(
      snapshot!,
      path.join(t.dataDir, 'snapshot-check'),
    );
    const coco = JSON.parse(await fs.readFile(files.train, 'utf8'));
    const anns = coco.annotations.filter((a: { image_id: number }) => a.image_id === approvedId);
    expect(anns.map((a: { id: number }) => a.id).sort()).toEqual(approvedLabels.map((l) => l.id).sort());
    // Each says where it came from: the trainer weighs approved masks by hyper.approvedMaskWeight.
    expect(new Set(anns.map((a: { source: string }) => a.source))).toEqual(new Set(['approved_prediction']));
    const importedAnns = coco.annotations.filter((a: { source: string }) => a.source === 'import');
    expect(importedAnns.length).toBeGreaterThan(0);
    // Images imported as labelled keep training on their import labels, as before.
    const [imported] = await sql(
      `select id from images where project_id = $1 and split = 'train' and pool_state = 'labeled'
       and label_source_of_record = 'import' limit 1`,
      [project.id],
    );
    for (const l of await labelsOf(Number(imported.id), 'import')) expect(ids.has(l.id)).toBe(true);
  });
});

describe('overlays and predictions', () => {
  it('serves deterministic overlay bytes whose drawn instances are exactly the listed ones', async () => {
    const [passRow] = await sql('select id, score_threshold from passes order by id limit 1');
    const passId = Number(passRow.id);
    const imageId = pool[0];
    const first = await t.admin.request('GET', url(`/passes/${passId}/images/${imageId}/overlay.png`));
    const a = Buffer.from(await first.arrayBuffer());
    const b = Buffer.from(
      await (
        await t.admin.request('GET', url(`/passes/${passId}/images/${imageId}/overlay.png`))
      ).arrayBuffer(),
    );
    expect(first.headers.get('content-type')).toBe('image/png');
    expect(a.equals(b)).toBe(true);
    const [prediction] = await sql(
      'select id from predictions where pass_id = $1 and image_id = $2 limit 1',
      [passId, imageId],
    );
    const byPrediction = await t.admin.request('GET', url(`/predictions/${prediction.id}/overlay.png`));
    expect(Buffer.from(await byPrediction.arrayBuffer()).equals(a)).toBe(true);

    const all = await predictionsOf(passId, imageId);
    const local = await renderOverlay({
      image: await imageBytes(t.admin, project.id, imageId),
      instances: all,
      scoreThreshold: passRow.score_threshold,
    });
    expect(a.equals(local.png)).toBe(true);
    const listed = await t.admin.json<{ instances: PredictionView[] }>(
      'GET',
      url(`/passes/${passId}/images/${imageId}`),
    );
    expect(listed.instances.map((p) => [p.drawnIndex, p.categoryName])).toEqual(
      local.drawn.map((d) => [d.index, d.categoryName]),
    );
    expect(Number(first.headers.get('x-drawn-instances'))).toBe(local.drawn.length);
    expect(all.filter((p) => p.drawnIndex !== null).map((p) => p.id)).toEqual(
      listed.instances.map((p) => p.id),
    );
    expect(all.every((p) => (p.drawnIndex !== null) === p.score >= passRow.score_threshold)).toBe(true);
  });
});

describe('the human review queue', () => {
  let pass: PassView;
  let keyB: string;

  it('sends every predicted image to review and leases them to one reviewer at a time', async () => {
    const remaining = (
      await sql(`select id from images where id = any($1) and pool_state = 'unlabeled' order by id`, [pool])
    ).map((r) => Number(r.id));
    expect(remaining.length).toBeGreaterThanOrEqual(3);
    const ids = remaining.slice(0, 3);
    const created = await createPass({ images: { ids }, judge: { kind: 'human' }, scoreThreshold: 0.05 });
    pass = await waitForPass(t.admin, project.id, created.id, (p) => p.counts.awaitingReview === 3);
    expect(pass.status).toBe('running');
    keyB = (
      await t.admin.json<{ key: string }>('POST', '/v1/api-keys', {
        name: 'reviewer-b',
        projectId: project.id,
      })
    ).key;

    const next = await t.admin.json<{ data: ReviewItemView[] }>(
      'GET',
      url(`/passes/${pass.id}/review/next?limit=2`),
    );
    expect(next.data.map((d) => d.imageId)).toEqual(ids.slice(0, 2));
    for (const item of next.data) {
      expect(item.overlayUrl).toBe(url(`/passes/${pass.id}/images/${item.imageId}/overlay.png`));
      const drawn = (await predictionsOf(pass.id, item.imageId)).filter((p) => p.drawnIndex !== null);
      expect(item.instances.map((p: PredictionView) => p.id)).toEqual(drawn.map((p) => p.id));
    }
    // Asking again returns the same leases; another reviewer gets the third image only.
    const again = await t.admin.json<{ data: ReviewItemView[] }>(
      'GET',
      url(`/passes/${pass.id}/review/next?limit=2`),
    );
    expect(again.data.map((d) => d.imageId)).toEqual(ids.slice(0, 2));
    const other = await call(`${t.url}${url(`/passes/${pass.id}/review/next?limit=5`)}`, keyB, 'GET');
    expect(other.body.data.map((d: { imageId: number }) => d.imageId)).toEqual([ids[2]]);

    // Not leased to this key: 409. Approving with a wrong instance verdict: 422.
    const notMine = await call(`${t.url}${url(`/passes/${pass.id}/review/${ids[2]}`)}`, t.adminKey, 'POST', {
      verdict: 'approve',
    });
    expect(notMine.status).toBe(409);
    const bad = await call(`${t.url}${url(`/passes/${pass.id}/review/${ids[0]}`)}`, t.adminKey, 'POST', {
      verdict: 'approve',
      instances: [{ index: 999, verdict: 'correct' }],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].name).toBe('instances[0].index');
  });

  it('records verdicts with review time; approval accepts the drawn predictions; a second verdict is 409', async () => {
    const [a, b, c] = (
      await sql('select image_id from pass_images where pass_id = $1 order by image_id', [pass.id])
    ).map((r) => Number(r.image_id));
    const approve = await call(`${t.url}${url(`/passes/${pass.id}/review/${a}`)}`, t.adminKey, 'POST', {
      verdict: 'approve',
      reviewSeconds: 7,
    });
    expect(approve.status, JSON.stringify(approve.body)).toBe(200);
    const drawnA = (await predictionsOf(pass.id, a)).filter((p) => p.drawnIndex !== null);
    expect(approve.body).toMatchObject({
      state: 'judged',
      verdict: 'approve',
      accepted: true,
      labelsCreated: drawnA.length,
      reviewSeconds: 7,
    });
    expect(
      (await labelsOf(a, 'approved_prediction')).filter((l) => l.provenance.passId === pass.id),
    ).toHaveLength(drawnA.length);
    expect(await image(a)).toMatchObject({
      poolState: 'labeled',
      labelSourceOfRecord: 'approved_prediction',
    });
    const twice = await call(`${t.url}${url(`/passes/${pass.id}/review/${a}`)}`, t.adminKey, 'POST', {
      verdict: 'reject',
    });
    expect(twice.status).toBe(409);

    const reject = await call(`${t.url}${url(`/passes/${pass.id}/review/${b}`)}`, t.adminKey, 'POST', {
      verdict: 'reject',
      reason: 'masks are off',
    });
    expect(reject.body).toMatchObject({ verdict: 'reject', accepted: false, labelsCreated: 0 });
    expect(reject.body.reviewSeconds).toBeGreaterThanOrEqual(0);
    expect((await image(b)).poolState).toBe('unlabeled');

    const byB = await call(`${t.url}${url(`/passes/${pass.id}/review/${c}`)}`, keyB, 'POST', {
      verdict: 'reject',
    });
    expect(byB.status).toBe(200);
    const done = await waitForPass(t.admin, project.id, pass.id, (p) => p.status === 'completed', 10_000);
    expect(done.counts).toMatchObject({
      images: 3,
      approved: 1,
      rejected: 2,
      awaitingReview: 0,
      accepted: 1,
    });
    expect(done.reviewSeconds).toBeGreaterThanOrEqual(7);
    // The pool images carry ground truth, so the reviewers are measured against the oracle.
    expect(done.agreement).toMatchObject({ images: 3, compared: 3 });
  });
});

describe('a simulated pass', () => {
  it('with false approvals only: every image approved, labelled with the predicted masks, not the truth', async () => {
    const remaining = (
      await sql(`select id from images where id = any($1) and pool_state = 'unlabeled' order by id`, [pool])
    ).map((r) => Number(r.id));
    expect(remaining.length).toBeGreaterThan(0);
    const threshold = 0.01;
    const created = await createPass({
      judge: { kind: 'simulated', falseApproveRate: 1, falseRejectRate: 0, seed: 1 },
      scoreThreshold: threshold,
    });
    const pass = await waitForPass(t.admin, project.id, created.id, (p) => p.status === 'completed');
    expect(pass.counts).toMatchObject({
      images: remaining.length,
      approved: remaining.length,
      accepted: remaining.length,
    });
    // The oracle disagrees wherever the masks are wrong: agreement shows the simulated errors.
    expect(pass.agreement?.compared).toBe(remaining.length);
    let differsFromTruth = false;
    for (const id of remaining) {
      const drawn = (await predictionsOf(pass.id, id)).filter((p) => p.drawnIndex !== null);
      const labels = await labelsOf(id, 'approved_prediction');
      expect(labels.map((l) => l.segmentation.counts)).toEqual(drawn.map((p) => p.segmentation.counts));
      expect(labels.every((l) => l.provenance.judgeKind === 'simulated')).toBe(true);
      const truth = await labelsOf(id, 'import');
      if (truth.length !== labels.length) differsFromTruth = true;
      else if (labels.length > 0) {
        const ious = iou(
          labels.map((l) => decompress(l.segmentation)),
          truth.map((l) => decompress(l.segmentation)),
          truth.map(() => false),
        );
        if (ious.some((row) => Math.max(...row) < 0.99)) differsFromTruth = true;
      }
      expect(await image(id)).toMatchObject({
        poolState: 'labeled',
        labelSourceOfRecord: 'approved_prediction',
      });
    }
    expect(differsFromTruth).toBe(true);
  });

  it('refuses a pass with nothing to do, and cancels one once', async () => {
    const empty = await call(`${t.url}${url('/passes')}`, t.adminKey, 'POST', { judge: { kind: 'oracle' } });
    expect(empty.status).toBe(422);
    expect(empty.body.errors[0].name).toBe('images');
    const created = await createPass({ images: { ids: [pool[0]] }, judge: { kind: 'oracle' } });
    const cancelled = await t.admin.json<PassView>('POST', url(`/passes/${created.id}/cancel`));
    expect(cancelled.status).toBe('cancelled');
    const again = await call(`${t.url}${url(`/passes/${created.id}/cancel`)}`, t.adminKey, 'POST');
    expect(again.status === 409 || again.body.status === 'cancelled').toBe(true);
    const vlm = await call(`${t.url}${url('/passes')}`, t.adminKey, 'POST', { judge: { kind: 'vlm' } });
    expect(vlm.status).toBe(422);
    expect(vlm.body.errors[0].name).toBe('judge.baseUrl');
    const list = await t.admin.json<{ data: PassView[]; nextCursor: string | null }>(
      'GET',
      url('/passes?limit=2'),
    );
    expect(list.data).toHaveLength(2);
    expect(list.nextCursor).not.toBeNull();
  });
});

describe('uploading your own model', () => {
  const metadata = async () => {
    const { categories } = await t.admin.json<{ categories: { id: number }[] }>(
      'GET',
      `/v1/projects/${project.id}`,
    );
    return {
      categories: categories.map((c, i) => ({ label: i + 1, categoryId: c.id })),
      scoreThreshold: 0.3,
    };
  };
  const upload = async (bytes: Uint8Array, meta: unknown) => {
    const form = new FormData();
    form.append('metadata', JSON.stringify(meta));
    form.append('model', new Blob([bytes]), 'model.onnx');
    return call(`${t.url}${url('/model-versions/upload')}`, t.adminKey, 'POST', form);
  };

  it('refuses a file onnxruntime cannot run, naming `model`', async () => {
    const res = await upload(new TextEncoder().encode('this is not an ONNX model'), await metadata());
    expect(res.status).toBe(422);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.errors.map((e: { name: string }) => e.name)).toEqual(['model']);
  });

  it('refuses metadata naming a category the project lacks', async () => {
    const res = await upload(await fs.readFile(onnxPath), {
      categories: [{ label: 1, categoryId: 999_999 }],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].name).toBe('metadata.categories[0].categoryId');
  });

  it('accepts a torchvision-form export, which then predicts like the trained version', async () => {
    // the trainer's own file has the roi form; a user's torchvision export pastes masks inside the graph
    const full = await exportFullForm(
      t.admin,
      project.id,
      versionId,
      path.join(t.dataDir, 'blobs'),
      t.dataDir,
    );
    const res = await upload(await fs.readFile(full), await metadata());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ preset: 'uploaded', active: false, metadata: { scoreThreshold: 0.3 } });
    const created = await createPass({
      modelVersionId: res.body.id,
      images: { ids: [pool[0]] },
      judge: { kind: 'human' },
    });
    expect(created.scoreThreshold).toBe(0.3);
    await waitForPass(t.admin, project.id, created.id, (p) => p.counts.predicted === 1);
    const got = await predictionsOf(created.id, pool[0]);
    expect(got.map((p) => p.segmentation.counts)).toEqual(
      (detections.get(pool[0]) ?? []).map((d) => d.segmentation.counts),
    );
    await t.admin.json('POST', url(`/passes/${created.id}/cancel`));
  });
});

describe("the 'instance' acceptance", () => {
  /** A pool image with at least two masks above some threshold, that threshold, and the image unlabelled again. */
  async function imageWithTwoMasks(): Promise<{ imageId: number; threshold: number }> {
    for (const id of pool) {
      const scores = (detections.get(id) ?? []).map((d) => d.score).sort((a, b) => b - a);
      if (scores.length >= 2 && scores[1] > 0.01) {
        await t.admin.json('PATCH', url('/images'), { ids: [id], poolState: 'unlabeled' });
        return { imageId: id, threshold: scores[1] * 0.98 };
      }
    }
    throw new Error('no pool image has two detections: the tiny model found too little');
  }

  const stored = (imageId: number, passId: number) =>
    sql<{ iscrowd: boolean; drawn: number; ignored: string | null }>(
      `select iscrowd, (provenance->>'drawnIndex')::int as drawn, provenance->>'ignored' as ignored
         from labels where image_id = $1 and (provenance->>'passId')::int = $2 order by 2`,
      [imageId, passId],
    );

  it('takes the correct masks of an image the oracle rejects, keeping the wrong ones as crowd (ignore) regions', async () => {
    const { imageId, threshold } = await imageWithTwoMasks();
    // The truth is the model's surest mask alone: the oracle finds every object, marks #1 correct, the rest wrong.
    await groundTruthFromModel(imageId, (detections.get(imageId) ?? [])[0].score);
    await t.admin.json('PATCH', url('/images'), { ids: [imageId], poolState: 'unlabeled' });

    const byImage = await createPass({
      images: { ids: [imageId] },
      judge: { kind: 'oracle' },
      scoreThreshold: threshold,
    });
    expect(byImage.acceptance).toBe('image');
    const imageDone = await waitForPass(t.admin, project.id, byImage.id, (p) => p.status === 'completed');
    expect(imageDone.counts).toMatchObject({ rejected: 1, accepted: 0 });
    expect(await stored(imageId, byImage.id)).toEqual([]);

    const created = await createPass({
      images: { ids: [imageId] },
      judge: { kind: 'oracle' },
      scoreThreshold: threshold,
      acceptance: 'instance',
    });
    expect(created.acceptance).toBe('instance');
    const done = await waitForPass(t.admin, project.id, created.id, (p) => p.status === 'completed');
    expect(done.counts).toMatchObject({ approved: 0, rejected: 1, accepted: 1 });
    const drawn = (await predictionsOf(done.id, imageId)).filter((p) => p.drawnIndex !== null);
    expect(drawn.length).toBeGreaterThanOrEqual(2);
    const labels = await stored(imageId, done.id);
    expect(labels.map((l) => l.drawn)).toEqual(drawn.map((p) => p.drawnIndex).sort((a, b) => a! - b!));
    expect(labels.filter((l) => !l.iscrowd).map((l) => l.drawn)).toEqual([1]);
    expect(labels.filter((l) => l.iscrowd)).toHaveLength(drawn.length - 1);
    expect(labels.filter((l) => l.iscrowd).every((l) => l.ignored === 'rejected by the judge')).toBe(true);
    expect(await image(imageId)).toMatchObject({
      poolState: 'labeled',
      labelSourceOfRecord: 'approved_prediction',
    });
  });

  it('takes nothing from a reviewer who rejects without saying nothing was missed, or who names a missed object', async () => {
    const { imageId, threshold } = await imageWithTwoMasks();
    const created = await createPass({
      images: { ids: [imageId] },
      judge: { kind: 'human' },
      scoreThreshold: threshold,
      acceptance: 'instance',
    });
    await waitForPass(t.admin, project.id, created.id, (p) => p.counts.awaitingReview === 1);
    await t.admin.json('GET', url(`/passes/${created.id}/review/next`));
    const marks = [
      { index: 1, verdict: 'correct' },
      { index: 2, verdict: 'bad_mask' },
    ];
    const missed = await call(
      `${t.url}${url(`/passes/${created.id}/review/${imageId}`)}`,
      t.adminKey,
      'POST',
      {
        verdict: 'reject',
        instances: marks,
        missedObjects: 1,
      },
    );
    expect(missed.status, JSON.stringify(missed.body)).toBe(200);
    expect(missed.body).toMatchObject({ accepted: false, labelsCreated: 0 });
    expect((await image(imageId)).poolState).toBe('unlabeled');

    // A second human pass on the same image: nothing missed, so #1 becomes a label and #2 an ignore region.
    const second = await createPass({
      images: { ids: [imageId] },
      judge: { kind: 'human' },
      scoreThreshold: threshold,
      acceptance: 'instance',
    });
    await waitForPass(t.admin, project.id, second.id, (p) => p.counts.awaitingReview === 1);
    await t.admin.json('GET', url(`/passes/${second.id}/review/next`));
    const taken = await call(`${t.url}${url(`/passes/${second.id}/review/${imageId}`)}`, t.adminKey, 'POST', {
      verdict: 'reject',
      instances: marks,
      missedObjects: 0,
    });
    expect(taken.status, JSON.stringify(taken.body)).toBe(200);
    const labels = await stored(imageId, second.id);
    expect(taken.body).toMatchObject({ accepted: true, labelsCreated: labels.length });
    expect(labels.filter((l) => !l.iscrowd).map((l) => l.drawn)).toEqual([1]);
    expect(labels.find((l) => l.drawn === 2)?.iscrowd).toBe(true);
  });
});
