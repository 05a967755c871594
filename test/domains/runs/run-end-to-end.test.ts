/**
 * A real tiny run end to end through the API, on the CPU: the in-process worker takes every `run.step`,
 * the real trainer (tiny preset), the COCO evaluation through onnxruntime-node, and oracle-judged passes.
 * The run is paused while a training runs and resumed; another run is cancelled mid-training.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeIterationCosts } from '../../../src/domains/runs/run-ledger.ts';
import type { PassView } from '../../helpers/passes.ts';
import { call, type TestServer } from '../../helpers/server.ts';
import { sqlOn } from '../../helpers/sql.ts';
import { type JobView, type SeededProject, waitUntil } from '../../helpers/training.ts';
import {
  expectLedgerIsSumOfParts,
  type RunView,
  runBody,
  startRunServer,
  waitForRun,
} from './run-helpers.ts';

const TIMEOUT = { timeout: 900_000 };

let t: TestServer;
let project: SeededProject;
const url = (p: string) => `/v1/projects/${project.id}${p}`;
const sql = sqlOn(() => t);

beforeAll(async () => {
  ({ t, project } = await startRunServer(true));
}, 900_000);
afterAll(() => t?.close());

describe('a tiny oracle-judged run, end to end', TIMEOUT, () => {
  let run: RunView;

  it('runs iterations 0..2, held by a pause while iteration 1 trains, and succeeds', async () => {
    // Per-instance acceptance, so the trainer also meets crowd (ignore) regions wherever a pass part-accepts.
    const created = await call(
      `${t.url}${url('/runs')}`,
      t.adminKey,
      'POST',
      runBody({ iterations: 2, acceptance: 'instance' }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const id = created.body.id as number;

    // Paused while iteration 1 trains: the training finishes, the run takes no further step.
    const training = await waitForRun(t.admin, project.id, id, (r) => !!r.iterations[1]?.trainingJobId);
    expect((await t.admin.json<RunView>('POST', url(`/runs/${id}/pause`))).status).toBe('paused');
    const jobId = training.iterations[1].trainingJobId!;
    await waitUntil(
      async () => (await t.admin.json<JobView>('GET', url(`/training-jobs/${jobId}`))).status === 'succeeded',
      300_000,
    );
    await new Promise((r) => setTimeout(r, 3000));
    const held = await t.admin.json<RunView>('GET', url(`/runs/${id}`));
    expect(held.status).toBe('paused');
    expect(held.iterations).toHaveLength(2);
    expect(held.iterations[1]).toMatchObject({ step: 'train', evaluationId: null, modelVersionId: null });
    expect((await t.admin.json<RunView>('POST', url(`/runs/${id}/resume`))).status).toBe('running');

    run = await waitForRun(t.admin, project.id, id, (r) => r.status === 'succeeded');
    expect(run.stopReason).toBe('iterations');
    expect(run.iterations.map((i) => [i.iteration, i.status, i.step])).toEqual([
      [0, 'completed', 'done'],
      [1, 'completed', 'done'],
      [2, 'completed', 'done'],
    ]);
  });

  it('labels the seeded fraction and trains each iteration on everything labelled so far', async () => {
    const [first, ...rest] = run.iterations;
    // 9 train images, fraction 0.34: 3 labelled, 6 in the pool.
    expect(first.trainImages).toBe(3);
    expect(first.passId).toBeNull();
    let previous = first;
    for (const it of rest) {
      const pass = await t.admin.json<PassView>('GET', url(`/passes/${it.passId}`));
      expect(pass.status).toBe('completed');
      expect(pass.modelVersionId).toBe(previous.modelVersionId);
      expect(pass.counts.images).toBe(9 - previous.trainImages!);
      expect(pass.counts.approved + pass.counts.rejected + pass.counts.errored).toBe(pass.counts.images);
      // Approved images are accepted whole; rejected ones may be accepted in part.
      expect(pass.acceptance).toBe('instance');
      expect(pass.counts.accepted).toBeGreaterThanOrEqual(pass.counts.approved);
      expect(it).toMatchObject({
        approved: pass.counts.approved,
        accepted: pass.counts.accepted,
        rejected: pass.counts.rejected,
        abstained: pass.counts.abstained,
        errors: pass.counts.errored,
      });
      expect(it.agreement).toEqual(pass.agreement);
      // The training set grows by exactly the approvals of the pass before it.
      expect(it.trainImages).toBe(previous.trainImages! + pass.counts.accepted);
      previous = it;
    }
    const labelled = await sql(
      `select count(*)::int as n from images where project_id = $1 and split = 'train' and pool_state = 'labeled'`,
      [project.id],
    );
    expect(labelled[0].n).toBe(previous.trainImages);
  });

  it('gives each iteration its own training job, model version and test-split evaluation', async () => {
    const versions = new Set<number>();
    for (const it of run.iterations) {
      const job = await t.admin.json<JobView>('GET', url(`/training-jobs/${it.trainingJobId}`));
      expect(job.status).toBe('succeeded');
      expect(job.modelVersionId).toBe(it.modelVersionId);
      expect(job.labelSnapshot.trainImages).toBe(it.trainImages);
      const previous = run.iterations[it.iteration - 1];
      expect(job.warmStart).toEqual(
        previous
          ? { type: 'model-version', modelVersionId: previous.modelVersionId }
          : { type: 'scratch', modelVersionId: null },
      );
      const evaluation = await t.admin.json<any>('GET', url(`/evaluations/${it.evaluationId}`));
      expect(evaluation).toMatchObject({
        status: 'completed',
        split: 'test',
        modelVersionId: it.modelVersionId,
      });
      const stats = evaluation.result.stats as number[];
      expect(it.metrics!.segmAP).toBe(stats[0] >= 0 ? stats[0] : null);
      expect(it.metrics!.segmAP50).toBe(stats[1] >= 0 ? stats[1] : null);
      // Box AP of the same detections, measured by the same evaluation.
      const box = evaluation.result.bbox.stats as number[];
      expect(box).toHaveLength(12);
      expect(it.metrics!.bboxAP).toBe(box[0] >= 0 ? box[0] : null);
      expect((it.metrics!.perCategory as unknown[]).length).toBe(evaluation.result.perCategory.length);
      versions.add(it.modelVersionId!);
    }
    expect(versions.size).toBe(3);
    const counts = await sql(
      `select (select count(*)::int from training_jobs where project_id = $1) as jobs,
        (select count(*)::int from evaluations where project_id = $1) as evaluations,
        (select count(*)::int from passes where project_id = $1) as passes`,
      [project.id],
    );
    expect(counts[0]).toEqual({ jobs: 3, evaluations: 3, passes: 2 });
  });

  it('charges annotation, review and training once each, the ledger equal to the sum of its parts', async () => {
    const ledger = await expectLedgerIsSumOfParts(t.admin, project.id, run);
    expect(ledger.map((r) => `${r.iteration}:${r.kind}`)).toEqual([
      '0:annotation',
      '0:training',
      '1:review',
      '1:training',
      '2:review',
      '2:training',
    ]);
    const annotation = ledger.find((r) => r.kind === 'annotation')!;
    expect(annotation).toMatchObject({ quantity: 3, seconds: 3 * 80, unit: 'images' });
    for (const it of run.iterations.slice(1)) {
      const review = ledger.find((r) => r.iteration === it.iteration && r.kind === 'review')!;
      // Every judged image costs a review, approved or not; each mask marked wrong on an image accepted
      // in part (a crowd label of that pass) costs 2 s more.
      const [{ marked }] = await sql(
        `select count(*)::int as marked from labels where iscrowd and (provenance->>'passId')::int = $1`,
        [it.passId],
      );
      expect(review.seconds).toBe(3 * (it.approved! + it.rejected!) + 2 * marked);
      expect(review.detail.flaggedInstances ?? 0).toBe(marked);
    }
    for (const it of run.iterations) {
      const version = await t.admin.json<any>('GET', url(`/model-versions/${it.modelVersionId}`));
      const training = ledger.find((r) => r.iteration === it.iteration && r.kind === 'training')!;
      expect(training.seconds).toBe(version.trainingSeconds);
      expect(training.detail.device).toBe(version.device);
      expect(it.cost!.trainingSeconds).toBe(version.trainingSeconds);
    }
  });

  it('writes nothing twice when a close step or a step is repeated', async () => {
    const before = await sql('select * from run_costs where run_id = $1 order by id', [run.id]);
    const [row] = await sql('select * from runs where id = $1', [run.id]);
    const iterations = await t.server.ctx.database.db.query.runIterations.findMany();
    const runRow = (await t.server.ctx.database.db.query.runs.findFirst({
      where: (r, { eq }) => eq(r.id, run.id),
    }))!;
    for (const it of iterations.filter((i) => i.runId === run.id))
      await writeIterationCosts(t.server.ctx.database.db, runRow, runRow.config as any, it);
    expect(await t.server.ctx.services.runSteps.step(run.id)).toBe('idle');
    expect(await sql('select * from run_costs where run_id = $1 order by id', [run.id])).toEqual(before);
    expect(row.status).toBe('succeeded');
  });

  it('announces every closed iteration and the end of the run', async () => {
    const events = await sql(`select type, payload from events where type like 'run.%' order by id`);
    expect(events.map((e) => [e.type, e.payload.iteration ?? e.payload.stopReason])).toEqual([
      ['run.iteration.completed', 0],
      ['run.iteration.completed', 1],
      ['run.iteration.completed', 2],
      ['run.completed', 'iterations'],
    ]);
    expect(events[3].payload).toEqual({
      projectId: project.id,
      runId: run.id,
      iterations: 3,
      status: 'succeeded',
      stopReason: 'iterations',
    });
    expect(events[1].payload).toMatchObject({
      modelVersionId: run.iterations[1].modelVersionId,
      passId: run.iterations[1].passId,
      labeledImages: run.iterations[1].trainImages,
    });
  });

  it('draws the learning curve as SVG and PNG, one point per iteration', async () => {
    const svg = await call(`${t.url}${url(`/runs/${run.id}/learning-curve.svg`)}`, t.adminKey, 'GET');
    expect(svg.status).toBe(200);
    expect(svg.body).toContain('<svg');
    const curves = await t.server.ctx.services.runs.learningCurves(project.id, [run.id]);
    const measured = run.iterations.filter((i) => i.metrics?.segmAP !== null);
    expect(curves[0].points.map((p) => p.iteration)).toEqual(measured.map((i) => i.iteration));
    expect(curves[0].points.map((p) => p.hours)).toEqual(measured.map((i) => i.cumulativeCost!.humanHours));
    const png = await t.admin.request('GET', url(`/learning-curve.png?runIds=${run.id}`));
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });
});

describe('cancel with real children', TIMEOUT, () => {
  it('cancelling a run mid-training cancels the job, charges what was spent and frees the project', async () => {
    const created = await t.admin.json<RunView>(
      'POST',
      url('/runs'),
      runBody({ iterations: 1, training: { preset: 'tiny', hyper: { maxIterations: 400, batchSize: 2 } } }),
    );
    const waiting = await waitForRun(
      t.admin,
      project.id,
      created.id,
      (r) => !!r.iterations[0]?.trainingJobId,
    );
    const jobId = waiting.iterations[0].trainingJobId!;
    await waitUntil(
      async () => (await t.admin.json<JobView>('GET', url(`/training-jobs/${jobId}`))).status === 'running',
      120_000,
    );
    const cancelled = await t.admin.json<RunView>('POST', url(`/runs/${created.id}/cancel`));
    expect(cancelled).toMatchObject({ status: 'cancelled', stopReason: 'cancelled' });
    expect(cancelled.iterations[0].status).toBe('stopped');
    expect((await t.admin.json<JobView>('GET', url(`/training-jobs/${jobId}`))).status).toBe('cancelled');
    const ledger = await expectLedgerIsSumOfParts(t.admin, project.id, cancelled);
    expect(ledger.map((r) => r.kind)).toContain('annotation');
    const [event] = await sql(
      `select payload from events where type = 'run.completed' and payload->>'runId' = $1`,
      [String(created.id)],
    );
    expect(event.payload).toMatchObject({ status: 'cancelled', stopReason: 'cancelled', iterations: 0 });
    await new Promise((r) => setTimeout(r, 2500));
    const after = await t.admin.json<RunView>('GET', url(`/runs/${created.id}`));
    expect(after.iterations).toHaveLength(1);
    expect(after.iterations[0].evaluationId).toBeNull();
  });
});
