/** How a run ends: finished and announced, and the child its iteration waited on cancelled with it. */
import type { ClientTransaction } from '../../db/client-transaction.ts';
import type { Executor } from '../../db/database.ts';
import type { EventBus } from '../../events/event-bus.ts';
import * as passRepo from '../passes/pass.repository.ts';
import * as trainingRepo from '../training/training-job.repository.ts';
import type { RunIterationRow, RunRow, StopReason } from './run.repository.ts';
import * as repo from './run.repository.ts';

/** Ends a run and announces it in the same transaction. */
export async function finishRun(
  tx: ClientTransaction,
  events: EventBus,
  run: RunRow,
  status: 'succeeded' | 'failed' | 'cancelled',
  stopReason: StopReason,
  error?: { code: string; message: string },
): Promise<RunRow> {
  const ended = await repo.updateRun(tx.db, run.id, {
    status,
    stopReason,
    finished: true,
    clearNextStep: true,
    ...(error && { error }),
  });
  const closed = (await repo.iterationsOf(tx.db, [run.id])).filter((r) => r.status === 'completed');
  await events.publish(
    'run.completed',
    { projectId: run.projectId, runId: run.id, iterations: closed.length, status, stopReason },
    { tx },
  );
  return ended;
}

/**
 * Cancels the child an iteration is waiting on, in the caller's transaction (the run's cancel): the
 * child can never outlive the run that owns it, and the ledger written next sees it ended. A pass's
 * images in flight are never accepted afterwards (verdict writes check that the pass is live); an
 * evaluation is left to finish (it only reads).
 */
export async function cancelChild(ex: Executor, projectId: number, it: RunIterationRow): Promise<void> {
  if (it.step === 'train' && it.trainingJobId)
    await trainingRepo.cancelTrainingJob(ex, projectId, it.trainingJobId);
  if (it.step === 'pass' && it.passId) await passRepo.cancelPass(ex, projectId, it.passId);
}
