import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A judge of the design; `label` names its line in tables and plots. */
export interface JudgeSpec {
  label: string;
  kind: 'oracle' | 'simulated' | 'accept-all' | 'vlm';
  /** Everything else of the pass judge config (`falseApproveRate`, `model`, ...), sent as it is. */
  options: Record<string, unknown>;
  /** The runs' acceptance policy (docs/runs.md); unset: the runs' default, 'image'. */
  acceptance?: 'image' | 'instance';
  /**
   * Training hyper-parameters of this judge's loop runs, over `training.hyper` (say `approvedMaskWeight`):
   * a variant of the loop measured against the same baselines. Baselines never see them.
   */
  hyper?: Record<string, unknown>;
}

export interface ExperimentConfig {
  name: string;
  /** The built-in synthetic dataset; difficulty the generator's default (medium) unless set (fixed before measuring). */
  dataset: {
    images: number;
    seed: number;
    size: number;
    difficulty?: 'easy' | 'medium' | 'hard';
    splits?: { train: number; val: number; test: number };
  };
  judges: JudgeSpec[];
  /** Initial labelled fractions of the train split, each in (0, 1). */
  fractions: number[];
  /** Each seed picks the initial labels, the training seed and the simulated judges' draws. */
  seeds: number[];
  /** Loop iterations after iteration 0. */
  iterations: number;
  /** supervised: every train label; sameCompute: per fraction and seed, the initial labels alone with the loop's final compute. */
  baselines: { supervised: boolean; sameCompute: boolean };
  scoreThreshold: number | undefined;
  /** The same for every run, baselines included. */
  training: {
    preset: string;
    hyper: Record<string, unknown>;
    warmStart: 'previous' | 'scratch';
    /** Where iteration 0 (and the baselines) start: scratch, or the preset's pretrained base model. */
    init: 'scratch' | 'base';
  };
  stop: Record<string, unknown> | undefined;
  cost: Record<string, unknown> | undefined;
  /** The in-process worker: device slots (jobs at once) and torch threads per slot. */
  worker: { slots: number; threads: number | undefined };
}

/** A config that failed validation; `errors` names every offending field. */
export class ExperimentConfigError extends Error {
  constructor(
    readonly errors: { field: string; message: string }[],
    source = 'experiment config',
  ) {
    super(`${source} is invalid:\n${errors.map((e) => `  - ${e.field}: ${e.message}`).join('\n')}`);
    this.name = 'ExperimentConfigError';
  }
}

export const PRESET_NAMES = ['quick', 'study', 'demo'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The presets are the committed config files, so their sizes are changed in one place. */
export const presetPath = (name: PresetName): string => path.join(REPO_ROOT, 'experiments', `${name}.json`);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects every problem instead of stopping at the first, so one run of the command lists them all. */
class Checker {
  readonly errors: { field: string; message: string }[] = [];

  fail(field: string, message: string): undefined {
    this.errors.push({ field, message });
    return undefined;
  }

  number(
    obj: Obj,
    key: string,
    field: string,
    opts: { min?: number; max?: number; int?: boolean; exclusive?: boolean; fallback?: number } = {},
  ): number | undefined {
    const v = obj[key];
    if (v === undefined) {
      if (opts.fallback !== undefined) return opts.fallback;
      return this.fail(field, 'is required');
    }
    if (typeof v !== 'number' || !Number.isFinite(v))
      return this.fail(field, `must be a number, got ${show(v)}`);
    if (opts.int && !Number.isInteger(v)) return this.fail(field, `must be an integer, got ${v}`);
    const { min, max, exclusive } = opts;
    const low = min !== undefined && (exclusive ? v <= min : v < min);
    const high = max !== undefined && (exclusive ? v >= max : v > max);
    if (low || high) {
      const range = exclusive ? `(${min ?? '-inf'}, ${max ?? 'inf'})` : `[${min ?? '-inf'}, ${max ?? 'inf'}]`;
      return this.fail(field, `must be in ${range}, got ${v}`);
    }
    return v;
  }

  object(obj: Obj, key: string, field: string, required = false): Obj | undefined {
    const v = obj[key];
    if (v === undefined) return required ? this.fail(field, 'is required') : undefined;
    return isObj(v) ? v : this.fail(field, `must be an object, got ${show(v)}`);
  }

  array(obj: Obj, key: string, field: string): unknown[] | undefined {
    const v = obj[key];
    if (v === undefined) return this.fail(field, 'is required');
    if (!Array.isArray(v)) return this.fail(field, `must be an array, got ${show(v)}`);
    if (v.length === 0) return this.fail(field, 'must not be empty');
    return v;
  }

  unknownKeys(obj: Obj, allowed: string[], prefix: string): void {
    for (const key of Object.keys(obj))
      if (!allowed.includes(key))
        this.fail(`${prefix}${key}`, `is not a known field (known: ${allowed.join(', ')})`);
  }
}

const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

const TOP_KEYS = [
  '$comment',
  'name',
  'dataset',
  'judges',
  'fractions',
  'seeds',
  'iterations',
  'baselines',
  'scoreThreshold',
  'training',
  'stop',
  'cost',
  'worker',
];
const JUDGE_KINDS = ['oracle', 'simulated', 'accept-all', 'vlm'] as const;

/** Validates a parsed config file and fills its defaults. Throws ExperimentConfigError naming each field. */
export function parseExperimentConfig(input: unknown, source?: string): ExperimentConfig {
  const c = new Checker();
  if (!isObj(input))
    throw new ExperimentConfigError([{ field: '(root)', message: 'must be a JSON object' }], source);
  c.unknownKeys(input, TOP_KEYS, '');
  const name =
    typeof input.name === 'string' && input.name !== ''
      ? input.name
      : c.fail('name', 'must be a non-empty string');
  const config = {
    name,
    dataset: parseDataset(c, input),
    judges: parseJudges(c, input),
    fractions: parseFractions(c, input),
    seeds: parseSeeds(c, input),
    iterations: c.number(input, 'iterations', 'iterations', { min: 0, max: 50, int: true }),
    baselines: parseBaselines(c, input),
    scoreThreshold:
      input.scoreThreshold === undefined
        ? undefined
        : c.number(input, 'scoreThreshold', 'scoreThreshold', { min: 0, max: 1 }),
    training: parseTraining(c, input),
    stop: c.object(input, 'stop', 'stop'),
    cost: c.object(input, 'cost', 'cost'),
    worker: parseWorker(c, input),
  };
  if (c.errors.length > 0) throw new ExperimentConfigError(c.errors, source);
  return config as ExperimentConfig;
}

function parseDataset(c: Checker, input: Obj): ExperimentConfig['dataset'] | undefined {
  const d = c.object(input, 'dataset', 'dataset', true);
  if (!d) return undefined;
  c.unknownKeys(d, ['images', 'seed', 'size', 'splits', 'difficulty'], 'dataset.');
  if (d.difficulty !== undefined && !['easy', 'medium', 'hard'].includes(d.difficulty as string))
    c.fail('dataset.difficulty', `must be "easy", "medium" or "hard", got ${show(d.difficulty)}`);
  const splits = c.object(d, 'splits', 'dataset.splits');
  if (splits) {
    c.unknownKeys(splits, ['train', 'val', 'test'], 'dataset.splits.');
    for (const k of ['train', 'val', 'test']) c.number(splits, k, `dataset.splits.${k}`, { min: 0, max: 1 });
  }
  return {
    images: c.number(d, 'images', 'dataset.images', { min: 4, max: 100_000, int: true })!,
    seed: c.number(d, 'seed', 'dataset.seed', { min: 0, int: true, fallback: 1 })!,
    size: c.number(d, 'size', 'dataset.size', { min: 64, max: 2048, int: true, fallback: 160 })!,
    ...(splits && { splits: splits as { train: number; val: number; test: number } }),
    ...(d.difficulty !== undefined && { difficulty: d.difficulty as 'easy' | 'medium' | 'hard' }),
  };
}

function parseJudges(c: Checker, input: Obj): JudgeSpec[] | undefined {
  const list = c.array(input, 'judges', 'judges');
  if (!list) return undefined;
  const judges: JudgeSpec[] = [];
  for (const [i, raw] of list.entries()) {
    const field = `judges[${i}]`;
    if (!isObj(raw)) {
      c.fail(field, `must be an object like { "kind": "oracle" }, got ${show(raw)}`);
      continue;
    }
    const { label, kind, acceptance, hyper, ...options } = raw;
    if (!JUDGE_KINDS.includes(kind as JudgeSpec['kind'])) {
      c.fail(`${field}.kind`, `must be one of ${JUDGE_KINDS.join(', ')}, got ${show(kind)}`);
      continue;
    }
    if (label !== undefined && (typeof label !== 'string' || !/^[\w.+-]+$/.test(label))) {
      c.fail(`${field}.label`, `must be letters, digits, '.', '+', '-' or '_', got ${show(label)}`);
      continue;
    }
    if (kind === 'simulated')
      for (const rate of ['falseApproveRate', 'falseRejectRate'])
        c.number(raw, rate, `${field}.${rate}`, { min: 0, max: 1 });
    if (acceptance !== undefined && acceptance !== 'image' && acceptance !== 'instance') {
      c.fail(`${field}.acceptance`, `must be "image" or "instance", got ${show(acceptance)}`);
      continue;
    }
    if (kind === 'simulated' && 'seed' in options)
      c.fail(`${field}.seed`, "is set from each run's seed; leave it out");
    if (hyper !== undefined && !isObj(hyper)) {
      c.fail(`${field}.hyper`, `must be an object of training hyper-parameters, got ${show(hyper)}`);
      continue;
    }
    judges.push({
      label: (label as string | undefined) ?? defaultLabel(raw),
      kind: kind as JudgeSpec['kind'],
      options,
      ...(acceptance !== undefined && { acceptance: acceptance as 'image' | 'instance' }),
      ...(hyper !== undefined && { hyper: hyper as Record<string, unknown> }),
    });
  }
  const seen = new Set<string>();
  judges.forEach((j, i) => {
    if (j.label === 'supervised' || j.label === 'control')
      c.fail(`judges[${i}].label`, `"${j.label}" names a baseline; choose another`);
    if (seen.has(j.label)) c.fail(`judges[${i}].label`, `"${j.label}" is used twice; give one a label`);
    seen.add(j.label);
  });
  return judges;
}

/** `simulated-fa0.1-fr0.05` and the like: readable, unique for distinct rates. */
function defaultLabel(raw: Obj): string {
  const policy = raw.acceptance === 'instance' ? '-instance' : '';
  const hyper = isObj(raw.hyper)
    ? Object.keys(raw.hyper)
        .sort()
        .map((k) => `-${k}${String((raw.hyper as Obj)[k]).replace(/[^\w.+-]/g, '_')}`)
        .join('')
    : '';
  return `${judgeLabel(raw)}${policy}${hyper}`;
}

function judgeLabel(raw: Obj): string {
  if (raw.kind === 'simulated') return `simulated-fa${raw.falseApproveRate}-fr${raw.falseRejectRate}`;
  if (raw.kind === 'vlm' && typeof raw.model === 'string')
    return `vlm-${raw.model.replace(/[^\w.+-]/g, '_')}`;
  return String(raw.kind);
}

function parseFractions(c: Checker, input: Obj): number[] | undefined {
  const list = c.array(input, 'fractions', 'fractions');
  if (!list) return undefined;
  const out = list.map((_, i) =>
    c.number(list as unknown as Obj, String(i), `fractions[${i}]`, { min: 0, max: 1, exclusive: true }),
  );
  if (new Set(out).size !== out.length) c.fail('fractions', 'must not repeat a value');
  return out as number[];
}

function parseSeeds(c: Checker, input: Obj): number[] | undefined {
  const list = c.array(input, 'seeds', 'seeds');
  if (!list) return undefined;
  const out = list.map((_, i) =>
    c.number(list as unknown as Obj, String(i), `seeds[${i}]`, { min: 0, int: true }),
  );
  if (new Set(out).size !== out.length) c.fail('seeds', 'must not repeat a value');
  return out as number[];
}

function parseBaselines(c: Checker, input: Obj): ExperimentConfig['baselines'] {
  const b = c.object(input, 'baselines', 'baselines') ?? {};
  c.unknownKeys(b, ['supervised', 'sameCompute'], 'baselines.');
  for (const k of ['supervised', 'sameCompute'])
    if (b[k] !== undefined && typeof b[k] !== 'boolean')
      c.fail(`baselines.${k}`, `must be true or false, got ${show(b[k])}`);
  return { supervised: b.supervised !== false, sameCompute: b.sameCompute === true };
}

function parseTraining(c: Checker, input: Obj): ExperimentConfig['training'] | undefined {
  const t = c.object(input, 'training', 'training', true);
  if (!t) return undefined;
  c.unknownKeys(t, ['preset', 'hyper', 'warmStart', 'init'], 'training.');
  if (typeof t.preset !== 'string' || t.preset === '')
    c.fail('training.preset', `must be a preset name, got ${show(t.preset)}`);
  const warmStart = t.warmStart ?? 'previous';
  if (warmStart !== 'previous' && warmStart !== 'scratch')
    c.fail('training.warmStart', `must be "previous" or "scratch", got ${show(warmStart)}`);
  const init = t.init ?? 'scratch';
  if (init !== 'scratch' && init !== 'base')
    c.fail('training.init', `must be "scratch" or "base", got ${show(init)}`);
  const hyper = c.object(t, 'hyper', 'training.hyper') ?? {};
  return {
    preset: t.preset as string,
    hyper,
    warmStart: warmStart as 'previous' | 'scratch',
    init: init as 'scratch' | 'base',
  };
}

function parseWorker(c: Checker, input: Obj): ExperimentConfig['worker'] {
  const w = c.object(input, 'worker', 'worker') ?? {};
  c.unknownKeys(w, ['slots', 'threads'], 'worker.');
  return {
    slots: c.number(w, 'slots', 'worker.slots', { min: 1, max: 64, int: true, fallback: 1 })!,
    threads:
      w.threads === undefined ? undefined : c.number(w, 'threads', 'worker.threads', { min: 1, int: true }),
  };
}

/** Reads and validates a config file; a parse error names the file. */
export async function loadExperimentConfig(file: string): Promise<ExperimentConfig> {
  const text = await fs.readFile(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ExperimentConfigError(
      [{ field: '(file)', message: `is not JSON: ${(err as Error).message}` }],
      file,
    );
  }
  return parseExperimentConfig(parsed, file);
}

/** A short stable hash of a JSON value: what a results folder's runs were made from. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}
