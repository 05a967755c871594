import type { ProgressEvent } from './trainer-schemas.ts';

/** A job's progress as stored and shown: the latest of each kind of trainer event, plus one entry per run. */
export interface TrainingProgress {
  phase?: 'preparing' | 'training' | 'exporting' | 'finished';
  device?: string;
  iteration?: number;
  totalIterations?: number;
  epoch?: number;
  losses?: Record<string, number | null>;
  lr?: number;
  imagesPerSecond?: number;
  etaSeconds?: number;
  lastEvaluation?: {
    iteration: number;
    metrics: Record<string, number | null>;
    isBest?: boolean;
    bestSegmAP?: number | null;
    bestIteration?: number | null;
  };
  /** The last resumable checkpoint (checkpoints/last.pt), where a re-queued job picks up. */
  lastCheckpoint?: { iteration: number; reason: string; time: string };
  /** One entry per trainer start: a resumed run starts past 0. */
  runs?: TrainerRun[];
}

/** One trainer start (an attempt), with what the ledger needs to charge the time a kill threw away. */
export interface TrainerRun {
  attempt: number;
  workerId: string;
  device: string;
  startIteration: number;
  startedAt: string;
  /** The time of this run's latest event: how long it ran, as far as anyone can know after a kill. */
  lastEventAt?: string;
  /** Its latest resumable checkpoint: a later run resuming from it redoes only what came after. */
  checkpoint?: { iteration: number; time: string };
}

/** Folds one trainer event into the progress, and stamps the attempt's own entry with its time. */
export function applyEvent(
  progress: TrainingProgress,
  event: ProgressEvent,
  run: { attempt: number; workerId: string },
): { progress: TrainingProgress; urgent: boolean } {
  const next = foldEvent(progress, event, run);
  return { ...next, progress: stampRun(next.progress, event, run.attempt) };
}

function stampRun(progress: TrainingProgress, event: ProgressEvent, attempt: number): TrainingProgress {
  const runs = progress.runs ?? [];
  const last = runs.at(-1);
  if (!last || last.attempt !== attempt) return progress;
  const resumable = event.type === 'checkpoint' && event.reason !== 'best';
  const stamped: TrainerRun = {
    ...last,
    lastEventAt: event.time,
    ...(resumable && { checkpoint: { iteration: event.iteration, time: event.time } }),
  };
  return { ...progress, runs: [...runs.slice(0, -1), stamped] };
}

/** Folds one trainer event into the progress; `urgent` events are written at once, the rest throttled. */
function foldEvent(
  progress: TrainingProgress,
  event: ProgressEvent,
  run: { attempt: number; workerId: string },
): { progress: TrainingProgress; urgent: boolean } {
  switch (event.type) {
    case 'start':
      return {
        urgent: true,
        progress: {
          ...progress,
          phase: 'training',
          device: event.device,
          iteration: event.startIteration,
          totalIterations: event.totalIterations,
          runs: [
            ...(progress.runs ?? []),
            { ...run, device: event.device, startIteration: event.startIteration, startedAt: event.time },
          ],
        },
      };
    case 'iteration': {
      const { iteration, totalIterations, epoch, losses, lr, imagesPerSecond, etaSeconds } = event;
      return {
        urgent: iteration === totalIterations,
        progress: { ...progress, iteration, totalIterations, epoch, losses, lr, imagesPerSecond, etaSeconds },
      };
    }
    case 'evaluation': {
      const { iteration, metrics, isBest, bestSegmAP, bestIteration } = event;
      return {
        urgent: true,
        progress: { ...progress, lastEvaluation: { iteration, metrics, isBest, bestSegmAP, bestIteration } },
      };
    }
    case 'checkpoint':
      // best.pt is a model to export, not a place to resume from.
      if (event.reason === 'best') return { urgent: false, progress };
      return {
        urgent: true,
        progress: {
          ...progress,
          // The final checkpoint is written right before the export starts.
          phase: event.reason === 'final' ? 'exporting' : progress.phase,
          lastCheckpoint: { iteration: event.iteration, reason: event.reason, time: event.time },
        },
      };
    case 'export':
      return { urgent: true, progress };
    case 'done':
      return {
        urgent: true,
        progress: { ...progress, phase: 'finished', iteration: event.iterations, etaSeconds: 0 },
      };
    case 'error':
      return { urgent: true, progress };
  }
}
