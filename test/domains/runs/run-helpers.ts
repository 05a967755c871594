import path from 'node:path';
import { expect } from 'vitest';
import type { ApiClient } from '../../../src/client/api-client.ts';
import type { Run, RunCost, RunIteration } from '../../../src/domains/runs/run.service.ts';
import type { CostSummary } from '../../../src/domains/runs/run-costs.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import {
  ensureTrainerEnv,
  type SeededProject,
  seedSynthProject,
  trainingConfig,
} from '../../helpers/training.ts';

// The API's JSON of runs: the service's own types, less the dates (strings over JSON, read by no test).
export type CostView = CostSummary;

export type IterationView = Omit<RunIteration, 'metrics' | 'createdAt' | 'finishedAt'> & {
  metrics: { segmAP: number | null; segmAP50: number | null; [key: string]: unknown } | null;
};

export type RunView = Pick<Run, 'id' | 'status' | 'stopReason' | 'iteration' | 'error' | 'cost'> & {
  iterations: IterationView[];
};

export type LedgerRow = Omit<RunCost, 'detail' | 'createdAt'> & { detail: Record<string, any> };

/** A server with the quick training settings (TRAINING_ENV), once trainer/.venv is ready. */
export async function startTrainingServer(inProcessWorker: boolean): Promise<TestServer> {
  await ensureTrainerEnv();
  return startTestServer({ inProcessWorker, ...trainingConfig() });
}

/** What a run test starts from: a training server and a project of 15 synthetic images. */
export async function startRunServer(
  inProcessWorker: boolean,
): Promise<{ t: TestServer; project: SeededProject }> {
  const t = await startTrainingServer(inProcessWorker);
  const project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 15);
  return { t, project };
}

/** A quick run: the tiny preset, a few trainer iterations, a third of the train pool labelled. */
export function runBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'tiny oracle run',
    initialLabels: { fraction: 0.34, seed: 3 },
    judge: { kind: 'oracle' },
    // Low enough that the tiny model's masks are drawn, judged and (when right) accepted.
    scoreThreshold: 0.05,
    training: { preset: 'tiny', hyper: { maxIterations: 12, batchSize: 2, evalEvery: 1000 }, seed: 1 },
    // The tiny model may get nothing right: keep looping so every iteration is exercised.
    stop: { minApprovals: 0 },
    cost: { humanUsdPerHour: 36, computeUsdPerHour: { cpu: 0.5, gpu: 2 } },
    ...overrides,
  };
}

/** Polls a run until `done` says so; fails fast when it ends another way. */
export async function waitForRun(
  admin: ApiClient,
  projectId: number,
  id: number,
  done: (run: RunView) => boolean,
  timeoutMs = 600_000,
): Promise<RunView> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const run = await admin.json<RunView>('GET', `/v1/projects/${projectId}/runs/${id}`);
    if (done(run)) return run;
    if (['succeeded', 'failed', 'cancelled'].includes(run.status))
      throw new Error(`run ${id} ended ${run.status}: ${JSON.stringify(run)}`);
    if (Date.now() > end) throw new Error(`timed out waiting for run ${id}: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Sums the ledger rows here, independently of the service, and checks every iteration's cost, its
 * cumulative cost and the run's total against them; one row per (iteration, kind).
 */
export async function expectLedgerIsSumOfParts(
  admin: ApiClient,
  projectId: number,
  run: RunView,
): Promise<LedgerRow[]> {
  const ledger = await admin.json<{ data: LedgerRow[]; total: CostView }>(
    'GET',
    `/v1/projects/${projectId}/runs/${run.id}/costs`,
  );
  const keys = ledger.data.map((r) => `${r.iteration}:${r.kind}`);
  expect(new Set(keys).size).toBe(keys.length);
  const sum = (rows: LedgerRow[]) => {
    const of = (kind: LedgerRow['kind']) => rows.filter((r) => r.kind === kind);
    const total = (list: LedgerRow[], f: (r: LedgerRow) => number) => list.reduce((a, r) => a + f(r), 0);
    const annotationSeconds = total(of('annotation'), (r) => r.seconds);
    const reviewSeconds = total(of('review'), (r) => r.seconds);
    const humanUsd = total([...of('annotation'), ...of('review')], (r) => r.usd);
    const vlmUsd = total(of('vlm'), (r) => r.usd);
    const computeUsd = total(of('training'), (r) => r.usd);
    return {
      annotationSeconds,
      reviewSeconds,
      humanHours: (annotationSeconds + reviewSeconds) / 3600,
      trainingSeconds: total(of('training'), (r) => r.seconds),
      vlmPromptTokens: total(of('vlm'), (r) => r.detail.promptTokens),
      humanUsd,
      vlmUsd,
      computeUsd,
      totalUsd: humanUsd + vlmUsd + computeUsd,
    };
  };
  const expectClose = (actual: CostView | null, expected: ReturnType<typeof sum>) => {
    expect(actual).not.toBeNull();
    for (const [key, value] of Object.entries(expected))
      expect(actual![key as keyof CostView] as number, key).toBeCloseTo(value, 9);
  };
  for (const it of run.iterations) {
    const own = ledger.data.filter((r) => r.iteration === it.iteration);
    if (own.length === 0) {
      expect(it.cost).toBeNull();
      continue;
    }
    expectClose(it.cost, sum(own));
    expectClose(it.cumulativeCost, sum(ledger.data.filter((r) => r.iteration <= it.iteration)));
  }
  expectClose(run.cost, sum(ledger.data));
  expectClose(ledger.total, sum(ledger.data));
  // Priced: human hours at 36 USD, CPU training at 0.5 USD an hour.
  expect(ledger.total.humanUsd).toBeCloseTo(ledger.total.humanHours * 36, 9);
  return ledger.data;
}
