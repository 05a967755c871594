/** A run's configuration: the request as the API takes it and as the run stores it, defaults filled in. */
import type { PassAcceptance } from '../passes/pass.repository.ts';
import type { JudgeConfig } from '../passes/pass-judges.ts';
import type { Preset } from '../training/training.service.ts';
import { type CostSettings, DEFAULT_COST_SETTINGS } from './run-costs.ts';

/** A run's request with every default filled in, as stored in `runs.config`. */
export interface RunConfig {
  initialLabels: { fraction: number; seed: number } | { existing: true };
  /** A model version iteration 0 uses instead of training (absent in runs created before it existed). */
  initialModel?: { modelVersionId: number } | null;
  iterations: number;
  judge: JudgeConfig;
  scoreThreshold: number;
  /** What the passes accept as labels (absent in runs created before it: 'image'). */
  acceptance?: PassAcceptance;
  training: {
    preset: Preset;
    hyper: Record<string, unknown>;
    warmStart: 'previous' | 'scratch';
    /** Where a model not warm-started from the previous one starts (absent in runs created before it: scratch). */
    init?: 'scratch' | 'base';
    seed: number;
  };
  stop: {
    minApprovals: number;
    plateau: { patience: number; minDelta: number } | null;
    budgetHours: number | null;
  };
  cost: CostSettings;
}

/** A run request as the API takes it: everything optional, defaults in docs/runs.md. */
export interface CreateRunInput {
  name?: string;
  initialLabels?: { fraction: number; seed?: number } | { existing: true };
  /** Iteration 0 uses this model version instead of training one (it must fit the initial set). */
  initialModel?: { modelVersionId: number };
  iterations?: number;
  judge?: JudgeConfig;
  scoreThreshold?: number;
  /** What each pass accepts as labels (PassAcceptance): 'image' by default. */
  acceptance?: PassAcceptance;
  training?: {
    preset?: Preset;
    hyper?: Record<string, unknown>;
    warmStart?: 'previous' | 'scratch';
    init?: 'scratch' | 'base';
    seed?: number;
  };
  stop?: {
    minApprovals?: number;
    plateau?: { patience?: number; minDelta?: number } | null;
    budgetHours?: number | null;
  };
  cost?: Partial<Omit<CostSettings, 'computeUsdPerHour'>> & {
    computeUsdPerHour?: Partial<CostSettings['computeUsdPerHour']>;
  };
}

/** The request with every default of docs/runs.md filled in: what the run stores and shows. */
export function withDefaults(input: CreateRunInput): RunConfig {
  const initial = input.initialLabels ?? { fraction: 0.2, seed: 1 };
  const cost = input.cost ?? {};
  return {
    initialLabels:
      'existing' in initial ? { existing: true } : { fraction: initial.fraction, seed: initial.seed ?? 1 },
    initialModel: input.initialModel ? { modelVersionId: input.initialModel.modelVersionId } : null,
    iterations: input.iterations ?? 3,
    judge: input.judge ?? { kind: 'oracle' },
    scoreThreshold: input.scoreThreshold ?? 0.5,
    acceptance: input.acceptance ?? 'image',
    training: {
      preset: input.training?.preset ?? 'small',
      hyper: input.training?.hyper ?? {},
      warmStart: input.training?.warmStart ?? 'previous',
      init: input.training?.init ?? 'scratch',
      seed: input.training?.seed ?? 0,
    },
    stop: {
      minApprovals: input.stop?.minApprovals ?? 1,
      plateau: input.stop?.plateau
        ? { patience: input.stop.plateau.patience ?? 2, minDelta: input.stop.plateau.minDelta ?? 0.005 }
        : null,
      budgetHours: input.stop?.budgetHours ?? null,
    },
    cost: {
      ...DEFAULT_COST_SETTINGS,
      ...cost,
      computeUsdPerHour: { ...DEFAULT_COST_SETTINGS.computeUsdPerHour, ...cost.computeUsdPerHour },
    },
  };
}
