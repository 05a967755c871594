import { describe, expect, it } from 'vitest';
import {
  ExperimentConfigError,
  loadExperimentConfig,
  PRESET_NAMES,
  parseExperimentConfig,
  presetPath,
} from '../../src/experiment/config.ts';

const valid = () => ({
  name: 'tiny',
  dataset: { images: 12, seed: 3, size: 96 },
  judges: [
    { kind: 'oracle' },
    { kind: 'simulated', falseApproveRate: 0.1, falseRejectRate: 0.2 },
    { kind: 'accept-all' },
  ],
  fractions: [0.2, 0.4],
  seeds: [1, 2, 3],
  iterations: 2,
  training: { preset: 'tiny', hyper: { maxIterations: 4 } },
});

/** The errors of a config that must fail, as `field: message` lines. */
function errorsOf(input: unknown): { field: string; message: string }[] {
  try {
    parseExperimentConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ExperimentConfigError);
    return (err as ExperimentConfigError).errors;
  }
  throw new Error('config was accepted');
}

describe('parseExperimentConfig', () => {
  it('fills defaults and labels judges', () => {
    const c = parseExperimentConfig(valid());
    expect(c.judges.map((j) => j.label)).toEqual(['oracle', 'simulated-fa0.1-fr0.2', 'accept-all']);
    expect(c.judges[1].options).toEqual({ falseApproveRate: 0.1, falseRejectRate: 0.2 });
    expect(c.baselines).toEqual({ supervised: true, sameCompute: false });
    expect(c.training.warmStart).toBe('previous');
    expect(c.worker).toEqual({ slots: 1, threads: undefined });
    expect(c.dataset).toEqual({ images: 12, seed: 3, size: 96 });
  });

  it('names every offending field at once', () => {
    const bad = {
      ...valid(),
      dataset: { images: 2, size: 'big' },
      judges: [{ kind: 'simulated', falseApproveRate: 1.5 }, { kind: 'gpt' }],
      fractions: [0, 0.5],
      seeds: [1, 1.5],
      iterations: 60,
      colour: 'red',
    };
    const errors = errorsOf(bad);
    const fields = errors.map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'colour',
        'dataset.images',
        'dataset.size',
        'judges[0].falseApproveRate',
        'judges[0].falseRejectRate',
        'judges[1].kind',
        'fractions[0]',
        'seeds[1]',
        'iterations',
      ]),
    );
    expect(errors.find((e) => e.field === 'judges[0].falseApproveRate')!.message).toMatch(/\[0, 1\].*1\.5/);
    expect(errors.find((e) => e.field === 'fractions[0]')!.message).toMatch(/\(0, 1\)/);
    expect(errors.find((e) => e.field === 'judges[0].falseRejectRate')!.message).toBe('is required');
  });

  it('refuses duplicate labels, a judge seed and a missing training block', () => {
    const errors = errorsOf({
      ...valid(),
      judges: [
        { kind: 'oracle' },
        { kind: 'oracle' },
        { kind: 'simulated', falseApproveRate: 0, falseRejectRate: 0, seed: 4 },
      ],
      training: undefined,
    });
    expect(errors.map((e) => e.field)).toEqual(['judges[2].seed', 'judges[1].label', 'training']);
  });

  it('puts every message in the thrown error text', () => {
    expect(() => parseExperimentConfig({ ...valid(), seeds: [] }, 'x.json')).toThrow(
      /x\.json is invalid:\n {2}- seeds: must not be empty/,
    );
    expect(() => parseExperimentConfig([])).toThrow(/\(root\): must be a JSON object/);
  });

  it.each(PRESET_NAMES)('the committed %s preset is valid', async (name) => {
    const c = await loadExperimentConfig(presetPath(name));
    expect(c.name).toBe(name);
    expect(c.seeds.length).toBeGreaterThanOrEqual(3);
    expect(c.judges.some((j) => j.kind === 'oracle')).toBe(true);
    expect(c.baselines.supervised).toBe(true);
  });
});

describe('training.init and dataset.difficulty', () => {
  it('default to scratch and the generator default, and refuse anything else naming the field', () => {
    const c = parseExperimentConfig(valid());
    expect(c.training.init).toBe('scratch');
    expect(c.dataset.difficulty).toBeUndefined();
    const based = parseExperimentConfig({
      ...valid(),
      dataset: { ...valid().dataset, difficulty: 'easy' },
      training: { ...valid().training, init: 'base' },
    });
    expect([based.training.init, based.dataset.difficulty]).toEqual(['base', 'easy']);
    const errors = errorsOf({
      ...valid(),
      dataset: { ...valid().dataset, difficulty: 'trivial' },
      training: { ...valid().training, init: 'coco' },
    });
    expect(errors.map((e) => e.field).sort()).toEqual(['dataset.difficulty', 'training.init']);
  });
});

describe('a judge acceptance', () => {
  it('is image or instance, and anything else is refused naming the field', () => {
    const errors = errorsOf({ ...valid(), judges: [{ kind: 'oracle', acceptance: 'region' }] });
    expect(errors).toContainEqual({
      field: 'judges[0].acceptance',
      message: expect.stringMatching(/"image" or "instance"/),
    });
    const ok = parseExperimentConfig({ ...valid(), judges: [{ kind: 'oracle', acceptance: 'image' }] });
    expect(ok.judges[0]).toMatchObject({ label: 'oracle', acceptance: 'image', options: {} });
  });
});
