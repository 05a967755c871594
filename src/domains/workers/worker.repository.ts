import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { workers } from '../../db/schema/index.ts';

export type WorkerRow = typeof workers.$inferSelect;
export type NewWorker = Pick<WorkerRow, 'id' | 'hostname' | 'pid' | 'devices' | 'slots' | 'queues'>;

/** Registers a worker; registering the same id again (after its row was pruned) revives it. */
export async function insertWorker(ex: Executor, values: NewWorker): Promise<WorkerRow> {
  const [row] = await ex
    .insert(workers)
    .values(values)
    .onConflictDoUpdate({ target: workers.id, set: { stoppedAt: null, lastHeartbeatAt: sql`now()` } })
    .returning();
  return row;
}

/** Records a heartbeat with the jobs in hand; false when the row is gone or marked stopped. */
export async function heartbeat(
  ex: Executor,
  id: string,
  currentJobs: Record<string, unknown>[],
): Promise<boolean> {
  const rows = await ex
    .update(workers)
    .set({ lastHeartbeatAt: sql`now()`, currentJobs })
    .where(and(eq(workers.id, id), isNull(workers.stoppedAt)))
    .returning({ id: workers.id });
  return rows.length > 0;
}

export async function markStopped(ex: Executor, id: string): Promise<void> {
  await ex.update(workers).set({ stoppedAt: sql`now()`, currentJobs: [] }).where(eq(workers.id, id));
}

/** Workers that heartbeat within `staleAfterMs`, oldest first. */
export function listLiveWorkers(ex: Executor, staleAfterMs: number): Promise<WorkerRow[]> {
  return ex
    .select()
    .from(workers)
    .where(
      and(
        isNull(workers.stoppedAt),
        gt(workers.lastHeartbeatAt, sql`now() - ${staleAfterMs} * interval '1 millisecond'`),
      ),
    )
    .orderBy(asc(workers.startedAt));
}

/** Forgets workers silent for a day: the table stays the size of the pool. */
export async function pruneWorkers(ex: Executor): Promise<void> {
  await ex.delete(workers).where(sql`${workers.lastHeartbeatAt} < now() - interval '1 day'`);
}
