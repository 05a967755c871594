import type { ExperimentConfig, JudgeSpec } from './config.ts';

/** The body of `POST /v1/projects/{id}/runs` (docs/runs.md). */
export interface RunRequestBody {
  name: string;
  /** `existing`: what the COCO import labelled, i.e. the whole train split (the supervised baseline). */
  initialLabels: { fraction: number; seed: number } | { existing: true };
  iterations: number;
  judge: Record<string, unknown> & { kind: string };
  scoreThreshold?: number;
  /** Sent only when a judge of the design asks for 'instance': a design without it keeps its old run bodies. */
  acceptance?: 'image' | 'instance';
  training: {
    preset: string;
    hyper: Record<string, unknown>;
    warmStart: 'previous' | 'scratch';
    init?: 'scratch' | 'base';
    seed: number;
  };
  stop?: Record<string, unknown>;
  cost?: Record<string, unknown>;
}

/**
 * One run of the design. Runs of the same (fraction, seed) share a project and take turns on it (a run
 * changes its project's pool states, and a project has one active run): the first trains iteration 0,
 * the others reuse that model (`initialModel`). Each supervised baseline has a project of its own.
 */
export interface PlannedRun {
  /** Unique and stable: `oracle/f0.2/s1`, `supervised/s1`; the manifest finds a run again by it. */
  key: string;
  /** Runs that differ only by seed: `oracle/f0.2`, `supervised`. */
  group: string;
  /** The project the run runs in, shared by the runs of one (fraction, seed): `f0.2/s1`, `supervised/s1`. */
  projectKey: string;
  /** The judge's label, `supervised` for the fully supervised baseline, `control` for the same-compute one. */
  judge: string;
  kind: 'loop' | 'supervised' | 'control';
  fraction: number;
  seed: number;
  body: RunRequestBody;
}

export interface Plan {
  runs: PlannedRun[];
  /** Judges left out, with why (a VLM judge without an endpoint). */
  skipped: { judge: string; reason: string }[];
}

/**
 * Expands the design: every judge x fraction x seed as a loop run, plus, per seed, the fully supervised
 * baseline (every train image labelled as imported, no iteration). The no-loop baseline needs no run of its own: it
 * is iteration 0 of the loop runs. Seed-major order, so a half-finished experiment has whole seeds; within a
 * project, the judges' order of the config is the order the runs take turns in.
 */
export function expandPlan(config: ExperimentConfig, env: { vlmBaseUrl?: string } = {}): Plan {
  const skipped: Plan['skipped'] = [];
  const judges = config.judges.filter((j) => {
    const usable = j.kind !== 'vlm' || Boolean(j.options.baseUrl ?? env.vlmBaseUrl);
    if (!usable)
      skipped.push({ judge: j.label, reason: "no VLM endpoint: set VLM_BASE_URL or the judge's baseUrl" });
    return usable;
  });
  const runs: PlannedRun[] = [];
  for (const seed of config.seeds) {
    if (config.baselines.supervised)
      runs.push({
        key: `supervised/s${seed}`,
        group: 'supervised',
        projectKey: `supervised/s${seed}`,
        judge: 'supervised',
        kind: 'supervised',
        fraction: 1,
        seed,
        // With 0 iterations nothing is judged: no judge.
        body: {
          ...runBody(config, `${config.name}: supervised, seed ${seed}`, 1, seed, 0, { kind: 'accept-all' }),
          training: { ...config.training, seed, hyper: supervisedHyper(config) },
        },
      });
    if (config.baselines.sameCompute)
      for (const fraction of config.fractions) runs.push(controlRun(config, fraction, seed));
    for (const fraction of config.fractions)
      for (const judge of judges)
        runs.push({
          key: `${judge.label}/f${fraction}/s${seed}`,
          group: `${judge.label}/f${fraction}`,
          projectKey: `f${fraction}/s${seed}`,
          judge: judge.label,
          kind: 'loop',
          fraction,
          seed,
          body: {
            ...runBody(
              config,
              `${config.name}: ${judge.label} from ${Math.round(fraction * 100)}%, seed ${seed}`,
              fraction,
              seed,
              config.iterations,
              judgeConfig(judge, seed),
            ),
            ...(judge.acceptance && { acceptance: judge.acceptance }),
            ...(judge.hyper && {
              training: { ...config.training, seed, hyper: { ...config.training.hyper, ...judge.hyper } },
            }),
          },
        });
  }
  return { runs, skipped };
}

/**
 * The same-compute-no-new-labels control of (fraction, seed): the loop's initial labels, no iteration, and the
 * loop's last model's training iterations, so a loop that beats it owes that to the labels it accepted.
 */
function controlRun(config: ExperimentConfig, fraction: number, seed: number): PlannedRun {
  const name = `${config.name}: same-compute control from ${Math.round(fraction * 100)}%, seed ${seed}`;
  return {
    key: `control/f${fraction}/s${seed}`,
    group: `control/f${fraction}`,
    projectKey: `control/f${fraction}/s${seed}`,
    judge: 'control',
    kind: 'control',
    fraction,
    seed,
    body: {
      ...runBody(config, name, fraction, seed, 0, { kind: 'accept-all' }),
      training: { ...config.training, seed, hyper: supervisedHyper(config) },
    },
  };
}

/**
 * The supervised model gets the training compute of a loop run's last model: with warm starts, that model
 * has had iteration 0's iterations plus one training per loop iteration. A baseline with fewer would lose
 * for want of compute, not of labels.
 */
export function supervisedHyper(config: ExperimentConfig): Record<string, unknown> {
  return computeMatchedHyper(config.training, config.iterations);
}

/**
 * The hyper of a one-shot training with the compute of a loop's last model after `iterations` loop
 * iterations: the supervised baseline here, and the demo's same-compute-no-new-labels control too.
 */
export function computeMatchedHyper(
  training: { hyper?: Record<string, unknown>; warmStart: 'previous' | 'scratch' },
  iterations: number,
): Record<string, unknown> {
  const hyper = { ...(training.hyper ?? {}) };
  const max = hyper.maxIterations;
  if (training.warmStart !== 'scratch' && typeof max === 'number')
    hyper.maxIterations = max * (iterations + 1);
  return hyper;
}

function judgeConfig(judge: JudgeSpec, seed: number): RunRequestBody['judge'] {
  const base = { kind: judge.kind, ...judge.options };
  // A simulated judge's mistakes differ per seed too, so the spread over seeds includes them.
  return judge.kind === 'simulated' ? { ...base, seed } : base;
}

function runBody(
  config: ExperimentConfig,
  name: string,
  fraction: number,
  seed: number,
  iterations: number,
  judge: RunRequestBody['judge'],
): RunRequestBody {
  return {
    name,
    initialLabels: fraction >= 1 ? { existing: true } : { fraction, seed },
    iterations,
    judge,
    ...(config.scoreThreshold !== undefined && { scoreThreshold: config.scoreThreshold }),
    training: { ...config.training, seed },
    ...(config.stop && { stop: config.stop }),
    ...(config.cost && { cost: config.cost }),
  };
}
