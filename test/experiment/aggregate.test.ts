import { describe, expect, it } from 'vitest';
import { type RunResult, resultRows, stat, summarize } from '../../src/experiment/aggregate.ts';
import type { IterationView } from '../../src/experiment/run-view.ts';

function iteration(k: number, ap: number, hours: number, approved = 0, status = 'completed'): IterationView {
  return {
    iteration: k,
    status,
    trainImages: 10 + approved,
    approved,
    rejected: 2,
    metrics: { segmAP: ap, segmAP50: ap + 0.2, perCategory: [{ id: 1, name: 'circle', ap, ap50: ap }] },
    agreement: k === 0 ? null : { approvalPrecision: 0.9 },
    cost: { annotationSeconds: 0, reviewSeconds: 0, humanHours: 0.1 },
    cumulativeCost: { annotationSeconds: 0, reviewSeconds: 0, humanHours: hours },
  };
}

function run(seed: number, iterations: IterationView[], over: Partial<RunResult> = {}): RunResult {
  return {
    key: `oracle/f0.2/s${seed}`,
    group: 'oracle/f0.2',
    judge: 'oracle',
    kind: 'loop',
    fraction: 0.2,
    seed,
    plannedIterations: 2,
    projectId: seed,
    runId: seed,
    status: 'succeeded',
    stopReason: 'iterations',
    iterations,
    ...over,
  };
}

describe('stat', () => {
  it('gives the mean and the sample standard deviation', () => {
    expect(stat([])).toEqual({ mean: null, std: null });
    expect(stat([0.5])).toEqual({ mean: 0.5, std: null });
    const s = stat([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });
});

describe('summarize', () => {
  it('averages over seeds per group and iteration', () => {
    const rows = summarize([
      run(1, [iteration(0, 0.2, 1), iteration(1, 0.3, 1.5, 8), iteration(2, 0.4, 2, 4)]),
      run(2, [iteration(0, 0.4, 1), iteration(1, 0.5, 1.7, 6), iteration(2, 0.6, 2.2, 2)]),
    ]);
    expect(rows.map((r) => r.iteration)).toEqual([0, 1, 2]);
    const last = rows[2];
    expect(last).toMatchObject({ group: 'oracle/f0.2', judge: 'oracle', fraction: 0.2, n: 2, carried: 0 });
    expect(last.segmAP.mean).toBeCloseTo(0.5, 12);
    expect(last.segmAP.std).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(last.humanHours.mean).toBeCloseTo(2.1, 12);
    expect(last.approved.mean).toBe(3);
    expect(last.approvedCumulative.mean).toBe(10);
    expect(last.perCategoryAP.circle).toBeCloseTo(0.5, 12);
    expect(rows[0].approvalPrecision.mean).toBeNull();
    expect(rows[1].approvalPrecision.mean).toBeCloseTo(0.9, 12);
  });

  it('counts the images that gave labels, approved whole or in part, and none for a carried run', () => {
    const partly = (k: number, approved: number, accepted: number) => ({
      ...iteration(k, 0.3, 1, approved),
      accepted,
    });
    const rows = summarize([
      run(1, [iteration(0, 0.2, 1), partly(1, 3, 9), partly(2, 1, 5)]),
      run(2, [iteration(0, 0.2, 1), partly(1, 5, 11)], { plannedIterations: 2 }),
    ]);
    expect(rows[1].accepted.mean).toBe(10);
    // Run 2 stopped after iteration 1: it is carried into iteration 2 with nothing new.
    expect(rows[2].carried).toBe(1);
    expect(rows[2].accepted.mean).toBe(2.5);
  });

  it('carries a run that stopped early at its last measured iteration, with no more approvals', () => {
    const stopped = run(
      2,
      [iteration(0, 0.4, 1), iteration(1, 0.5, 1.5, 6), { iteration: 2, status: 'stopped' }],
      {
        stopReason: 'min_approvals',
      },
    );
    const rows = summarize([
      run(1, [iteration(0, 0.2, 1), iteration(1, 0.3, 1.5, 8), iteration(2, 0.4, 2, 4)]),
      stopped,
    ]);
    const last = rows[2];
    expect(last.n).toBe(2);
    expect(last.carried).toBe(1);
    expect(last.segmAP.mean).toBeCloseTo((0.4 + 0.5) / 2, 12);
    expect(last.humanHours.mean).toBeCloseTo((2 + 1.5) / 2, 12);
    expect(last.approved.mean).toBe(2);
    expect(last.approvedCumulative.mean).toBe((8 + 4 + 6) / 2);
  });

  it('leaves out runs past what they measured when they are still going or failed', () => {
    const rows = summarize([
      run(1, [iteration(0, 0.2, 1), iteration(1, 0.3, 1.5, 8), iteration(2, 0.4, 2, 4)]),
      run(2, [iteration(0, 0.4, 1), { iteration: 1, status: 'running', step: 'train' }], {
        status: 'running',
        stopReason: null,
      }),
      run(3, [iteration(0, 0.6, 1)], { status: 'failed', stopReason: 'error' }),
    ]);
    expect(rows.map((r) => [r.iteration, r.n])).toEqual([
      [0, 3],
      [1, 1],
      [2, 1],
    ]);
    expect(rows[0].segmAP.mean).toBeCloseTo(0.4, 12);
  });

  it('keeps the supervised baseline as its own group with one iteration', () => {
    const sup = run(1, [iteration(0, 0.7, 3)], {
      key: 'supervised/s1',
      group: 'supervised',
      judge: 'supervised',
      kind: 'supervised',
      fraction: 1,
      plannedIterations: 0,
    });
    const rows = summarize([sup, run(1, [iteration(0, 0.2, 1)], { status: 'running' })]);
    expect(rows.map((r) => [r.group, r.iteration])).toEqual([
      ['supervised', 0],
      ['oracle/f0.2', 0],
    ]);
  });
});

describe('resultRows', () => {
  it('gives one row per run x iteration, in iteration order', () => {
    const rows = resultRows([run(1, [iteration(1, 0.3, 1.5), iteration(0, 0.2, 1)])]);
    expect(rows.map((r) => [r.key, r.iteration.iteration])).toEqual([
      ['oracle/f0.2/s1', 0],
      ['oracle/f0.2/s1', 1],
    ]);
  });
});
