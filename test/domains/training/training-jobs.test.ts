/**
 * Training end to end on the CPU: the real app, its in-process worker, the queue, the Python trainer
 * (tiny preset, a few iterations, one thread) and the ONNX model it exports, run by onnxruntime-node.
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import {
  ensureTrainerEnv,
  type JobView,
  processAlive,
  type SeededProject,
  seedSynthProject,
  trainingConfig,
  waitForJob,
  waitUntil,
} from '../../helpers/training.ts';

/** Real training on a shared CPU: minutes, not seconds. */
const TRAINING_TIMEOUT = { timeout: 300_000 };

let t: TestServer;
let project: SeededProject;

beforeAll(async () => {
  await ensureTrainerEnv();
  t = await startTestServer({ inProcessWorker: true, ...trainingConfig() });
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'));
}, 900_000);
afterAll(() => t?.close());

const jobsUrl = () => `/v1/projects/${project.id}/training-jobs`;
const tiny = (maxIterations: number, extra: Record<string, unknown> = {}) => ({
  preset: 'tiny',
  hyper: { maxIterations, batchSize: 2, evalEvery: 100 },
  seed: 1,
  ...extra,
});

interface VersionView {
  id: number;
  parentId: number | null;
  trainingJobId: number;
  active: boolean;
  metrics: Record<string, number | null>;
  metadata: {
    categories: { label: number; id: number; name: string }[];
    input: { name: string };
    maskForm?: string;
  };
  lineage: { id: number }[];
  onnxBytes: number;
  trainingSeconds: number;
  device: string;
}

describe('training jobs', TRAINING_TIMEOUT, () => {
  let first: JobView;

  it('trains a model through the queue and a worker, and registers its version', async () => {
    const res = await call(`${t.url}${jobsUrl()}`, t.adminKey, 'POST', tiny(6));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      status: 'queued',
      preset: 'tiny',
      warmStart: { type: 'scratch', modelVersionId: null },
    });
    expect(res.body.labelSnapshot).toMatchObject({ trainImages: 6, valImages: 2 });
    expect(res.body.labelSnapshot.labels).toBeGreaterThan(0);

    first = await waitForJob(t.admin, project.id, res.body.id, (j) => j.status === 'succeeded');
    expect(first.progress).toMatchObject({ phase: 'finished', iteration: 6, totalIterations: 6 });
    expect(first.progress.lastEvaluation?.iteration).toBe(6);
    expect(first.progress.losses?.total).toEqual(expect.any(Number));
    expect(first.progress.runs).toEqual([
      expect.objectContaining({ attempt: 1, startIteration: 0, device: 'cpu' }),
    ]);
    expect(first.modelVersionId).toEqual(expect.any(Number));
    expect(first.attempt).toBe(1);

    const list = await t.admin.json<{ data: JobView[]; nextCursor: string | null }>(
      'GET',
      `${jobsUrl()}?limit=1`,
    );
    expect(list.data.map((j) => j.id)).toEqual([first.id]);
  });

  it('serves the model version with metrics, metadata and an ONNX file onnxruntime runs', async () => {
    const version = await t.admin.json<VersionView>(
      'GET',
      `/v1/projects/${project.id}/model-versions/${first.modelVersionId}`,
    );
    expect(version).toMatchObject({
      trainingJobId: first.id,
      parentId: null,
      lineage: [],
      active: true,
      device: 'cpu',
    });
    expect(version.metrics.segmAP).toEqual(expect.any(Number));
    expect(version.trainingSeconds).toBeGreaterThan(0);
    expect(version.metadata.categories.length).toBeGreaterThan(0);

    const res = await t.admin.request(
      'GET',
      `/v1/projects/${project.id}/model-versions/${version.id}/model.onnx`,
    );
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.length).toBe(version.onnxBytes);
    const session = await ort.InferenceSession.create(bytes);
    const { data, info } = await sharp(project.files[0])
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const chw = new Float32Array(3 * info.height * info.width);
    for (let i = 0; i < info.height * info.width; i++)
      for (let c = 0; c < 3; c++) chw[c * info.height * info.width + i] = data[i * 3 + c] / 255;
    const out = await session.run({
      [version.metadata.input.name]: new ort.Tensor('float32', chw, [3, info.height, info.width]),
    });
    const n = out.boxes.dims[0];
    expect(out.boxes.dims).toEqual([n, 4]);
    expect(out.scores.dims).toEqual([n]);
    expect(out.labels.dims).toEqual([n]);
    // the trainer exports the roi form: one 28x28 mask per detection, pasted by src/inference/
    expect(version.metadata.maskForm).toBe('roi');
    expect(out.masks.dims).toEqual([n, 1, 28, 28]);
    await session.release();
  });

  it('warm-starts from a version, recording its lineage, and activates one version at a time', async () => {
    const res = await call(
      `${t.url}${jobsUrl()}`,
      t.adminKey,
      'POST',
      tiny(2, { warmStart: { modelVersionId: first.modelVersionId } }),
    );
    expect(res.status).toBe(202);
    expect(res.body.warmStart).toEqual({ type: 'model-version', modelVersionId: first.modelVersionId });
    const second = await waitForJob(t.admin, project.id, res.body.id, (j) => j.status === 'succeeded');

    const base = `/v1/projects/${project.id}/model-versions`;
    const child = await t.admin.json<VersionView>('GET', `${base}/${second.modelVersionId}`);
    expect(child.parentId).toBe(first.modelVersionId);
    expect(child.lineage.map((v) => v.id)).toEqual([first.modelVersionId]);
    expect(child.active).toBe(false);

    const activated = await t.admin.json<VersionView>('POST', `${base}/${child.id}/activate`);
    expect(activated.active).toBe(true);
    const all = await t.admin.json<{ data: VersionView[] }>('GET', base);
    expect(all.data.map((v) => [v.id, v.active])).toEqual([
      [first.modelVersionId, false],
      [child.id, true],
    ]);
  });

  it('does nothing when a succeeded job is run again: never two versions for one job', async () => {
    const runner = t.server.ctx.services.trainingRunner;
    const outcome = await runner.run(first.id, {
      workerId: t.server.worker!.id,
      device: 'cpu',
      cpuSlots: 1,
      staleAfterMs: 3000,
      signal: new AbortController().signal,
      log: () => {},
    });
    expect(outcome).toBe('skipped');
    await t.server.ctx.queue.send('train.run', { trainingJobId: first.id });
    await new Promise((r) => setTimeout(r, 1500));
    const again = await t.admin.json<JobView>('GET', `${jobsUrl()}/${first.id}`);
    expect(again).toMatchObject({ status: 'succeeded', attempt: 1, modelVersionId: first.modelVersionId });
    const versions = await t.admin.json<{ data: VersionView[] }>(
      'GET',
      `/v1/projects/${project.id}/model-versions`,
    );
    expect(versions.data.filter((v) => v.trainingJobId === first.id)).toHaveLength(1);
  });

  it('cancels: a running job ends its trainer process, a queued one never starts', async () => {
    const running = await t.admin.json<JobView>('POST', jobsUrl(), tiny(400));
    const queued = await t.admin.json<JobView>('POST', jobsUrl(), tiny(400));
    const pid = await trainerPid(running.id);
    expect(processAlive(pid)).toBe(true);

    const cancelledQueued = await t.admin.json<JobView>('POST', `${jobsUrl()}/${queued.id}/cancel`);
    expect(cancelledQueued).toMatchObject({ status: 'cancelled', attempt: 0 });

    const cancelled = await t.admin.json<JobView>('POST', `${jobsUrl()}/${running.id}/cancel`);
    expect(cancelled.status).toBe('cancelled');
    await waitUntil(() => !processAlive(pid), 15_000);

    const again = await call(`${t.url}${jobsUrl()}/${running.id}/cancel`, t.adminKey, 'POST');
    expect(again.status).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await t.admin.json<JobView>('GET', `${jobsUrl()}/${queued.id}`)).toMatchObject({
      status: 'cancelled',
      attempt: 0,
    });
    expect((await t.admin.json<JobView>('GET', `${jobsUrl()}/${running.id}`)).status).toBe('cancelled');
  });

  it('rejects bad input with problem details', async () => {
    const post = (body: unknown) => call(`${t.url}${jobsUrl()}`, t.adminKey, 'POST', body);
    const badHyper = await post({ preset: 'tiny', hyper: { lr: -1, wat: 1 } });
    expect(badHyper.status).toBe(422);
    expect(badHyper.body.errors.map((e: { name: string }) => e.name).sort()).toEqual([
      '$.hyper.lr',
      '$.hyper.wat',
    ]);
    expect((await post({ preset: 'tiny', warmStart: 'coco' })).status).toBe(422);
    expect((await post({ preset: 'small', warmStart: 'active' })).status).toBe(422);
    expect((await post({ preset: 'huge' })).status).toBe(400);
    const empty = await t.admin.json<{ id: number }>('POST', '/v1/projects', {
      name: 'empty',
      categories: [{ name: 'a' }],
    });
    const noData = await call(`${t.url}/v1/projects/${empty.id}/training-jobs`, t.adminKey, 'POST', {
      preset: 'tiny',
    });
    expect(noData.status).toBe(422);
    expect(noData.body.detail).toMatch(/no labelled train image/);
    expect((await call(`${t.url}${jobsUrl()}/99999`, t.adminKey, 'GET')).status).toBe(404);
  });
});

/** The trainer's pid, as the worker reports it in its heartbeat. */
async function trainerPid(trainingJobId: number): Promise<number> {
  let pid = 0;
  await waitUntil(async () => {
    const res = await call(`${t.url}/v1/workers`, t.adminKey, 'GET');
    const jobs = res.body.data.flatMap(
      (w: { currentJobs: { trainingJobId?: number; trainerPid?: number }[] }) => w.currentJobs,
    );
    pid = jobs.find((j: { trainingJobId?: number }) => j.trainingJobId === trainingJobId)?.trainerPid ?? 0;
    return pid > 0;
  }, 60_000);
  return pid;
}
