/**
 * Two runs on one project from the same initial set, as an experiment comparing judges has them: the
 * second reuses the first's iteration-0 model (`initialModel`) instead of training it again, and is
 * still charged the full cost of its own path. Real trainer (tiny preset), real evaluations, on the CPU.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type TestServer } from '../../helpers/server.ts';
import { sqlOn } from '../../helpers/sql.ts';
import type { JobView, SeededProject } from '../../helpers/training.ts';
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
const trainingJobs = async () =>
  (await sql('select count(*)::int as n from training_jobs where project_id = $1', [project.id]))[0].n;

beforeAll(async () => {
  ({ t, project } = await startRunServer(true));
}, 900_000);
afterAll(() => t?.close());

describe('a second run reusing the first run’s iteration-0 model', TIMEOUT, () => {
  let first: RunView;
  let second: RunView;

  it('runs the first (oracle) run, then the second (accept-all) without training iteration 0', async () => {
    const a = await call(`${t.url}${url('/runs')}`, t.adminKey, 'POST', runBody({ iterations: 1 }));
    expect(a.status, JSON.stringify(a.body)).toBe(202);
    first = await waitForRun(t.admin, project.id, a.body.id, (r) => r.status === 'succeeded');
    expect(await trainingJobs()).toBe(2);

    const b = await call(
      `${t.url}${url('/runs')}`,
      t.adminKey,
      'POST',
      runBody({
        iterations: 1,
        judge: { kind: 'accept-all' },
        initialModel: { modelVersionId: first.iterations[0].modelVersionId },
      }),
    );
    expect(b.status, JSON.stringify(b.body)).toBe(202);
    second = await waitForRun(t.admin, project.id, b.body.id, (r) => r.status === 'succeeded');
    expect(second.iterations.map((i) => [i.iteration, i.status])).toEqual([
      [0, 'completed'],
      [1, 'completed'],
    ]);
    // Only iteration 1 trained: one job more, not two.
    expect(await trainingJobs()).toBe(3);
  });

  it('measures the reused model on the test split, as the first run did', async () => {
    const [a0] = first.iterations;
    const [b0, b1] = second.iterations;
    expect(b0).toMatchObject({
      trainingJobId: a0.trainingJobId,
      modelVersionId: a0.modelVersionId,
      trainImages: a0.trainImages,
      passId: null,
    });
    // Evaluated again (its own evaluation), with the same result: the same model on the same images.
    expect(b0.evaluationId).not.toBe(a0.evaluationId);
    expect(b0.metrics).not.toBeNull();
    expect(b0.metrics).toEqual(a0.metrics);
    // Iteration 1 warm-starts from the reused model.
    const job = await t.admin.json<JobView>('GET', url(`/training-jobs/${b1.trainingJobId}`));
    expect(job.warmStart).toEqual({ type: 'model-version', modelVersionId: a0.modelVersionId });
  });

  it('charges iteration 0 the original training, said so in the row; the ledger sums to its parts', async () => {
    const ledger = await expectLedgerIsSumOfParts(t.admin, project.id, second);
    const firstLedger = await expectLedgerIsSumOfParts(t.admin, project.id, first);
    const version = await t.admin.json<any>(
      'GET',
      url(`/model-versions/${first.iterations[0].modelVersionId}`),
    );
    const training = ledger.find((r) => r.iteration === 0 && r.kind === 'training')!;
    expect(training.seconds).toBe(version.trainingSeconds);
    expect(training.detail).toEqual({
      device: version.device,
      trainingJobId: first.iterations[0].trainingJobId,
      reusedFromTrainingJobId: first.iterations[0].trainingJobId,
      reusedFromRunId: first.id,
    });
    // Iteration 0 of both runs costs the same: the same annotation and the same training.
    const zero = (rows: typeof ledger) =>
      rows.filter((r) => r.iteration === 0).map((r) => [r.kind, r.seconds, r.usd]);
    expect(zero(ledger)).toEqual(zero(firstLedger));
    expect(second.iterations[0].cost).toEqual(first.iterations[0].cost);
    // Accept-all has nobody review; the cumulative cost is every part of this run's own path.
    const b1 = second.iterations[1];
    expect(b1.cumulativeCost!.trainingSeconds).toBeCloseTo(
      version.trainingSeconds + b1.cost!.trainingSeconds,
      9,
    );
    expect(second.cost.reviewSeconds).toBe(0);
  });
});
