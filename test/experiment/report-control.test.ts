import { describe, expect, it } from 'vitest';
import type { SummaryRow } from '../../src/experiment/aggregate.ts';
import { parseExperimentConfig } from '../../src/experiment/config.ts';
import { expandPlan } from '../../src/experiment/plan.ts';
import { experimentReport } from '../../src/experiment/report.ts';

const raw = {
  name: 'r',
  dataset: { images: 300, difficulty: 'easy' },
  judges: [{ kind: 'oracle' }],
  fractions: [0.2],
  seeds: [1, 2, 3],
  iterations: 2,
  baselines: { supervised: true, sameCompute: true },
  training: { preset: 'small', hyper: { maxIterations: 150 }, init: 'base' },
};
const config = parseExperimentConfig(raw);

const stat = (mean: number, std: number | null = null) => ({ mean, std });
function row(
  group: string,
  kind: SummaryRow['kind'],
  iteration: number,
  ap: number,
  std: number,
): SummaryRow {
  return {
    group,
    judge: group.split('/')[0],
    kind,
    fraction: kind === 'supervised' ? 1 : 0.2,
    iteration,
    n: 3,
    carried: 0,
    segmAP: stat(ap, std),
    segmAP50: stat(ap + 0.2, std),
    humanHours: stat(kind === 'supervised' ? 4.7 : 1 + iteration * 0.1),
    trainImages: stat(42),
    approved: stat(0),
    rejected: stat(0),
    approvedCumulative: stat(0),
    accepted: stat(0),
    approvalPrecision: stat(1),
    perCategoryAP: {},
  };
}

function report(loopFinal: number, std: number): string {
  const summary = [
    row('supervised', 'supervised', 0, 0.7, 0.01),
    row('control/f0.2', 'control', 0, 0.5, std),
    row('oracle/f0.2', 'loop', 0, 0.45, std),
    row('oracle/f0.2', 'loop', 1, 0.5, std),
    row('oracle/f0.2', 'loop', 2, loopFinal, std),
  ];
  return experimentReport({ config, plan: expandPlan(config), results: [], summary, command: 'test' });
}

describe('the report against the same-compute control', () => {
  it('says whether the loop beat the control by more than the seed-to-seed spread', () => {
    expect(report(0.6, 0.02)).toMatch(
      /mask AP 0\.500 ± 0\.020 \(3 seed\(s\)\); the loop's final model is \+0\.100 from it: above it by more than the seed-to-seed spread \(0\.020/,
    );
    expect(report(0.51, 0.03)).toMatch(
      /\+0\.010 from it: within it, less than the seed-to-seed spread \(0\.030/,
    );
    // A loop clearly below its control is said to be, not "less than the spread".
    expect(report(0.45, 0.01)).toMatch(
      /-0\.050 from it: below it by more than the seed-to-seed spread \(0\.010/,
    );
  });

  it('says what per-instance acceptance let in when the loop falls short, and the image rule when not', () => {
    const perInstance = parseExperimentConfig({
      ...raw,
      judges: [{ kind: 'oracle', acceptance: 'instance' }],
    });
    const summary = [
      row('supervised', 'supervised', 0, 0.7, 0.01),
      row('oracle-instance/f0.2', 'loop', 0, 0.45, 0.01),
      {
        ...row('oracle-instance/f0.2', 'loop', 1, 0.5, 0.01),
        approved: stat(4),
        rejected: stat(160),
        accepted: stat(70),
      },
      {
        ...row('oracle-instance/f0.2', 'loop', 2, 0.5, 0.01),
        approved: stat(3),
        rejected: stat(100),
        accepted: stat(40),
      },
    ];
    const text = experimentReport({
      config: perInstance,
      plan: expandPlan(perInstance),
      results: [],
      summary,
      command: 'test',
    });
    expect(text).toContain(
      'approved 0.0 of 267.0 reviewed images whole (mean per seed), and 110.0 gave labels',
    );
    expect(text).toContain('| oracle-instance/f0.2 | 1 | 3 | 42.0 | 4.0 | 70.0 | 160.0 |');
    expect(text).toContain('a mask is accepted only when the judge approves it');
    expect(report(0.5, 0.01)).toContain('an image is approved only when every drawn prediction is right');
  });

  it('names the starting point and the control in the setup', () => {
    const text = report(0.6, 0.02);
    expect(text).toContain('easy difficulty');
    expect(text).toContain('iteration 0 from `base` (the shipped base model');
    expect(text).toContain('the same-compute-no-new-labels control');
  });
});
