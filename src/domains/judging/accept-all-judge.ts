import { selectInstances } from '../../overlay/select-instances.ts';
import type { Judge, JudgeInput, Verdict } from './types.ts';

export interface AcceptAllJudgeOptions {
  /** The ONE score threshold; inputs arrive filtered by it, so 0 numbers all of them. */
  scoreThreshold?: number;
}

/**
 * No judge at all: every predicted image is approved as it is, and nobody (human or VLM) looks at it,
 * so it costs no review seconds and no tokens. The study design's no-judge baseline: what the loop
 * gains from self-training alone, and what a judge must beat.
 */
export class AcceptAllJudge implements Judge {
  readonly kind = 'accept-all';
  private readonly scoreThreshold: number;

  constructor(options: AcceptAllJudgeOptions = {}) {
    this.scoreThreshold = options.scoreThreshold ?? 0;
  }

  async judge(input: JudgeInput): Promise<Verdict> {
    const selected = selectInstances(input.instances, this.scoreThreshold);
    return {
      verdict: 'approve',
      instances: selected.map(({ index }) => ({ index, verdict: 'correct' })),
      reason: `Accepted without review: ${selected.length} prediction(s) taken as labels (accept-all).`,
      judge: { kind: 'accept-all', config: { scoreThreshold: this.scoreThreshold } },
      latencyMs: 0,
      // Nobody reviews: the whole point of the baseline is that it costs no human time.
      reviewSeconds: 0,
    };
  }
}
