import { and, asc, eq, gt, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { labelSnapshots, modelVersions, trainingJobs, workers } from '../../db/schema/index.ts';

export type TrainingJobRow = typeof trainingJobs.$inferSelect;
export type NewTrainingJob = Omit<typeof trainingJobs.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;
export type TrainingStatus = TrainingJobRow['status'];

/** A job with the size of its label snapshot and the model version it produced. */
export interface TrainingJobView {
  job: TrainingJobRow;
  trainImages: number;
  valImages: number;
  labels: number;
  modelVersionId: number | null;
}

const viewColumns = {
  job: trainingJobs,
  trainImages: sql<number>`cardinality(${labelSnapshots.trainImageIds})`,
  valImages: sql<number>`cardinality(${labelSnapshots.valImageIds})`,
  labels: sql<number>`cardinality(${labelSnapshots.labelIds})`,
  modelVersionId: modelVersions.id,
};

const selectViews = (ex: Executor) =>
  ex
    .select(viewColumns)
    .from(trainingJobs)
    .innerJoin(labelSnapshots, eq(labelSnapshots.id, trainingJobs.labelSnapshotId))
    .leftJoin(modelVersions, eq(modelVersions.trainingJobId, trainingJobs.id));

export async function insertTrainingJob(ex: Executor, values: NewTrainingJob): Promise<TrainingJobRow> {
  const [row] = await ex.insert(trainingJobs).values(values).returning();
  return row;
}

export async function setQueueJobId(ex: Executor, id: number, queueJobId: string): Promise<void> {
  await ex.update(trainingJobs).set({ queueJobId }).where(eq(trainingJobs.id, id));
}

export function listTrainingJobs(
  ex: Executor,
  projectId: number,
  filter: { status?: TrainingStatus },
  page: { afterId: number; limit: number },
): Promise<TrainingJobView[]> {
  const clauses = [eq(trainingJobs.projectId, projectId), gt(trainingJobs.id, page.afterId)];
  if (filter.status) clauses.push(eq(trainingJobs.status, filter.status));
  return selectViews(ex)
    .where(and(...clauses))
    .orderBy(asc(trainingJobs.id))
    .limit(page.limit);
}

export async function findTrainingJob(
  ex: Executor,
  projectId: number,
  id: number,
): Promise<TrainingJobView | undefined> {
  const [row] = await selectViews(ex).where(
    and(eq(trainingJobs.projectId, projectId), eq(trainingJobs.id, id)),
  );
  return row;
}

/** Jobs by id, any project: for callers that reached the ids through a project already. */
export function trainingJobsByIds(ex: Executor, ids: number[]): Promise<TrainingJobView[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return selectViews(ex).where(inArray(trainingJobs.id, ids));
}

export async function findTrainingJobById(ex: Executor, id: number): Promise<TrainingJobRow | undefined> {
  const [row] = await ex.select().from(trainingJobs).where(eq(trainingJobs.id, id));
  return row;
}

/** Cancels a job that has not ended; undefined when it already had. */
export async function cancelTrainingJob(
  ex: Executor,
  projectId: number,
  id: number,
): Promise<TrainingJobRow | undefined> {
  const [row] = await ex
    .update(trainingJobs)
    .set({ status: 'cancelled', finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(
      and(
        eq(trainingJobs.projectId, projectId),
        eq(trainingJobs.id, id),
        inArray(trainingJobs.status, ['queued', 'running']),
      ),
    )
    .returning();
  return row;
}

/** True when the job's worker has not heartbeaten within `staleAfterMs` (or is gone). */
const workerIsDead = (staleAfterMs: number): SQL =>
  sql`not exists (select 1 from ${workers} w where w.id = ${trainingJobs.workerId} and w.stopped_at is null
    and w.last_heartbeat_at > now() - ${staleAfterMs} * interval '1 millisecond')`;

/**
 * Takes a job for `workerId`: a queued one, or a running one whose worker died. Bumps the attempt, the
 * fencing token every later write of this worker must show. Undefined: nothing to do (ended, or alive elsewhere).
 */
export async function claimTrainingJob(
  ex: Executor,
  id: number,
  workerId: string,
  staleAfterMs: number,
): Promise<TrainingJobRow | undefined> {
  const [row] = await ex
    .update(trainingJobs)
    .set({
      status: 'running',
      workerId,
      trainerPid: null,
      attempt: sql`${trainingJobs.attempt} + 1`,
      startedAt: sql`coalesce(${trainingJobs.startedAt}, now())`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(trainingJobs.id, id),
        sql`(${trainingJobs.status} = 'queued' or (${trainingJobs.status} = 'running' and ${workerIsDead(staleAfterMs)}))`,
      ),
    )
    .returning();
  return row;
}

/** Writes to a running job only while `attempt` still owns it; false when it no longer does (cancelled, re-queued). */
export async function updateOwnedJob(
  ex: Executor,
  id: number,
  attempt: number,
  values: Partial<Pick<TrainingJobRow, 'progress' | 'trainerPid' | 'status' | 'error'>> & {
    finished?: boolean;
  },
): Promise<boolean> {
  const { finished, ...rest } = values;
  const rows = await ex
    .update(trainingJobs)
    .set({ ...rest, updatedAt: sql`now()`, ...(finished && { finishedAt: sql`now()` }) })
    .where(
      and(eq(trainingJobs.id, id), eq(trainingJobs.attempt, attempt), eq(trainingJobs.status, 'running')),
    )
    .returning({ id: trainingJobs.id });
  return rows.length > 0;
}

/** Puts a job this attempt owns back in the queue (the worker is shutting down). */
export async function requeueOwnedJob(
  ex: Executor,
  id: number,
  attempt: number,
): Promise<TrainingJobRow | undefined> {
  const [row] = await ex
    .update(trainingJobs)
    .set({ status: 'queued', workerId: null, trainerPid: null, updatedAt: sql`now()` })
    .where(
      and(eq(trainingJobs.id, id), eq(trainingJobs.attempt, attempt), eq(trainingJobs.status, 'running')),
    )
    .returning();
  return row;
}

/** Puts every running job whose worker died back in the queue; locks the rows until the caller commits. */
export function requeueOrphanedJobs(ex: Executor, staleAfterMs: number): Promise<TrainingJobRow[]> {
  return ex
    .update(trainingJobs)
    .set({ status: 'queued', workerId: null, trainerPid: null, updatedAt: sql`now()` })
    .where(and(eq(trainingJobs.status, 'running'), workerIsDead(staleAfterMs)))
    .returning();
}

export async function jobStatuses(
  ex: Executor,
  ids: number[],
): Promise<Map<number, { status: TrainingStatus; attempt: number }>> {
  if (ids.length === 0) return new Map();
  const rows = await ex
    .select({ id: trainingJobs.id, status: trainingJobs.status, attempt: trainingJobs.attempt })
    .from(trainingJobs)
    .where(inArray(trainingJobs.id, ids));
  return new Map(rows.map((r) => [r.id, { status: r.status, attempt: r.attempt }]));
}
