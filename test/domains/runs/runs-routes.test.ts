/**
 * Runs through the API without training: request validation, the refusals that depend on the project's
 * pool, one active run per project, and pause/resume/cancel of a run no worker has taken yet.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthDataset } from '../../../src/dataset/synth.ts';
import { chooseInitialLabels } from '../../../src/domains/runs/run-initial-labels.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import { type SeededProject, seedSynthProject } from '../../helpers/training.ts';

let t: TestServer;
let project: SeededProject;

const runsUrl = (projectId = project.id) => `${t.url}/v1/projects/${projectId}/runs`;
const post = (url: string, body?: unknown) => call(url, t.adminKey, 'POST', body ?? {});
const get = (url: string) => call(url, t.adminKey, 'GET');
const sql = <T = any>(text: string, values: unknown[] = []) =>
  t.server.ctx.database.pool.query(text, values).then((r) => r.rows as T[]);

beforeAll(async () => {
  // No worker: runs stay where the API leaves them.
  t = await startTestServer({ inProcessWorker: false });
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 15);
});
afterAll(() => t?.close());

function expectProblem(res: { status: number; type: string; body: any }, status: number, field: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.type).toContain('application/problem+json');
  expect(res.body.errors.map((e: { name: string }) => e.name)).toContain(field);
}

describe('creating a run', () => {
  it('refuses bad bodies with 400 naming the field', async () => {
    const url = runsUrl();
    expectProblem(await post(url, { iterations: 51 }), 400, 'iterations');
    expectProblem(await post(url, { iterations: -1 }), 400, 'iterations');
    expectProblem(await post(url, { scoreThreshold: 2 }), 400, 'scoreThreshold');
    expectProblem(await post(url, { acceptance: 'region' }), 400, 'acceptance');
    expectProblem(await post(url, { training: { warmStart: 'coco' } }), 400, 'training.warmStart');
    expectProblem(await post(url, { stop: { minApprovals: -1 } }), 400, 'stop.minApprovals');
    expectProblem(
      await post(url, { cost: { reviewSecondsPerImage: -3 } }),
      400,
      'cost.reviewSecondsPerImage',
    );
    expectProblem(await post(url, { colour: 'blue' }), 400, 'colour');
    const badFraction = await post(url, { initialLabels: { fraction: 1.5 } });
    expect(badFraction.status).toBe(400);
    expect(JSON.stringify(badFraction.body.errors)).toContain('initialLabels');
    const badJudge = await post(url, { judge: { kind: 'coin' } });
    expect(badJudge.status).toBe(400);
    expect(JSON.stringify(badJudge.body.errors)).toContain('judge');
    expectProblem(
      await post(url, { training: { preset: 'tiny', hyper: { maxIterations: 'many' } } }),
      422,
      'training.hyper.maxIterations',
    );
    expect(await sql('select * from runs')).toHaveLength(0);
  });

  it('refuses a fraction that leaves no train image labelled, or none unlabelled', async () => {
    // 9 train images: 0.01 labels none, 0.99 labels all.
    expectProblem(
      await post(runsUrl(), { initialLabels: { fraction: 0.01 } }),
      422,
      'initialLabels.fraction',
    );
    expectProblem(
      await post(runsUrl(), { initialLabels: { fraction: 0.99 } }),
      422,
      'initialLabels.fraction',
    );
    // Everything is labelled after the import: { existing: true } has no pool.
    expectProblem(await post(runsUrl(), { initialLabels: { existing: true } }), 422, 'initialLabels');
  });

  it('takes a supervised baseline (iterations 0) without a pool: existing labels or fraction 1', async () => {
    expectProblem(
      await post(runsUrl(), { initialLabels: { fraction: 1 }, iterations: 1 }),
      422,
      'initialLabels.fraction',
    );
    // No pool to judge: the oracle needs no ground truth for one, and the pool checks are skipped.
    for (const initialLabels of [{ existing: true }, { fraction: 1, seed: 2 }]) {
      const res = await post(runsUrl(), { initialLabels, iterations: 0, judge: { kind: 'oracle' } });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body.config).toMatchObject({ initialLabels, iterations: 0 });
      expect((await post(`${runsUrl()}/${res.body.id}/cancel`)).body.status).toBe('cancelled');
    }
  });

  it('refuses the oracle and simulated judges when the pool has no ground truth, not the human judge', async () => {
    const other = await seedSynthProject(t.admin, path.join(t.dataDir, 'other'), 10);
    const extra = await generateSynthDataset({
      outDir: path.join(t.dataDir, 'extra'),
      images: 3,
      seed: 99,
      size: 96,
      difficulty: 'easy',
      splits: { train: 1, val: 0, test: 0 },
    });
    const files = (await fs.readdir(extra.imagesDir)).map((f) => path.join(extra.imagesDir, f));
    await t.admin.uploadImages(other.id, files, { query: '?split=train' });
    const url = runsUrl(other.id);
    const existing = { initialLabels: { existing: true } };
    expectProblem(await post(url, { ...existing, judge: { kind: 'oracle' } }), 422, 'judge.kind');
    expectProblem(
      await post(url, {
        ...existing,
        judge: { kind: 'simulated', falseApproveRate: 0.1, falseRejectRate: 0.1 },
      }),
      422,
      'judge.kind',
    );
    const human = await post(url, { ...existing, judge: { kind: 'human' } });
    expect(human.status, JSON.stringify(human.body)).toBe(202);
    await post(`${url}/${human.body.id}/cancel`);
  });
});

describe('one active run per project', () => {
  let runId: number;

  it('creates a run with every default filled in, queued with its first step sent', async () => {
    const res = await post(runsUrl(), { name: 'defaults' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({
      name: 'defaults',
      status: 'queued',
      stopReason: null,
      iteration: 0,
      config: {
        initialLabels: { fraction: 0.2, seed: 1 },
        iterations: 3,
        judge: { kind: 'oracle' },
        scoreThreshold: 0.5,
        acceptance: 'image',
        training: { preset: 'small', hyper: {}, warmStart: 'previous', seed: 0 },
        stop: { minApprovals: 1, plateau: null, budgetHours: null },
        cost: {
          annotationSecondsPerImage: 80,
          annotationSecondsPerInstance: 0,
          reviewSecondsPerImage: 3,
          vlmUsdPerMillionInputTokens: 2.5,
          vlmUsdPerMillionOutputTokens: 10,
          humanUsdPerHour: 0,
          computeUsdPerHour: { cpu: 0, gpu: 0 },
        },
      },
      cost: { humanHours: 0, totalUsd: 0 },
      iterations: [],
    });
    expect(res.body.config.iterations).toBe(3);
    runId = res.body.id;
    const jobs = await sql(`select data from pgboss.job where name = 'run.step'`);
    expect(jobs.map((j) => j.data)).toContainEqual({ runId });
  });

  it('refuses a second active run with 409', async () => {
    const res = await post(runsUrl(), { initialLabels: { fraction: 0.5, seed: 2 } });
    expect(res.status).toBe(409);
    expect(res.type).toContain('application/problem+json');
  });

  it('pauses, resumes and cancels; a cancelled run frees the project', async () => {
    const paused = await post(`${runsUrl()}/${runId}/pause`);
    expect(paused.body.status).toBe('paused');
    expect((await post(`${runsUrl()}/${runId}/pause`)).body.status).toBe('paused');
    expect((await post(runsUrl())).status).toBe(409);
    const resumed = await post(`${runsUrl()}/${runId}/resume`);
    expect(resumed.body.status).toBe('queued');
    expect((await post(`${runsUrl()}/${runId}/resume`)).status).toBe(409);

    const cancelled = await post(`${runsUrl()}/${runId}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', stopReason: 'cancelled' });
    expect(cancelled.body.finishedAt).toEqual(expect.any(String));
    expect((await post(`${runsUrl()}/${runId}/cancel`)).status).toBe(409);
    expect((await post(`${runsUrl()}/${runId}/pause`)).status).toBe(409);
    const events = await sql(`select payload from events where type = 'run.completed'`);
    expect(events.map((e) => e.payload)).toContainEqual({
      projectId: project.id,
      runId,
      iterations: 0,
      status: 'cancelled',
      stopReason: 'cancelled',
    });

    // The step sent before the cancel finds nothing to do.
    expect(await t.server.ctx.services.runSteps.step(runId)).toBe('idle');
    expect(await sql('select * from run_iterations where run_id = $1', [runId])).toHaveLength(0);

    const next = await post(runsUrl(), { iterations: 1 });
    expect(next.status).toBe(202);
    await post(`${runsUrl()}/${next.body.id}/cancel`);
  });

  it('lists, shows, and 404s runs of other projects', async () => {
    const list = await get(`${runsUrl()}?limit=1`);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.nextCursor).toEqual(expect.any(String));
    const cancelled = await get(`${runsUrl()}?status=cancelled`);
    expect(cancelled.body.data.length).toBeGreaterThanOrEqual(2);
    expect((await get(`${runsUrl()}/${runId}/iterations`)).body).toEqual({ data: [] });
    const costs = await get(`${runsUrl()}/${runId}/costs`);
    expect(costs.body.data).toEqual([]);
    expect(costs.body.total).toMatchObject({ humanHours: 0, totalUsd: 0, trainingDevice: null });
    const other = await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'x' });
    expect((await get(`${runsUrl(other.id)}/${runId}`)).status).toBe(404);
    expect((await get(`${t.url}/v1/projects/${other.id}/learning-curve.svg?runIds=${runId}`)).status).toBe(
      404,
    );
  });

  it('draws an empty learning curve for a run without measured iterations', async () => {
    const svg = await get(`${runsUrl()}/${runId}/learning-curve.svg`);
    expect(svg.status).toBe(200);
    expect(svg.type).toContain('image/svg+xml');
    expect(svg.body).toContain('<svg');
    const png = await t.admin.request('GET', `/v1/projects/${project.id}/learning-curve.png?runIds=${runId}`);
    expect(png.headers.get('content-type')).toContain('image/png');
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect((await get(`${t.url}/v1/projects/${project.id}/learning-curve.svg?runIds=a,b`)).status).toBe(400);
  });
});

describe('reusing a model version for iteration 0 (initialModel)', () => {
  const training = { preset: 'tiny', hyper: { maxIterations: 12, batchSize: 2 }, seed: 1 };
  const fraction = { fraction: 0.34, seed: 3 };
  let reuse: SeededProject;
  let jobId: number;
  let versionId: number;
  const body = (overrides: Record<string, unknown> = {}) => ({
    initialLabels: fraction,
    initialModel: { modelVersionId: versionId },
    iterations: 1,
    training,
    ...overrides,
  });
  const poolStates = () =>
    sql(`select id, pool_state from images where project_id = $1 order by id`, [reuse.id]);

  beforeAll(async () => {
    reuse = await seedSynthProject(t.admin, path.join(t.dataDir, 'reuse'), 15);
    // A model trained on the set `fraction` selects: the job freezes it; the trainer's output is recorded
    // as a worker would (no worker runs in this file).
    await chooseInitialLabels(t.server.ctx.database.db, reuse.id, fraction);
    const job = await t.admin.json<{ id: number }>('POST', `/v1/projects/${reuse.id}/training-jobs`, {
      ...training,
      warmStart: 'scratch',
    });
    jobId = job.id;
    const [version] = await sql(
      `insert into model_versions (project_id, training_job_id, label_snapshot_id, preset, hyper, metrics,
         training_seconds, device, onnx_sha256, onnx_bytes, metadata)
       select project_id, id, label_snapshot_id, preset, hyper, '{}', 42.5, 'cpu', 'x', 1, '{}'
       from training_jobs where id = $1 returning id::int as id`,
      [jobId],
    );
    versionId = version.id;
    await sql(
      `update training_jobs set status = 'succeeded', started_at = now(), finished_at = now() where id = $1`,
      [jobId],
    );
    // Another selection now: a run's check must see the labels ITS select chooses, not these.
    await chooseInitialLabels(t.server.ctx.database.db, reuse.id, { fraction: 0.34, seed: 4 });
  });

  it('refuses with 422 a model trained on another initial set, other settings, or not in the project', async () => {
    const before = await poolStates();
    const url = runsUrl(reuse.id);
    const otherSet = await post(url, body({ initialLabels: { fraction: 0.34, seed: 4 } }));
    expectProblem(otherSet, 422, 'initialModel.modelVersionId');
    expect(otherSet.body.errors[0].detail).toMatch(
      /other labels than this run's initial set: train images 3/,
    );
    expectProblem(
      await post(url, body({ initialLabels: { fraction: 0.5, seed: 3 } })),
      422,
      'initialModel.modelVersionId',
    );
    expectProblem(
      await post(url, body({ training: { ...training, seed: 2 } })),
      422,
      'initialModel.modelVersionId',
    );
    expectProblem(
      await post(url, body({ training: { ...training, hyper: { maxIterations: 13, batchSize: 2 } } })),
      422,
      'initialModel.modelVersionId',
    );
    expectProblem(
      await post(url, body({ initialModel: { modelVersionId: 999999 } })),
      422,
      'initialModel.modelVersionId',
    );
    expectProblem(await post(runsUrl(), body()), 422, 'initialModel.modelVersionId');
    expectProblem(
      await post(url, body({ initialModel: { modelVersionId: 0 } })),
      400,
      'initialModel.modelVersionId',
    );
    // Checking applied the selection only in a transaction it rolled back.
    expect(await poolStates()).toEqual(before);
    expect(await sql('select * from runs where project_id = $1', [reuse.id])).toHaveLength(0);
  });

  it('reuses the model in iteration 0 without a training job, charging the original training', async () => {
    const created = await post(runsUrl(reuse.id), body());
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body.config.initialModel).toEqual({ modelVersionId: versionId });
    const steps = t.server.ctx.services.runSteps;
    expect(await steps.step(created.body.id)).toBe('iteration 0 select: continue');
    expect(await steps.step(created.body.id)).toBe('iteration 0 train: continue');
    expect(await steps.step(created.body.id)).toBe('iteration 0 evaluate: wait');
    const [{ jobs }] = await sql('select count(*)::int as jobs from training_jobs where project_id = $1', [
      reuse.id,
    ]);
    expect(jobs).toBe(1);
    const run = (await get(`${runsUrl(reuse.id)}/${created.body.id}`)).body;
    expect(run.iterations[0]).toMatchObject({
      step: 'evaluate',
      trainingJobId: jobId,
      modelVersionId: versionId,
      trainImages: 3,
      evaluationId: expect.any(Number),
    });
    // Cancelled while evaluating: the iteration is charged, training as the original job's seconds.
    await post(`${runsUrl(reuse.id)}/${created.body.id}/cancel`);
    const costs = (await get(`${runsUrl(reuse.id)}/${created.body.id}/costs`)).body;
    const row = costs.data.find((r: { kind: string }) => r.kind === 'training');
    expect(row).toMatchObject({ iteration: 0, seconds: 42.5 });
    // A job trained outside any run: no run to name.
    expect(row.detail).toEqual({ device: 'cpu', trainingJobId: jobId, reusedFromTrainingJobId: jobId });
  });

  it('fails the run when the labels changed between creating it and its train step', async () => {
    const created = await post(runsUrl(reuse.id), body());
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const steps = t.server.ctx.services.runSteps;
    await steps.step(created.body.id);
    // Someone labels a pool image meanwhile: the model was not trained on that set.
    await sql(
      `update images set pool_state = 'labeled' where id = (select id from images
         where project_id = $1 and split = 'train' and pool_state = 'unlabeled' order by id limit 1)`,
      [reuse.id],
    );
    expect(await steps.step(created.body.id)).toMatch(/^iteration 0 train: failed/);
    const run = (await get(`${runsUrl(reuse.id)}/${created.body.id}`)).body;
    expect(run).toMatchObject({ status: 'failed', stopReason: 'error' });
    expect(run.error.code).toBe('training_failed');
    expect(run.error.message).toContain('initialModel.modelVersionId');
    expect(run.iterations[0].modelVersionId).toBeNull();
  });
});
