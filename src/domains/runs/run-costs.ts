/**
 * The cost ledger's arithmetic, pure: one part per kind of charge, computed from counts the run's
 * children stored, and the sums the API shows. Nothing here reads a database or a clock.
 */

export type CostKind = 'annotation' | 'review' | 'vlm' | 'training';

export interface CostSettings {
  annotationSecondsPerImage: number;
  annotationSecondsPerInstance: number;
  reviewSecondsPerImage: number;
  /**
   * Seconds a reviewer spends marking one wrong mask of an image accepted in part ('instance' acceptance):
   * the study's review is a yes/no per image, a marked mask is extra work. Absent in runs created before it.
   */
  reviewSecondsPerFlaggedInstance?: number;
  vlmUsdPerMillionInputTokens: number;
  vlmUsdPerMillionOutputTokens: number;
  humanUsdPerHour: number;
  computeUsdPerHour: { cpu: number; gpu: number };
}

/** The study's figures: 80 s to annotate an image, 3 s to review one; money only where prices are given. */
export const DEFAULT_COST_SETTINGS: CostSettings = {
  annotationSecondsPerImage: 80,
  annotationSecondsPerInstance: 0,
  reviewSecondsPerImage: 3,
  reviewSecondsPerFlaggedInstance: 2,
  vlmUsdPerMillionInputTokens: 2.5,
  vlmUsdPerMillionOutputTokens: 10,
  humanUsdPerHour: 0,
  computeUsdPerHour: { cpu: 0, gpu: 0 },
};

/** One ledger row before it is written. */
export interface CostPart {
  kind: CostKind;
  quantity: number;
  unit: string;
  seconds: number;
  usd: number;
  detail: Record<string, unknown>;
}

/** An iteration's charges summed, each part shown (docs/runs.md). */
export interface CostSummary {
  annotationSeconds: number;
  reviewSeconds: number;
  humanHours: number;
  vlmPromptTokens: number;
  vlmCompletionTokens: number;
  vlmUsd: number;
  trainingSeconds: number;
  /** The devices training ran on, comma-separated; null when nothing was trained. */
  trainingDevice: string | null;
  humanUsd: number;
  computeUsd: number;
  totalUsd: number;
}

const humanUsd = (seconds: number, s: CostSettings) => (seconds / 3600) * s.humanUsdPerHour;

/** Human seconds labelling the initial images from scratch: per image plus per instance. */
export function annotationCost(images: number, instances: number, s: CostSettings): CostPart {
  const seconds = images * s.annotationSecondsPerImage + instances * s.annotationSecondsPerInstance;
  return {
    kind: 'annotation',
    quantity: images,
    unit: 'images',
    seconds,
    usd: humanUsd(seconds, s),
    detail: {
      images,
      instances,
      secondsPerImage: s.annotationSecondsPerImage,
      secondsPerInstance: s.annotationSecondsPerInstance,
    },
  };
}

/**
 * Human seconds reviewing images, approved or not, plus marking the wrong masks of images accepted in
 * part (`flaggedInstances`). `measuredSeconds` (real reviewers' recorded time) replaces both when given.
 */
export function reviewCost(
  images: number,
  s: CostSettings,
  measuredSeconds?: number,
  detail: Record<string, unknown> = {},
  flaggedInstances = 0,
): CostPart {
  const perFlagged =
    s.reviewSecondsPerFlaggedInstance ?? DEFAULT_COST_SETTINGS.reviewSecondsPerFlaggedInstance!;
  const seconds = measuredSeconds ?? images * s.reviewSecondsPerImage + flaggedInstances * perFlagged;
  return {
    kind: 'review',
    quantity: images,
    unit: 'images',
    seconds,
    usd: humanUsd(seconds, s),
    detail: {
      ...detail,
      images,
      ...(measuredSeconds === undefined ? { secondsPerImage: s.reviewSecondsPerImage } : { measured: true }),
      ...(flaggedInstances > 0 &&
        measuredSeconds === undefined && { flaggedInstances, secondsPerFlaggedInstance: perFlagged }),
    },
  };
}

export function vlmCost(promptTokens: number, completionTokens: number, s: CostSettings): CostPart {
  const usd =
    (promptTokens / 1e6) * s.vlmUsdPerMillionInputTokens +
    (completionTokens / 1e6) * s.vlmUsdPerMillionOutputTokens;
  return {
    kind: 'vlm',
    quantity: promptTokens + completionTokens,
    unit: 'tokens',
    seconds: 0,
    usd,
    detail: { promptTokens, completionTokens },
  };
}

/** Compute seconds of training on a device (`cpu`, `cuda:0`, ...), priced per device kind. */
export function trainingCost(seconds: number, device: string | null, s: CostSettings): CostPart {
  const gpu = device?.startsWith('cuda') ?? false;
  const rate = gpu ? s.computeUsdPerHour.gpu : s.computeUsdPerHour.cpu;
  return {
    kind: 'training',
    quantity: seconds,
    unit: 'seconds',
    seconds,
    usd: (seconds / 3600) * rate,
    detail: { device },
  };
}

/** What the ledger needs of one trainer start (see TrainerRun in training-progress.ts). */
export interface TrainingAttempt {
  device: string;
  startIteration: number;
  startedAt: string;
  lastEventAt?: string;
  checkpoint?: { iteration: number; time: string };
}

/**
 * Wall seconds each interrupted attempt ran that the next one redid: from the checkpoint the next attempt
 * resumed at (all of it when that attempt resumed no later than this one started) to its last event.
 * The trainer's own `trainingSeconds` is saved with each checkpoint, so it counts the work kept and
 * never this. One number per attempt, the last (the one that finished) 0.
 */
export function lostSeconds(attempts: readonly TrainingAttempt[]): number[] {
  return attempts.map((a, k) => {
    const next = attempts[k + 1];
    if (!next || !a.lastEventAt) return 0;
    const keptUpTo = next.startIteration > a.startIteration && a.checkpoint ? a.checkpoint.time : a.startedAt;
    return Math.max(0, (Date.parse(a.lastEventAt) - Date.parse(keptUpTo)) / 1000);
  });
}

/**
 * A finished training: the trainer's seconds on its device, plus the seconds interrupted attempts lost
 * after their last checkpoint, each priced on the device it ran on.
 */
export function trainingAttemptsCost(
  trainerSeconds: number,
  device: string | null,
  attempts: readonly TrainingAttempt[],
  s: CostSettings,
): CostPart {
  const lost = lostSeconds(attempts);
  const lostTotal = lost.reduce((a, b) => a + b, 0);
  const part = trainingCost(trainerSeconds + lostTotal, device, s);
  const usd =
    trainingCost(trainerSeconds, device, s).usd +
    lost.reduce((sum, seconds, k) => sum + trainingCost(seconds, attempts[k].device, s).usd, 0);
  // The row says how it was counted only where a resumed job made it more than the trainer's count.
  if (attempts.length < 2) return part;
  return {
    ...part,
    usd,
    detail: { ...part.detail, trainerSeconds, lostSeconds: lostTotal, attempts: attempts.length },
  };
}

export const EMPTY_COST: CostSummary = {
  annotationSeconds: 0,
  reviewSeconds: 0,
  humanHours: 0,
  vlmPromptTokens: 0,
  vlmCompletionTokens: 0,
  vlmUsd: 0,
  trainingSeconds: 0,
  trainingDevice: null,
  humanUsd: 0,
  computeUsd: 0,
  totalUsd: 0,
};

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** Ledger rows summed into one summary; every total is the sum of the parts it shows. */
export function sumCosts(rows: readonly Omit<CostPart, 'unit'>[]): CostSummary {
  const out = { ...EMPTY_COST };
  const devices = new Set<string>();
  for (const row of rows) {
    if (row.kind === 'annotation') {
      out.annotationSeconds += row.seconds;
      out.humanUsd += row.usd;
    } else if (row.kind === 'review') {
      out.reviewSeconds += row.seconds;
      out.humanUsd += row.usd;
    } else if (row.kind === 'vlm') {
      out.vlmPromptTokens += num(row.detail.promptTokens);
      out.vlmCompletionTokens += num(row.detail.completionTokens);
      out.vlmUsd += row.usd;
    } else {
      out.trainingSeconds += row.seconds;
      out.computeUsd += row.usd;
      if (typeof row.detail.device === 'string') devices.add(row.detail.device);
    }
  }
  out.humanHours = humanHours(out);
  out.trainingDevice = devices.size > 0 ? [...devices].sort().join(',') : null;
  out.totalUsd = out.humanUsd + out.vlmUsd + out.computeUsd;
  return out;
}

/** Hours a person spent: annotating plus reviewing. */
export function humanHours(cost: Pick<CostSummary, 'annotationSeconds' | 'reviewSeconds'>): number {
  return (cost.annotationSeconds + cost.reviewSeconds) / 3600;
}
