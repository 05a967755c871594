/**
 * The run's state machine, step by step, without a worker: `run.step` is called directly and the
 * children's outcomes (a training job that succeeds or fails, an evaluation, a pass) are written into
 * their rows the way their workers would. Failures, refusals, cancels, concurrent steps, stop rules.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunSteps } from '../../../src/domains/runs/run-steps.ts';
import type { ProgressEvent } from '../../../src/domains/training/trainer-schemas.ts';
import type { TrainingService } from '../../../src/domains/training/training.service.ts';
import { applyEvent, type TrainingProgress } from '../../../src/domains/training/training-progress.ts';
import { jobKinds } from '../../../src/worker/jobs.ts';
import type { JobContext } from '../../../src/worker/worker.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import { sqlOn } from '../../helpers/sql.ts';
import { type SeededProject, seedSynthProject } from '../../helpers/training.ts';

let t: TestServer;
let project: SeededProject;
const sql = sqlOn(() => t);
const step = (id: number) => t.server.ctx.services.runSteps.step(id);
const runUrl = (id = 0) => `${t.url}/v1/projects/${project.id}/runs${id ? `/${id}` : ''}`;

beforeAll(async () => {
  // No worker: only the test takes steps.
  t = await startTestServer({ inProcessWorker: false });
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 15);
});
afterAll(() => t?.close());
afterEach(async () => {
  // One active run per project: end whatever a test left running.
  await sql(`update runs set status = 'cancelled' where status in ('queued', 'running', 'paused')`);
});

async function createRun(body: Record<string, unknown> = {}): Promise<number> {
  const res = await call(runUrl(), t.adminKey, 'POST', {
    initialLabels: { fraction: 0.34, seed: 3 },
    training: { preset: 'tiny', hyper: { maxIterations: 4 } },
    stop: { minApprovals: 0 },
    cost: { humanUsdPerHour: 36, computeUsdPerHour: { cpu: 3600, gpu: 0 } },
    ...body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id;
}

const getRun = async (id: number) => (await call(runUrl(id), t.adminKey, 'GET')).body;
const iteration = async (runId: number, k: number) =>
  (await sql('select * from run_iterations where run_id = $1 and iteration = $2', [runId, k]))[0];
const ledger = (runId: number) =>
  sql('select iteration, kind, quantity, seconds from run_costs where run_id = $1 order by iteration, kind', [
    runId,
  ]);

/** The training job's worker: ran for `seconds` and produced a model version (a row; no weights). */
async function trainingSucceeds(jobId: number, seconds = 12): Promise<number> {
  await sql(
    `update training_jobs set status = 'succeeded', started_at = now() - interval '20 seconds',
      finished_at = now() where id = $1`,
    [jobId],
  );
  const [version] = await sql(
    `insert into model_versions (project_id, training_job_id, preset, hyper, metrics, training_seconds, device,
       onnx_sha256, onnx_bytes, metadata)
     values ($1, $2, 'tiny', '{}', '{}', $3, 'cpu', 'none', 1, '{}') returning id`,
    [project.id, jobId, seconds],
  );
  return version.id;
}

const STATS = [0.4, 0.7, 0.35, -1, 0.3, 0.5, 0.2, 0.4, 0.45, -1, 0.4, 0.5];

async function evaluationCompletes(evaluationId: number): Promise<void> {
  const result = {
    stats: STATS,
    perCategory: [],
    bbox: { stats: [0.5, ...STATS.slice(1)], perCategory: [] },
  };
  await sql(`update evaluations set status = 'completed', result = $2, finished_at = now() where id = $1`, [
    evaluationId,
    JSON.stringify(result),
  ]);
}

/** Steps iteration 0 up to its close, with its training and evaluation faked. */
async function evaluateIterationZero(runId: number): Promise<void> {
  expect(await step(runId)).toBe('iteration 0 select: continue');
  expect(await step(runId)).toBe('iteration 0 train: wait');
  await trainingSucceeds((await iteration(runId, 0)).training_job_id);
  expect(await step(runId)).toBe('iteration 0 train: continue');
  expect(await step(runId)).toBe('iteration 0 evaluate: wait');
  await evaluationCompletes((await iteration(runId, 0)).evaluation_id);
  expect(await step(runId)).toBe('iteration 0 evaluate: continue');
}

/** Steps until the run is at iteration 1's pass, with iteration 0's children faked; returns its pass id. */
async function throughIterationZero(runId: number): Promise<number> {
  await evaluateIterationZero(runId);
  expect(await step(runId)).toBe('iteration 0 close: continue');
  expect(await step(runId)).toBe('iteration 1 pass: wait');
  return (await iteration(runId, 1)).pass_id;
}

/** The pass's judge: the first `approve` images approved, the rest rejected; the pass completed. */
async function passJudges(passId: number, approve: number): Promise<void> {
  await sql(
    `update pass_images set state = 'judged',
       verdict = case when id in (select id from pass_images where pass_id = $1 order by id limit $2)
         then 'approve'::verdict_value else 'reject'::verdict_value end
     where pass_id = $1`,
    [passId, approve],
  );
  await sql(`update passes set status = 'completed', finished_at = now() where id = $1`, [passId]);
}

describe('a child that fails', () => {
  it('ends the run failed, naming the training job, with what it spent charged', async () => {
    const id = await createRun();
    await step(id);
    await step(id);
    const jobId = (await iteration(id, 0)).training_job_id;
    await sql(
      `update training_jobs set status = 'failed', started_at = now() - interval '30 seconds', finished_at = now(),
         error = '{"code": "trainer_failed", "message": "CUDA out of memory"}' where id = $1`,
      [jobId],
    );
    expect(await step(id)).toBe('iteration 0 train: ended');
    const run = await getRun(id);
    expect(run).toMatchObject({ status: 'failed', stopReason: 'error' });
    expect(run.error.code).toBe('training_failed');
    expect(run.error.message).toBe(`iteration 0: training job ${jobId} failed: CUDA out of memory`);
    expect(run.iterations[0]).toMatchObject({ status: 'stopped', step: 'train' });
    const rows = await ledger(id);
    expect(rows.map((r) => r.kind)).toEqual(['annotation', 'training']);
    // A failed job costs its wall time.
    expect(rows[1].seconds).toBeGreaterThanOrEqual(29);
    expect(run.cost.computeUsd).toBeCloseTo(rows[1].seconds, 6);
    const events = await sql(
      `select payload from events where type = 'run.completed' and payload->>'runId' = $1`,
      [String(id)],
    );
    expect(events.map((e) => e.payload)).toEqual([
      { projectId: project.id, runId: id, iterations: 0, status: 'failed', stopReason: 'error' },
    ]);
    expect(await step(id)).toBe('idle');
  });

  it('ends the run failed, naming the pass, with its reviews charged', async () => {
    const id = await createRun({ iterations: 2 });
    const passId = await throughIterationZero(id);
    await passJudges(passId, 1);
    await sql(
      `update passes set status = 'failed', error = '{"code": "model", "message": "cannot load"}' where id = $1`,
      [passId],
    );
    expect(await step(id)).toBe('iteration 1 pass: ended');
    const run = await getRun(id);
    expect(run.error).toEqual({
      code: 'pass_failed',
      message: `iteration 1: pass ${passId} failed: cannot load`,
    });
    const judged = (await sql('select count(*)::int as n from pass_images where pass_id = $1', [passId]))[0]
      .n;
    expect((await ledger(id)).filter((r) => r.iteration === 1)).toEqual([
      { iteration: 1, kind: 'review', quantity: judged, seconds: 3 * judged },
    ]);
  });

  it('ends the run failed when its step cannot create the child, instead of retrying forever', async () => {
    const id = await createRun();
    await step(id);
    const jobs = (await sql('select count(*)::int as n from training_jobs'))[0].n;
    // Nothing labelled in val any more: the training job is refused, and would be on every retry.
    await sql(`update images set pool_state = 'unlabeled' where project_id = $1 and split = 'val'`, [
      project.id,
    ]);
    try {
      expect(await step(id)).toMatch(/^iteration 0 train: failed/);
    } finally {
      await sql(`update images set pool_state = 'labeled' where project_id = $1 and split = 'val'`, [
        project.id,
      ]);
    }
    const run = await getRun(id);
    expect(run).toMatchObject({ status: 'failed', stopReason: 'error' });
    expect(run.error.code).toBe('training_failed');
    expect(run.error.message).toContain('iteration 0: could not create the training job: labels:');
    expect((await ledger(id)).map((r) => r.kind)).toEqual(['annotation']);
    expect((await sql('select count(*)::int as n from training_jobs'))[0].n).toBe(jobs);
    expect(await step(id)).toBe('idle');
  });
});

describe('a simulated judge', () => {
  it("draws each iteration's mistakes afresh: the run's passes carry their iteration", async () => {
    const judge = { kind: 'simulated', falseApproveRate: 0.1, falseRejectRate: 0.1, seed: 4 };
    const id = await createRun({ iterations: 2, judge });
    const first = await throughIterationZero(id);
    await passJudges(first, 2);
    expect(await step(id)).toBe('iteration 1 pass: continue');
    expect(await step(id)).toBe('iteration 1 train: wait');
    await trainingSucceeds((await iteration(id, 1)).training_job_id);
    await step(id);
    await step(id);
    await evaluationCompletes((await iteration(id, 1)).evaluation_id);
    await step(id);
    expect(await step(id)).toBe('iteration 1 close: continue');
    expect(await step(id)).toBe('iteration 2 pass: wait');
    const second = (await iteration(id, 2)).pass_id;
    const stored = await sql('select id, judge from passes where id = any($1) order by id', [
      [first, second],
    ]);
    expect(stored.map((p) => p.judge)).toEqual([
      { ...judge, iteration: 1 },
      { ...judge, iteration: 2 },
    ]);
  });
});

describe('a training job killed and resumed', () => {
  it('charges the time the killed attempt ran after its last checkpoint, which the trainer does not count', async () => {
    const id = await createRun();
    await step(id);
    await step(id);
    const jobId = (await iteration(id, 0)).training_job_id;
    // The worker's fold of the trainer's events: attempt 1 checkpoints at iteration 10 after 6 s and
    // is killed at 16 s (iteration 20); attempt 2 resumes at 10 and finishes.
    const t0 = Date.now() - 120_000;
    const time = (s: number) => new Date(t0 + s * 1000).toISOString();
    const events = [
      [1, { type: 'start', time: time(0), device: 'cpu', startIteration: 0, totalIterations: 30 }],
      [1, { type: 'iteration', time: time(5), iteration: 10, totalIterations: 30 }],
      [1, { type: 'checkpoint', time: time(6), iteration: 10, reason: 'periodic', path: 'last.pt' }],
      [1, { type: 'iteration', time: time(16), iteration: 20, totalIterations: 30 }],
      [2, { type: 'start', time: time(60), device: 'cpu', startIteration: 10, totalIterations: 30 }],
      [2, { type: 'checkpoint', time: time(79), iteration: 30, reason: 'final', path: 'last.pt' }],
      [2, { type: 'done', time: time(80), iterations: 30, trainingSeconds: 20, device: 'cpu' }],
    ] as const;
    let progress: TrainingProgress = {};
    for (const [attempt, event] of events)
      progress = applyEvent(progress, event as unknown as ProgressEvent, { attempt, workerId: 'w' }).progress;
    await sql('update training_jobs set progress = $2, attempt = 2 where id = $1', [
      jobId,
      JSON.stringify(progress),
    ]);
    // The trainer's own measure: 20 s, the 10 s after the checkpoint redone by attempt 2 not among them.
    await trainingSucceeds(jobId, 20);
    await step(id);
    await step(id);
    await evaluationCompletes((await iteration(id, 0)).evaluation_id);
    await step(id);
    await step(id);
    const [row] = await sql(
      `select seconds, usd, detail from run_costs where run_id = $1 and kind = 'training'`,
      [id],
    );
    expect(row.seconds).toBeCloseTo(30, 6);
    expect(row.detail).toMatchObject({
      trainerSeconds: 20,
      lostSeconds: 10,
      attempts: 2,
      trainingJobId: Number(jobId),
    });
    // computeUsdPerHour.cpu is 3600: a dollar a second.
    expect(row.usd).toBeCloseTo(30, 6);
  });
});

describe('a step that throws', () => {
  const runCompleted = (id: number) =>
    sql(`select payload from events where type = 'run.completed' and payload->>'runId' = $1`, [String(id)]);

  /** The run's steps with a training service whose `create` throws `failure` while `failing` says so. */
  function stepsFailingToTrain(failure: Error, failing: () => boolean): RunSteps {
    const ctx = t.server.ctx;
    const real = ctx.services.training;
    const training = Object.create(real, {
      create: {
        value: (...args: Parameters<TrainingService['create']>) => {
          if (failing()) throw failure;
          return real.create(...args);
        },
      },
    }) as TrainingService;
    return new RunSteps(
      ctx.database.db,
      ctx.database.pool,
      ctx.queue,
      ctx.events,
      training,
      ctx.services.passes,
      ctx.services.evaluations,
    );
  }

  it("fails the run with the error when the run's own state makes the step throw, instead of retrying it forever", async () => {
    const id = await createRun({ iterations: 2 });
    await evaluateIterationZero(id);
    // A state no step can move on from: a config without its stop rules.
    await sql(`update runs set config = config - 'stop' where id = $1`, [id]);
    expect(await step(id)).toMatch(/^iteration 0 close: failed \(TypeError: /);
    const run = await getRun(id);
    expect(run).toMatchObject({ status: 'failed', stopReason: 'error' });
    expect(run.error.code).toBe('close_failed');
    expect(run.error.message).toMatch(/^iteration 0: could not close the iteration: TypeError: .*plateau/);
    expect(run.iterations[0]).toMatchObject({ status: 'stopped' });
    expect((await runCompleted(id)).map((e) => e.payload)).toEqual([
      { projectId: project.id, runId: id, iterations: 0, status: 'failed', stopReason: 'error' },
    ]);
    expect(await step(id)).toBe('idle');
  });

  it('leaves the run to the queue on a lost connection, and moves on once it is back', async () => {
    const id = await createRun();
    await step(id);
    let down = true;
    const steps = stepsFailingToTrain(
      Object.assign(new Error('Connection terminated unexpectedly'), {}),
      () => down,
    );
    await expect(steps.step(id)).rejects.toThrow('Connection terminated');
    // Even on the message's last try: maintenance sends the run another for as long as the outage lasts.
    await expect(steps.step(id, { lastTry: true })).rejects.toThrow('Connection terminated');
    expect(await getRun(id)).toMatchObject({ status: 'running', error: null });
    expect((await iteration(id, 0)).training_job_id).toBeNull();
    down = false;
    expect(await steps.step(id)).toBe('iteration 0 train: wait');
    expect((await iteration(id, 0)).training_job_id).not.toBeNull();
  });

  it('retries an error of no known kind until the queue gives up on the message, then fails the run', async () => {
    const id = await createRun();
    await step(id);
    const steps = stepsFailingToTrain(new Error('something odd'), () => true);
    await expect(steps.step(id)).rejects.toThrow('something odd');
    expect(await getRun(id)).toMatchObject({ status: 'running' });
    // The worker's handler tells the step when pg-boss will not retry this message again.
    const handlers = jobKinds({
      ...t.server.ctx,
      services: { ...t.server.ctx.services, runSteps: steps },
    });
    const lines: string[] = [];
    const job = (retryCount: number) =>
      ({
        job: { retryCount, retryLimit: 5 },
        log: (line: string) => lines.push(line),
      }) as unknown as JobContext<'run.step'>;
    await expect(handlers['run.step'].handle({ runId: id }, job(4))).rejects.toThrow('something odd');
    await handlers['run.step'].handle({ runId: id }, job(5));
    const run = await getRun(id);
    expect(run).toMatchObject({ status: 'failed', stopReason: 'error' });
    expect(run.error).toEqual({
      code: 'training_failed',
      message: 'iteration 0: could not create the training job: Error: something odd',
    });
    expect(lines).toEqual([`run ${id}: iteration 0 train: failed (Error: something odd)`]);
    expect((await runCompleted(id)).map((e) => e.payload.status)).toEqual(['failed']);
  });
});

describe('steps that race', () => {
  it('creates one training job when two steps of a run run at once', async () => {
    const id = await createRun();
    await step(id);
    const before = (await sql('select count(*)::int as n from training_jobs'))[0].n;
    const outcomes = await Promise.all([step(id), step(id), step(id)]);
    expect(outcomes).toEqual([
      'iteration 0 train: wait',
      'iteration 0 train: wait',
      'iteration 0 train: wait',
    ]);
    expect((await sql('select count(*)::int as n from training_jobs'))[0].n).toBe(before + 1);
    // One delayed step is pending for the waiting run, not one per step.
    const delayed = await sql(
      `select count(*)::int as n from pgboss.job where name = 'run.step' and data->>'runId' = $1
         and state = 'created' and start_after > now()`,
      [String(id)],
    );
    expect(delayed[0].n).toBe(1);
  });
});

describe('a worker that dies mid-evaluation', () => {
  it("re-sends the evaluation's message, once, instead of waiting for pg-boss to expire it", async () => {
    const id = await createRun();
    await step(id);
    await step(id);
    await trainingSucceeds((await iteration(id, 0)).training_job_id);
    await step(id);
    expect(await step(id)).toBe('iteration 0 evaluate: wait');
    const evaluationId = (await iteration(id, 0)).evaluation_id;
    const messages = () =>
      sql(
        `select state from pgboss.job where name = 'evaluation.run' and data->>'evaluationId' = $1 order by created_on`,
        [String(evaluationId)],
      );
    const maintain = () => t.server.ctx.services.runSteps.maintain(30_000);
    await sql(`update evaluations set created_at = now() - interval '1 hour' where id = $1`, [evaluationId]);
    await maintain();
    expect((await messages()).map((m) => m.state)).toEqual(['created']);
    // Taken by a worker that then died: active, on no live worker, for longer than the stale time.
    await sql(
      `update pgboss.job set state = 'active', started_on = now() - interval '5 minutes'
        where name = 'evaluation.run' and data->>'evaluationId' = $1`,
      [String(evaluationId)],
    );
    await maintain();
    expect((await messages()).map((m) => m.state)).toEqual(['active', 'created']);
    await maintain();
    expect(await messages()).toHaveLength(2);
  });

  it('leaves the message of an evaluation a live worker holds, however long it has run', async () => {
    const id = await createRun();
    await step(id);
    await step(id);
    await trainingSucceeds((await iteration(id, 0)).training_job_id);
    await step(id);
    expect(await step(id)).toBe('iteration 0 evaluate: wait');
    const evaluationId = (await iteration(id, 0)).evaluation_id;
    const messages = () =>
      sql(
        `select id::text as id, state from pgboss.job where name = 'evaluation.run' and data->>'evaluationId' = $1`,
        [String(evaluationId)],
      );
    await sql(`update evaluations set created_at = now() - interval '1 hour' where id = $1`, [evaluationId]);
    await sql(
      `update pgboss.job set state = 'active', started_on = now() - interval '5 minutes'
        where name = 'evaluation.run' and data->>'evaluationId' = $1`,
      [String(evaluationId)],
    );
    const [held] = await messages();
    await sql(
      `insert into workers (id, hostname, pid, devices, slots, queues, current_jobs)
        values ($1, 'test', 1, '{cpu}', 1, '{evaluation.run}', $2::jsonb)`,
      [`live-${evaluationId}`, JSON.stringify([{ queue: 'evaluation.run', queueJobId: held.id }])],
    );
    try {
      await t.server.ctx.services.runSteps.maintain(30_000);
      expect(await messages()).toEqual([{ id: held.id, state: 'active' }]);
    } finally {
      await sql('delete from workers where id = $1', [`live-${evaluationId}`]);
    }
  });
});

describe('cancel', () => {
  it('cancels the training job in the same transaction and charges its wall time until then', async () => {
    const id = await createRun();
    await step(id);
    await step(id);
    const jobId = (await iteration(id, 0)).training_job_id;
    await sql(
      `update training_jobs set status = 'running', started_at = now() - interval '40 seconds' where id = $1`,
      [jobId],
    );
    const cancelled = (await call(`${runUrl(id)}/cancel`, t.adminKey, 'POST')).body;
    expect(cancelled).toMatchObject({ status: 'cancelled', stopReason: 'cancelled' });
    const [job] = await sql('select status, finished_at from training_jobs where id = $1', [jobId]);
    expect(job.status).toBe('cancelled');
    expect(job.finished_at).not.toBeNull();
    const training = (await ledger(id)).find((r) => r.kind === 'training');
    expect(training.seconds).toBeGreaterThanOrEqual(39);
    expect(training.seconds).toBeLessThan(120);
    expect(await step(id)).toBe('idle');
  });

  it('cancels the running pass with the run: nothing of it is accepted afterwards', async () => {
    const id = await createRun({ iterations: 2 });
    const passId = await throughIterationZero(id);
    // Iteration 0's evaluation measured box AP from the same detections.
    const zero = (await getRun(id)).iterations[0];
    expect(zero.metrics).toMatchObject({ segmAP: 0.4, bboxAP: 0.5, bboxAP50: 0.7 });
    await call(`${runUrl(id)}/cancel`, t.adminKey, 'POST');
    expect((await sql('select status from passes where id = $1', [passId]))[0].status).toBe('cancelled');
    // A judge that finishes later is fenced off: its verdict write finds the pass ended.
    const [image] = await sql(`select id, attempt from pass_images where pass_id = $1 limit 1`, [passId]);
    await sql(`update pass_images set state = 'judging' where id = $1`, [image.id]);
    const { updateHeld } = await import('../../../src/domains/passes/pass.repository.ts');
    const written = await updateHeld(
      t.server.ctx.database.db,
      { id: image.id, attempt: image.attempt, passId },
      'judging',
      { state: 'judged', verdict: 'approve' },
    );
    expect(written).toBeUndefined();
  });
});

describe('stop conditions', () => {
  it('stops at a pass with fewer approvals than minApprovals, charging its reviews, approved or not', async () => {
    const id = await createRun({ iterations: 3, stop: { minApprovals: 2 } });
    const passId = await throughIterationZero(id);
    await passJudges(passId, 1);
    expect(await step(id)).toBe('iteration 1 pass: continue');
    expect(await step(id)).toBe('iteration 1 close: ended');
    const run = await getRun(id);
    expect(run).toMatchObject({ status: 'succeeded', stopReason: 'min_approvals' });
    const [zero, one] = run.iterations;
    // Nothing trained: the iteration closes with the model it judged with, and that model's AP.
    expect(one).toMatchObject({
      status: 'completed',
      step: 'done',
      approved: 1,
      trainingJobId: null,
      modelVersionId: zero.modelVersionId,
      evaluationId: zero.evaluationId,
      trainImages: zero.trainImages,
      metrics: zero.metrics,
    });
    const judged = one.approved + one.rejected;
    expect(judged).toBeGreaterThan(1);
    expect(one.cost.reviewSeconds).toBe(3 * judged);
    expect(one.cost.trainingSeconds).toBe(0);
    expect(one.cumulativeCost.humanHours).toBeCloseTo((3 * 80 + 3 * judged) / 3600, 12);
  });

  it('publishes the min_approvals iteration as it stores it, and counts it in run.completed and the curve', async () => {
    const id = await createRun({ iterations: 3, stop: { minApprovals: 2 } });
    await passJudges(await throughIterationZero(id), 1);
    await step(id);
    await step(id);
    const run = await getRun(id);
    const events = (type: string) =>
      sql(`select payload from events where type = $1 and payload->>'runId' = $2 order by id`, [
        type,
        String(id),
      ]);
    const numeric = (metrics: Record<string, unknown> | null) => {
      const { perCategory, ...rest } = metrics ?? {};
      return rest;
    };
    expect((await events('run.iteration.completed')).map((e) => e.payload)).toEqual(
      run.iterations.map((it: Record<string, unknown>) => ({
        projectId: project.id,
        runId: id,
        iteration: it.iteration,
        modelVersionId: it.modelVersionId,
        passId: it.passId,
        labeledImages: it.trainImages,
        metrics: numeric(it.metrics as Record<string, unknown> | null),
      })),
    );
    expect((await events('run.completed')).map((e) => e.payload)).toEqual([
      { projectId: project.id, runId: id, iterations: 2, status: 'succeeded', stopReason: 'min_approvals' },
    ]);
    // The curve ends where the run did: the last point carries every hour the run spent.
    const [curve] = await t.server.ctx.services.runs.learningCurves(project.id, [id]);
    expect(curve.points.map((p) => p.iteration)).toEqual([0, 1]);
    expect(curve.points[1].ap).toBe(curve.points[0].ap);
    expect(curve.points[1].hours).toBeCloseTo(run.cost.humanHours, 12);
    expect(curve.points[1].hours).toBeGreaterThan(curve.points[0].hours);
  });

  it('stops for the budget once cumulative human hours reach it, before the next pass', async () => {
    // 3 images labelled at 80 s: 240 s = 0.0667 h, over a 0.05 h budget.
    const id = await createRun({ iterations: 3, stop: { minApprovals: 0, budgetHours: 0.05 } });
    await evaluateIterationZero(id);
    expect(await step(id)).toBe('iteration 0 close: ended');
    expect(await getRun(id)).toMatchObject({ status: 'succeeded', stopReason: 'budget', iteration: 0 });
  });

  it('takes iterations before the budget when both hold', async () => {
    const id = await createRun({ iterations: 0, stop: { minApprovals: 0, budgetHours: 0.01 } });
    await evaluateIterationZero(id);
    await step(id);
    expect(await getRun(id)).toMatchObject({ status: 'succeeded', stopReason: 'iterations' });
  });
});
