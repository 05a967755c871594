/**
 * The run's pure decisions: the seeded fraction of the initial labelled set, when a pass gave too few
 * labels, the plateau rule, and the metrics an iteration keeps from its evaluation. Nothing here reads a
 * database or a clock.
 */
import { createRng, mixSeed } from '../../dataset/prng.ts';
import type { RunConfig } from './run-config.ts';

/**
 * A pass gave too few labelled images to be worth training on: the run stops at this iteration. Under
 * 'instance' acceptance a part-accepted image counts as much as an approved one: both add labels.
 */
export const tooFewApprovals = (
  config: RunConfig,
  counts: { approved: number | null; accepted: number | null },
): boolean => {
  const gained = config.acceptance === 'instance' ? counts.accepted : counts.approved;
  return gained !== null && gained < config.stop.minApprovals;
};

/** `round(fraction * n)` of the ids, drawn by `seed`, in id order. */
export function sampleFraction(ids: readonly number[], fraction: number, seed: number): number[] {
  const rng = createRng(mixSeed(seed, 0x72756e));
  const shuffled = [...ids];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  return shuffled.slice(0, Math.round(fraction * ids.length)).sort((a, b) => a - b);
}

/**
 * True when mask AP has not improved by `minDelta` over the best before the last `patience` iterations
 * (iterations without a measurement are skipped).
 */
export function plateaued(
  aps: readonly (number | null)[],
  rule: { patience: number; minDelta: number },
): boolean {
  const measured = aps.filter((ap): ap is number => ap !== null);
  if (measured.length <= rule.patience) return false;
  const before = Math.max(...measured.slice(0, measured.length - rule.patience));
  const recent = Math.max(...measured.slice(measured.length - rule.patience));
  return recent < before + rule.minDelta;
}

const stat = (stats: unknown, i: number): number | null => {
  const v = Array.isArray(stats) ? stats[i] : undefined;
  return typeof v === 'number' && v >= 0 ? v : null;
};

/**
 * Mask AP from the evaluation's COCO summary, and box AP from the same detections where the evaluation
 * measured it (-1, "no ground truth", becomes null).
 */
export function metricsOf(result: Record<string, unknown> | null): Record<string, unknown> {
  const perCategory = (result?.perCategory ?? []) as { id: number; name: string; ap: number; ap50: number }[];
  const bbox = (result?.bbox as { stats?: unknown } | undefined)?.stats;
  return {
    segmAP: stat(result?.stats, 0),
    segmAP50: stat(result?.stats, 1),
    segmAP75: stat(result?.stats, 2),
    bboxAP: stat(bbox, 0),
    bboxAP50: stat(bbox, 1),
    bboxAP75: stat(bbox, 2),
    perCategory: perCategory.map((c) => ({
      id: c.id,
      name: c.name,
      ap: c.ap >= 0 ? c.ap : null,
      ap50: c.ap50 >= 0 ? c.ap50 : null,
    })),
  };
}

/** Mask AP of an iteration's metrics; null when it was not measured. */
export const segmAp = (metrics: Record<string, unknown> | null): number | null =>
  typeof metrics?.segmAP === 'number' ? metrics.segmAP : null;

/** The metrics' numbers (and nulls) alone: what `run.iteration.completed` carries. */
export function numericMetrics(metrics: Record<string, unknown> | null): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(metrics ?? {}))
    if (typeof value === 'number' || value === null) out[key] = value;
  return out;
}
