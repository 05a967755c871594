import {
  ORACLE_DEFAULTS,
  type OracleJudgeOptions,
  type OracleSettings,
  oracleVerdict,
} from './oracle-judge.ts';
import type { Judge, JudgeInput, Verdict } from './types.ts';

export interface SimulatedJudgeOptions extends OracleJudgeOptions {
  /** Probability of approving an image the oracle rejects. */
  falseApproveRate: number;
  /** Probability of rejecting an image the oracle approves. */
  falseRejectRate: number;
  seed: number;
  /**
   * The run iteration whose mistakes are drawn (0 for a pass outside a run): a reviewer who errs on an
   * image in one iteration need not err on it again in the next.
   */
  iteration?: number;
}

/**
 * A fallible simulated reviewer: the oracle, wrong at configured rates. Each image's draw depends
 * only on (seed, iteration, imageId), so runs repeat exactly whatever order or concurrency images are
 * judged in, while an image rejected by mistake in one iteration is not rejected again by the same
 * mistake in every later one (it would never be labelled, a bias no real reviewer has).
 */
export class SimulatedJudge implements Judge {
  readonly kind = 'simulated';
  private readonly oracle: OracleSettings;
  private readonly rates: Required<
    Pick<SimulatedJudgeOptions, 'falseApproveRate' | 'falseRejectRate' | 'seed' | 'iteration'>
  >;

  constructor(options: SimulatedJudgeOptions) {
    const { falseApproveRate, falseRejectRate, seed, iteration = 0, ...oracle } = options;
    for (const [name, rate] of Object.entries({ falseApproveRate, falseRejectRate })) {
      if (!(rate >= 0 && rate <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${rate}`);
    }
    if (!(Number.isInteger(iteration) && iteration >= 0))
      throw new RangeError(`iteration must be a non-negative integer, got ${iteration}`);
    this.rates = { falseApproveRate, falseRejectRate, seed, iteration };
    this.oracle = {
      ...ORACLE_DEFAULTS,
      ...Object.fromEntries(Object.entries(oracle).filter(([, v]) => v !== undefined)),
    };
  }

  async judge(input: JudgeInput): Promise<Verdict> {
    const truth = oracleVerdict(input, this.oracle);
    const judge = {
      kind: 'simulated' as const,
      config: { simulation: true, ...this.rates, oracle: this.oracle },
    };
    const simulated = { ...truth, judge };
    if (truth.verdict === 'error') return simulated;
    const draw = uniform(this.rates.seed, this.rates.iteration, input.imageId);
    if (truth.verdict === 'reject' && draw < this.rates.falseApproveRate) {
      return {
        ...simulated,
        verdict: 'approve',
        instances: truth.instances.map(({ index }) => ({ index, verdict: 'correct' })),
        missedObjects: 0,
        reason: `[simulation] Simulated false approval (rate ${this.rates.falseApproveRate}); the oracle rejected: ${truth.reason}`,
      };
    }
    if (truth.verdict === 'approve' && draw < this.rates.falseRejectRate) {
      // A reviewer who rejects a right image blames one of its masks (the same draw picks which), so
      // per-instance acceptance takes the others and ignores that one, as it would a real reviewer's.
      const blamed = Math.floor((draw / this.rates.falseRejectRate) * truth.instances.length);
      return {
        ...simulated,
        verdict: 'reject',
        instances: truth.instances.map((v, i) =>
          i === blamed ? { index: v.index, verdict: 'bad_mask', note: '[simulation] wrongly blamed' } : v,
        ),
        reason: `[simulation] Simulated false rejection (rate ${this.rates.falseRejectRate}); the oracle approved: ${truth.reason}`,
      };
    }
    return { ...simulated, reason: `[simulation] ${truth.reason}` };
  }
}

/** A uniform draw in [0, 1) from (seed, iteration, imageId) alone (murmur3's 32-bit finaliser, chained). */
export function uniform(seed: number, iteration: number, imageId: number): number {
  let h = fmix32((seed >>> 0) ^ 0x9e3779b9);
  h = fmix32(h ^ (iteration >>> 0));
  h = fmix32(h ^ (imageId >>> 0));
  h = fmix32(h ^ Math.floor(imageId / 2 ** 32));
  return h / 2 ** 32;
}

function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
