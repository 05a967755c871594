import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/experiment/config.ts';
import { expandPlan } from '../../src/experiment/plan.ts';

const config = parseExperimentConfig({
  name: 'p',
  dataset: { images: 20 },
  judges: [
    { kind: 'oracle' },
    { label: 'sim', kind: 'simulated', falseApproveRate: 0.1, falseRejectRate: 0.05 },
    { kind: 'vlm', model: 'qwen' },
  ],
  fractions: [0.2, 0.4],
  seeds: [7, 8],
  iterations: 3,
  scoreThreshold: 0.6,
  training: { preset: 'small', hyper: { maxIterations: 50 }, warmStart: 'scratch' },
  cost: { reviewSecondsPerImage: 5 },
});

describe('expandPlan', () => {
  it('expands judges x fractions x seeds plus one supervised baseline per seed, seed-major', () => {
    const { runs, skipped } = expandPlan(config);
    expect(skipped).toEqual([{ judge: 'vlm-qwen', reason: expect.stringMatching(/VLM_BASE_URL/) }]);
    expect(runs.map((r) => r.key)).toEqual([
      'supervised/s7',
      'oracle/f0.2/s7',
      'sim/f0.2/s7',
      'oracle/f0.4/s7',
      'sim/f0.4/s7',
      'supervised/s8',
      'oracle/f0.2/s8',
      'sim/f0.2/s8',
      'oracle/f0.4/s8',
      'sim/f0.4/s8',
    ]);
    expect(new Set(runs.map((r) => r.key)).size).toBe(runs.length);
  });

  it('trains every run the same way and seeds labels, training and simulated mistakes', () => {
    const { runs } = expandPlan(config);
    const sim = runs.find((r) => r.key === 'sim/f0.4/s8')!;
    expect(sim.group).toBe('sim/f0.4');
    // Runs of the same (fraction, seed) share a project (and iteration 0); each baseline has its own.
    expect(runs.filter((r) => r.projectKey === 'f0.4/s8').map((r) => r.key)).toEqual([
      'oracle/f0.4/s8',
      'sim/f0.4/s8',
    ]);
    expect(sim.body).toMatchObject({
      initialLabels: { fraction: 0.4, seed: 8 },
      iterations: 3,
      judge: { kind: 'simulated', falseApproveRate: 0.1, falseRejectRate: 0.05, seed: 8 },
      scoreThreshold: 0.6,
      training: { preset: 'small', hyper: { maxIterations: 50 }, warmStart: 'scratch', seed: 8 },
      cost: { reviewSecondsPerImage: 5 },
    });
    const sup = runs.find((r) => r.key === 'supervised/s8')!;
    expect(sup).toMatchObject({
      kind: 'supervised',
      group: 'supervised',
      projectKey: 'supervised/s8',
      fraction: 1,
    });
    expect(sup.body.iterations).toBe(0);
    expect(sup.body.initialLabels).toEqual({ existing: true });
    expect(sup.body.training).toEqual(sim.body.training);
  });

  it('includes a VLM judge once an endpoint is configured, and no baseline when switched off', () => {
    const { runs, skipped } = expandPlan(
      { ...config, baselines: { supervised: false, sameCompute: false } },
      { vlmBaseUrl: 'http://127.0.0.1:9/v1' },
    );
    expect(skipped).toEqual([]);
    expect(runs.filter((r) => r.judge === 'vlm-qwen')).toHaveLength(4);
    expect(runs.some((r) => r.kind === 'supervised')).toBe(false);
    expect(runs.find((r) => r.judge === 'vlm-qwen')!.body.judge).toEqual({ kind: 'vlm', model: 'qwen' });
  });
});

describe('the supervised baseline', () => {
  it("gets the compute of a loop run's last model when loop models are warm-started", () => {
    const warm = parseExperimentConfig({
      name: 'w',
      dataset: { images: 20 },
      judges: [{ kind: 'oracle' }],
      fractions: [0.2],
      seeds: [1],
      iterations: 2,
      training: { preset: 'small', hyper: { maxIterations: 100, lr: 0.001 }, warmStart: 'previous' },
    });
    const runs = expandPlan(warm).runs;
    const supervised = runs.find((r) => r.kind === 'supervised');
    const loop = runs.find((r) => r.kind === 'loop');
    expect(supervised?.body.training.hyper).toEqual({ maxIterations: 300, lr: 0.001 });
    expect(loop?.body.training.hyper).toEqual({ maxIterations: 100, lr: 0.001 });
  });

  it('trains like every loop model when each is trained from scratch', () => {
    const supervised = expandPlan(config).runs.find((r) => r.kind === 'supervised');
    expect(supervised?.body.training.hyper).toEqual({ maxIterations: 50 });
  });
});

describe('computeMatchedHyper', () => {
  it("gives a one-shot training the loop's last model's iterations (warm starts add up)", async () => {
    const { computeMatchedHyper } = await import('../../src/experiment/plan.ts');
    const t = { hyper: { maxIterations: 150, lr: 1e-3 }, warmStart: 'previous' as const };
    expect(computeMatchedHyper(t, 2)).toEqual({ maxIterations: 450, lr: 1e-3 });
    expect(computeMatchedHyper({ ...t, warmStart: 'scratch' }, 2)).toEqual(t.hyper);
    expect(t.hyper.maxIterations).toBe(150);
  });
});

describe('the same-compute control', () => {
  it("is planned per fraction and seed with the initial labels, no iteration and the loop's final compute", () => {
    const warm = parseExperimentConfig({
      name: 'c',
      dataset: { images: 20 },
      judges: [{ kind: 'oracle' }],
      fractions: [0.2],
      seeds: [7, 8],
      iterations: 2,
      baselines: { supervised: false, sameCompute: true },
      training: { preset: 'small', hyper: { maxIterations: 150 }, init: 'base' },
    });
    const { runs } = expandPlan(warm);
    expect(runs.map((r) => r.key)).toEqual([
      'control/f0.2/s7',
      'oracle/f0.2/s7',
      'control/f0.2/s8',
      'oracle/f0.2/s8',
    ]);
    const [control, loop] = runs;
    expect(control).toMatchObject({ kind: 'control', group: 'control/f0.2', projectKey: 'control/f0.2/s7' });
    expect(control.body.iterations).toBe(0);
    expect(control.body.initialLabels).toEqual(loop.body.initialLabels);
    expect(control.body.training).toEqual({ ...loop.body.training, hyper: { maxIterations: 450 } });
    expect(loop.body.training.init).toBe('base');
  });
});

describe('a judge with an acceptance policy', () => {
  it("sends 'instance' as the runs' acceptance, never inside the judge, and leaves other runs' bodies as they were", () => {
    const both = parseExperimentConfig({
      name: 'a',
      dataset: { images: 20 },
      judges: [{ kind: 'oracle' }, { kind: 'oracle', acceptance: 'instance' }],
      fractions: [0.2],
      seeds: [1],
      iterations: 2,
      training: { preset: 'small' },
    });
    expect(both.judges.map((j) => j.label)).toEqual(['oracle', 'oracle-instance']);
    const { runs } = expandPlan(both);
    const byKey = new Map(runs.map((r) => [r.key, r.body]));
    expect(byKey.get('oracle-instance/f0.2/s1')).toMatchObject({
      acceptance: 'instance',
      judge: { kind: 'oracle' },
    });
    expect(byKey.get('oracle-instance/f0.2/s1')?.judge).not.toHaveProperty('acceptance');
    expect(byKey.get('oracle/f0.2/s1')).not.toHaveProperty('acceptance');
    expect(byKey.get('supervised/s1')).not.toHaveProperty('acceptance');
  });
});

describe('a judge with its own training hyper-parameters', () => {
  it("merges them over training.hyper for that judge's loop runs only, never the baselines' or the judge's", () => {
    const design = parseExperimentConfig({
      name: 'h',
      dataset: { images: 20 },
      judges: [
        { kind: 'oracle' },
        { kind: 'oracle', acceptance: 'instance', hyper: { approvedMaskWeight: 0 } },
      ],
      fractions: [0.2],
      seeds: [1],
      iterations: 2,
      baselines: { supervised: true, sameCompute: true },
      training: { preset: 'small', hyper: { maxIterations: 150 } },
    });
    expect(design.judges.map((j) => j.label)).toEqual(['oracle', 'oracle-instance-approvedMaskWeight0']);
    const byKey = new Map(expandPlan(design).runs.map((r) => [r.key, r.body]));
    const variant = byKey.get('oracle-instance-approvedMaskWeight0/f0.2/s1')!;
    expect(variant.training.hyper).toEqual({ maxIterations: 150, approvedMaskWeight: 0 });
    expect(variant.training.seed).toBe(1);
    expect(variant.judge).toEqual({ kind: 'oracle' });
    expect(byKey.get('oracle/f0.2/s1')!.training.hyper).toEqual({ maxIterations: 150 });
    expect(byKey.get('control/f0.2/s1')!.training.hyper).toEqual({ maxIterations: 450 });
    expect(byKey.get('supervised/s1')!.training.hyper).toEqual({ maxIterations: 450 });
  });

  it('refuses a hyper that is not an object, naming the field', () => {
    expect(() =>
      parseExperimentConfig({
        name: 'h',
        dataset: { images: 20 },
        judges: [{ kind: 'oracle', hyper: 0 }],
        fractions: [0.2],
        seeds: [1],
        iterations: 1,
        training: { preset: 'small' },
      }),
    ).toThrow(/judges\[0\]\.hyper: must be an object/);
  });
});
