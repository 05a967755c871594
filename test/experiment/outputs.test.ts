import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunResult, summarize } from '../../src/experiment/aggregate.ts';
import { parseExperimentConfig } from '../../src/experiment/config.ts';
import { curveSeries, writeOutputs } from '../../src/experiment/outputs.ts';
import { expandPlan } from '../../src/experiment/plan.ts';
import type { IterationView } from '../../src/experiment/run-view.ts';

const config = parseExperimentConfig({
  name: 'fake',
  dataset: { images: 100 },
  judges: [
    { kind: 'oracle' },
    { label: 'sim-30', kind: 'simulated', falseApproveRate: 0.3, falseRejectRate: 0.3 },
  ],
  fractions: [0.2],
  seeds: [1, 2],
  iterations: 1,
  training: { preset: 'small', hyper: { maxIterations: 10 } },
});

const it0 = (k: number, ap: number, hours: number, trainImages: number, approved = 0): IterationView => ({
  iteration: k,
  status: 'completed',
  trainImages,
  approved: k === 0 ? null : approved,
  rejected: k === 0 ? null : 5,
  metrics: { segmAP: ap, segmAP50: ap + 0.1, perCategory: [{ id: 1, name: 'circle', ap, ap50: ap }] },
  agreement: k === 0 ? null : { approvalPrecision: 0.8 },
  cost: { annotationSeconds: 0, reviewSeconds: 0, humanHours: 0 },
  cumulativeCost: { annotationSeconds: hours * 3600, reviewSeconds: 0, humanHours: hours },
});

/** Results as the runs API would give them: numbers chosen so the answers below are known. */
function fakeResults(): RunResult[] {
  const plan = expandPlan(config);
  return plan.runs.map((p, i) => {
    const s = p.seed === 1 ? 0 : 0.02;
    const iterations =
      p.kind === 'supervised'
        ? [it0(0, 0.6 + s, 2, 70)]
        : p.judge === 'oracle'
          ? [it0(0, 0.3 + s, 0.4, 14), it0(1, 0.58 + s, 0.5, 40, 26)]
          : [it0(0, 0.3 + s, 0.4, 14), it0(1, 0.4 + s, 0.5, 50, 36)];
    return {
      key: p.key,
      group: p.group,
      judge: p.judge,
      kind: p.kind,
      fraction: p.fraction,
      seed: p.seed,
      plannedIterations: p.body.iterations,
      projectId: i + 1,
      runId: i + 1,
      status: 'succeeded',
      stopReason: 'iterations',
      iterations,
    };
  });
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

describe('experiment outputs', () => {
  it('draw one line per judge x fraction with error bars, and the supervised reference', () => {
    const { series, reference } = curveSeries(summarize(fakeResults()));
    expect(series.map((s) => s.label)).toEqual(['fully supervised', 'oracle from 20%', 'sim-30 from 20%']);
    const oracle = series[1];
    expect(oracle.points.map((p) => p.iteration)).toEqual([0, 1]);
    expect(oracle.points[1].apStd).toBeCloseTo(Math.SQRT2 * 0.01, 12);
    expect(reference).toEqual([{ label: 'fully supervised', ap: expect.closeTo(0.61, 12) }]);
  });

  it('write every file, with a report whose numbers come from the results', async () => {
    const outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-exp-out-'));
    dirs.push(outDir);
    const { files } = await writeOutputs({
      outDir,
      config,
      plan: expandPlan(config),
      results: fakeResults(),
      command: 'vlm-loop experiment --config fake.json',
      trainImages: 70,
    });
    expect(files.map((f) => path.basename(f))).toEqual([
      'results.json',
      'results.csv',
      'summary.json',
      'summary.csv',
      'learning-curve.svg',
      'learning-curve.png',
      'report.md',
    ]);
    const summaryCsv = (await fs.readFile(path.join(outDir, 'summary.csv'), 'utf8')).trim().split('\n');
    expect(summaryCsv[0]).toBe(
      'group,judge,fraction,iteration,n,carried,segm_ap_mean,segm_ap_std,segm_ap50_mean,segm_ap50_std,human_hours_mean,human_hours_std,' +
        'train_images_mean,train_images_std,approved_mean,approved_std,rejected_mean,rejected_std,approved_cumulative_mean,' +
        'approved_cumulative_std,approval_precision_mean,approval_precision_std,accepted_mean,accepted_std',
    );
    expect(summaryCsv).toHaveLength(1 + 1 + 2 + 2);
    const svg = await fs.readFile(path.join(outDir, 'learning-curve.svg'), 'utf8');
    expect(svg).toContain('oracle from 20%');
    const report = await fs.readFile(path.join(outDir, 'report.md'), 'utf8');
    // Oracle: 0.59 / 0.61 = 96.7 % of the mAP at 0.5 / 2 = 25 % of the hours.
    expect(report).toContain('Fully supervised: mask AP **0.610 ± 0.014**');
    expect(report).toContain(
      '**97 % of the fully supervised mAP** at **0.50 h, 25 % of its annotation hours**',
    );
    expect(report).toContain('**is met**');
    expect(report).toMatch(/\| sim-30 \| 20 % \| 0\.30 \| 0\.30 \| 1 \| 0\.410 ± 0\.014 \| 67 % \|/);
    expect(report).toContain('vlm-loop experiment --config fake.json');
  });

  it('say why when the expectation is not met', async () => {
    const outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-exp-out-'));
    dirs.push(outDir);
    const results = fakeResults().map((r) =>
      r.judge === 'oracle' ? { ...r, iterations: [r.iterations[0], it0(1, 0.45, 0.5, 30, 16)] } : r,
    );
    await writeOutputs({ outDir, config, plan: expandPlan(config), results, command: 'x' });
    const report = await fs.readFile(path.join(outDir, 'report.md'), 'utf8');
    expect(report).toContain('**is not met**');
    expect(report).toContain('Why it falls short');
    expect(report).toMatch(/learned from 30 images against 70/);
    expect(report).toMatch(/Largest per-category gaps to the supervised model: circle 0\.450 vs 0\.610/);
  });
});
