/**
 * The acceptance test: a run whose worker is a separate process (`vlm-loop worker`), SIGKILLed in
 * the middle of iteration 1 (once as its pass starts, once mid-training), restarted each time; the run
 * completes with every pool image judged exactly once, one child of each kind per iteration, and the
 * cost ledger equal to the sum of its parts.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../helpers/server.ts';
import { sqlOn } from '../../helpers/sql.ts';
import { type SeededProject, waitForJob } from '../../helpers/training.ts';
import { exited, spawnWorker } from '../../helpers/worker-process.ts';
import {
  expectLedgerIsSumOfParts,
  type RunView,
  runBody,
  startRunServer,
  waitForRun,
} from './run-helpers.ts';

let t: TestServer;
let project: SeededProject;
const children: ChildProcess[] = [];
const url = (p: string) => `/v1/projects/${project.id}${p}`;
const sql = sqlOn(() => t);

beforeAll(async () => {
  ({ t, project } = await startRunServer(false));
}, 900_000);

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await t?.close();
});

describe('a run whose worker is killed mid-iteration', { timeout: 900_000 }, () => {
  it('continues on a restarted worker without losing or repeating work', async () => {
    let worker = await spawnWorker(t, children);
    const created = await t.admin.json<RunView>(
      'POST',
      url('/runs'),
      runBody({
        iterations: 1,
        training: { preset: 'tiny', hyper: { maxIterations: 16, batchSize: 2, evalEvery: 1000 }, seed: 1 },
      }),
    );
    const kill = async () => {
      worker.child.kill('SIGKILL');
      await exited(worker.child);
      const run = await t.admin.json<RunView>('GET', url(`/runs/${created.id}`));
      expect(run.status).toBe('running');
      worker = await spawnWorker(t, children);
    };

    // Killed as iteration 1's pass starts predicting and judging.
    await waitForRun(t.admin, project.id, created.id, (r) => !!r.iterations[1]?.passId);
    await kill();

    // Killed again while iteration 1's model trains (past a checkpoint).
    const training = await waitForRun(
      t.admin,
      project.id,
      created.id,
      (r) => !!r.iterations[1]?.trainingJobId,
    );
    const jobId = training.iterations[1].trainingJobId!;
    await waitForJob(t.admin, project.id, jobId, (j) => (j.progress.lastCheckpoint?.iteration ?? 0) >= 2);
    await kill();

    const run = await waitForRun(t.admin, project.id, created.id, (r) => r.status === 'succeeded');
    expect(run.stopReason).toBe('iterations');
    expect(run.iterations.map((i) => i.status)).toEqual(['completed', 'completed']);

    // Every pool image judged exactly once, in the one pass of iteration 1.
    const passId = run.iterations[1].passId!;
    const rows = await sql(`select image_id, state, verdict from pass_images where pass_id = $1`, [passId]);
    expect(rows).toHaveLength(9 - run.iterations[0].trainImages!);
    expect(new Set(rows.map((r) => r.image_id)).size).toBe(rows.length);
    for (const r of rows) expect(['judged', 'errored']).toContain(r.state);
    const announced = (
      await sql(`select payload from events where type = 'verdicts.ready' and payload->>'passId' = $1`, [
        String(passId),
      ])
    ).flatMap((e) => e.payload.imageIds as number[]);
    expect(new Set(announced).size).toBe(announced.length);

    // One child of each kind per iteration; the killed training resumed rather than started over.
    const counts = await sql(
      `select (select count(*)::int from training_jobs where project_id = $1) as jobs,
        (select count(*)::int from model_versions where project_id = $1) as versions,
        (select count(*)::int from evaluations where project_id = $1) as evaluations,
        (select count(*)::int from passes where project_id = $1) as passes`,
      [project.id],
    );
    expect(counts[0]).toEqual({ jobs: 2, versions: 2, evaluations: 2, passes: 1 });
    const resumed = await t.admin.json<any>('GET', url(`/training-jobs/${jobId}`));
    expect(resumed.status).toBe('succeeded');
    expect(resumed.attempt).toBeGreaterThanOrEqual(2);
    expect(run.iterations[1].modelVersionId).toBe(resumed.modelVersionId);

    const ledger = await expectLedgerIsSumOfParts(t.admin, project.id, run);
    expect(ledger.map((r) => `${r.iteration}:${r.kind}`)).toEqual([
      '0:annotation',
      '0:training',
      '1:review',
      '1:training',
    ]);
    // The killed attempt's time after the checkpoint the next one resumed from is charged besides the
    // trainer's own count (which resumed with that checkpoint); the attempts as the workers recorded them.
    const [job] = await sql(
      `select j.progress, v.training_seconds from training_jobs j join model_versions v on v.training_job_id = j.id
        where j.id = $1`,
      [jobId],
    );
    const attempts = job.progress.runs as {
      startIteration: number;
      lastEventAt: string;
      checkpoint?: { iteration: number; time: string };
    }[];
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    const [killed, next] = attempts.slice(-2);
    // Resumed from the checkpoint the killed attempt recorded (or a later one, saved as the kill came,
    // before its event was written: charged from the one recorded, a little more than was lost).
    expect(next.startIteration).toBeGreaterThanOrEqual(killed.checkpoint!.iteration);
    const lost = (Date.parse(killed.lastEventAt) - Date.parse(killed.checkpoint!.time)) / 1000;
    expect(lost).toBeGreaterThanOrEqual(0);
    const trainingRow = ledger.find((r) => r.iteration === 1 && r.kind === 'training')!;
    expect(trainingRow.detail).toMatchObject({
      attempts: attempts.length,
      trainerSeconds: job.training_seconds,
    });
    expect(trainingRow.detail.lostSeconds).toBeGreaterThanOrEqual(lost - 1e-9);
    expect(trainingRow.seconds).toBeCloseTo(job.training_seconds + trainingRow.detail.lostSeconds, 9);
    const review = ledger.find((r) => r.kind === 'review')!;
    expect(review.quantity).toBe(run.iterations[1].approved! + run.iterations[1].rejected!);
    const events = await sql(`select type from events where type like 'run.%' order by id`);
    expect(events.map((e) => e.type)).toEqual([
      'run.iteration.completed',
      'run.iteration.completed',
      'run.completed',
    ]);

    worker.child.kill('SIGTERM');
    await exited(worker.child);
  });
});
