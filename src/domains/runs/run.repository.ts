import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import {
  evaluations,
  labels,
  passes,
  passImages,
  runCosts,
  runIterations,
  runs,
} from '../../db/schema/index.ts';
import { idArray, labeledImages, labelsOfRecord } from '../datasets/pool.repository.ts';

export type RunRow = typeof runs.$inferSelect;
export type NewRun = Omit<typeof runs.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;
export type RunStatus = RunRow['status'];
export type StopReason = NonNullable<RunRow['stopReason']>;
export type RunIterationRow = typeof runIterations.$inferSelect;
export type RunStep = RunIterationRow['step'];
export type RunCostRow = typeof runCosts.$inferSelect;
export type NewRunCost = Omit<typeof runCosts.$inferInsert, 'id' | 'createdAt'>;

export const ACTIVE_STATUSES: RunStatus[] = ['queued', 'running', 'paused'];

export async function insertRun(ex: Executor, values: NewRun): Promise<RunRow> {
  const [row] = await ex.insert(runs).values(values).returning();
  return row;
}

export async function findRun(ex: Executor, projectId: number, id: number): Promise<RunRow | undefined> {
  const [row] = await ex
    .select()
    .from(runs)
    .where(and(eq(runs.projectId, projectId), eq(runs.id, id)));
  return row;
}

/** Locks the run for the caller's transaction: steps, pauses and cancels of one run take turns. */
export async function lockRun(ex: Executor, id: number): Promise<RunRow | undefined> {
  const [row] = await ex.select().from(runs).where(eq(runs.id, id)).for('update');
  return row;
}

export async function activeRunOf(ex: Executor, projectId: number): Promise<RunRow | undefined> {
  const [row] = await ex
    .select()
    .from(runs)
    .where(and(eq(runs.projectId, projectId), inArray(runs.status, ACTIVE_STATUSES)));
  return row;
}

export function listRuns(
  ex: Executor,
  projectId: number,
  filter: { status?: RunStatus; ids?: number[] },
  page: { afterId: number; limit: number },
): Promise<RunRow[]> {
  const clauses = [eq(runs.projectId, projectId), gt(runs.id, page.afterId)];
  if (filter.status) clauses.push(eq(runs.status, filter.status));
  if (filter.ids) clauses.push(inArray(runs.id, filter.ids));
  return ex
    .select()
    .from(runs)
    .where(and(...clauses))
    .orderBy(asc(runs.id))
    .limit(page.limit);
}

type RunUpdate = Partial<Pick<RunRow, 'status' | 'stopReason' | 'iteration' | 'error'>> & {
  started?: boolean;
  finished?: boolean;
  clearNextStep?: boolean;
};

export async function updateRun(ex: Executor, id: number, values: RunUpdate): Promise<RunRow> {
  const { started, finished, clearNextStep, ...rest } = values;
  const [row] = await ex
    .update(runs)
    .set({
      ...rest,
      updatedAt: sql`now()`,
      ...(started && { startedAt: sql`coalesce(${runs.startedAt}, now())` }),
      ...(finished && { finishedAt: sql`now()` }),
      ...(clearNextStep && { nextStepAt: null }),
    })
    .where(eq(runs.id, id))
    .returning();
  return row;
}

/**
 * Claims the right to send the run's next delayed step: true unless a step sent earlier is still due
 * later than now, so one run never has two delayed chains of steps.
 */
export async function claimNextStep(ex: Executor, id: number, delaySeconds: number): Promise<boolean> {
  const rows = await ex
    .update(runs)
    .set({ nextStepAt: sql`now() + ${delaySeconds} * interval '1 second'` })
    .where(and(eq(runs.id, id), sql`(${runs.nextStepAt} is null or ${runs.nextStepAt} <= now())`))
    .returning({ id: runs.id });
  return rows.length > 0;
}

/**
 * Active runs whose steps went quiet (the message was lost with a dead worker, or its retries ran
 * out): marks them due again so the caller re-sends one step each.
 */
export async function kickStalledRuns(ex: Executor, staleAfterMs: number): Promise<number[]> {
  const stale = sql`now() - ${staleAfterMs} * interval '1 millisecond'`;
  const rows = await ex
    .update(runs)
    // Due now: the step the caller sends may send the next delayed one; not kicked again for a while.
    .set({ nextStepAt: sql`now()` })
    .where(
      sql`${runs.status} in ('queued', 'running') and ${runs.updatedAt} < ${stale}
        and (${runs.nextStepAt} is null or ${runs.nextStepAt} < ${stale})`,
    )
    .returning({ id: runs.id });
  return rows.map((r) => r.id);
}

/**
 * Evaluations a running run waits on that are still queued after `staleAfterMs`: the candidates whose
 * `evaluation.run` message may be gone (the caller asks the queue which of them still have one).
 */
export async function awaitedQueuedEvaluations(ex: Executor, staleAfterMs: number): Promise<number[]> {
  const stale = sql`now() - ${staleAfterMs} * interval '1 millisecond'`;
  const result = await ex.execute<{ id: number }>(sql`
    select e.id::int as id from ${runIterations} ri
      join ${runs} r on r.id = ri.run_id and r.iteration = ri.iteration
      join ${evaluations} e on e.id = ri.evaluation_id
    where r.status = 'running' and ri.step = 'evaluate' and e.status = 'queued' and e.created_at < ${stale}
    order by e.id`);
  return result.rows.map((r) => r.id);
}

// ---- iterations ------------------------------------------------------------------------------------

export function iterationsOf(ex: Executor, runIds: number[]): Promise<RunIterationRow[]> {
  if (runIds.length === 0) return Promise.resolve([]);
  return ex
    .select()
    .from(runIterations)
    .where(inArray(runIterations.runId, runIds))
    .orderBy(asc(runIterations.runId), asc(runIterations.iteration));
}

export async function findIteration(
  ex: Executor,
  runId: number,
  iteration: number,
): Promise<RunIterationRow | undefined> {
  const [row] = await ex
    .select()
    .from(runIterations)
    .where(and(eq(runIterations.runId, runId), eq(runIterations.iteration, iteration)));
  return row;
}

/** The iteration's row, created at its first step; an existing one is returned as it is. */
export async function ensureIteration(
  ex: Executor,
  runId: number,
  iteration: number,
  step: RunStep,
): Promise<RunIterationRow> {
  await ex.insert(runIterations).values({ runId, iteration, step }).onConflictDoNothing();
  return (await findIteration(ex, runId, iteration))!;
}

type IterationUpdate = Partial<
  Omit<RunIterationRow, 'id' | 'runId' | 'iteration' | 'createdAt' | 'updatedAt' | 'finishedAt'>
> & { finished?: boolean };

export async function updateIteration(
  ex: Executor,
  id: number,
  values: IterationUpdate,
): Promise<RunIterationRow> {
  const { finished, ...rest } = values;
  const [row] = await ex
    .update(runIterations)
    .set({ ...rest, updatedAt: sql`now()`, ...(finished && { finishedAt: sql`now()` }) })
    .where(eq(runIterations.id, id))
    .returning();
  return row;
}

/** The active run whose current iteration has this child, if any. */
export async function runWaitingOn(
  ex: Executor,
  child: { trainingJobId?: number; evaluationId?: number; passId?: number },
): Promise<number | undefined> {
  const match =
    child.trainingJobId !== undefined
      ? and(eq(runIterations.trainingJobId, child.trainingJobId), eq(runIterations.step, 'train'))
      : child.evaluationId !== undefined
        ? and(eq(runIterations.evaluationId, child.evaluationId), eq(runIterations.step, 'evaluate'))
        : child.passId !== undefined
          ? and(
              eq(runIterations.passId, child.passId),
              eq(runIterations.step, 'pass'),
              sql`exists (select 1 from ${passes} p where p.id = ${child.passId}
                and p.status in ('completed', 'failed', 'cancelled'))`,
            )
          : undefined;
  if (!match) return undefined;
  const [row] = await ex
    .select({ runId: runs.id })
    .from(runIterations)
    .innerJoin(runs, and(eq(runs.id, runIterations.runId), eq(runs.iteration, runIterations.iteration)))
    .where(and(match, eq(runs.status, 'running')));
  return row?.runId;
}

// ---- the cost ledger -------------------------------------------------------------------------------

/** Writes each part once: a row that exists for (run, iteration, kind) stays as it was. */
export async function insertCosts(ex: Executor, rows: NewRunCost[]): Promise<number> {
  if (rows.length === 0) return 0;
  const written = await ex
    .insert(runCosts)
    .values(rows)
    .onConflictDoNothing({ target: [runCosts.runId, runCosts.iteration, runCosts.kind] })
    .returning({ id: runCosts.id });
  return written.length;
}

export function costsOf(ex: Executor, runIds: number[], upToIteration?: number): Promise<RunCostRow[]> {
  if (runIds.length === 0) return Promise.resolve([]);
  const clauses = [inArray(runCosts.runId, runIds)];
  if (upToIteration !== undefined) clauses.push(lte(runCosts.iteration, upToIteration));
  return ex
    .select()
    .from(runCosts)
    .where(and(...clauses))
    .orderBy(asc(runCosts.runId), asc(runCosts.iteration), asc(runCosts.id));
}

/** The VLM tokens a pass's verdicts used, as each verdict recorded them. */
export async function passTokens(
  ex: Executor,
  passId: number,
): Promise<{ prompt: number; completion: number }> {
  const [row] = await ex
    .select({
      prompt: sql<number>`coalesce(sum((${passImages.judgeVerdict}->'tokens'->>'prompt')::bigint), 0)::float8`,
      completion: sql<number>`coalesce(sum((${passImages.judgeVerdict}->'tokens'->>'completion')::bigint), 0)::float8`,
    })
    .from(passImages)
    .where(eq(passImages.passId, passId));
  return row;
}

// ---- reusing a model version for iteration 0 ----------------------------------------------------------

/** A labelled set as a training job would freeze it: image ids per split, label ids, labels per source. */
export interface LabelSet {
  trainImageIds: number[];
  valImageIds: number[];
  labelIds: number[];
  labelSources: Record<string, number>;
  categories: { id: number; name: string }[];
}

/**
 * The snapshot's labelled set beside the project's as it is now, selected the way `freezeSnapshot`
 * selects it (train and val images labelled, their labels of record: `pool.repository.ts`), so the
 * two are comparable id for id.
 */
export async function labelSetsOf(
  ex: Executor,
  projectId: number,
  snapshotId: number,
): Promise<{ snapshot: LabelSet; current: LabelSet } | undefined> {
  const sourcesOf = (ids: ReturnType<typeof sql>) =>
    sql`coalesce((select jsonb_object_agg(source, n) from (select l.source, count(*)::int as n
      from ${labels} l where l.id = any(${ids}) group by l.source) s), '{}'::jsonb)`;
  const currentLabels = idArray(labelsOfRecord(projectId, ['train', 'val']));
  type Row = { train: string[]; val: string[]; labels: string[]; sources: Record<string, number> };
  const result = await ex.execute<{
    snapshot: Row & { categories: LabelSet['categories'] };
    current: Row;
  }>(sql`
    select json_build_object('train', s.train_image_ids, 'val', s.val_image_ids, 'labels', s.label_ids,
        'sources', ${sourcesOf(sql`s.label_ids`)}, 'categories', s.categories) as snapshot,
      json_build_object('train', ${idArray(labeledImages(projectId, ['train']))},
        'val', ${idArray(labeledImages(projectId, ['val']))}, 'labels', c.ids,
        'sources', ${sourcesOf(sql`c.ids`)}) as current
    from label_snapshots s, (select ${currentLabels} as ids) c
    where s.id = ${snapshotId} and s.project_id = ${projectId}`);
  const row = result.rows[0];
  if (!row) return undefined;
  const categories = await ex.execute<{ id: number; name: string }>(
    sql`select id::int as id, name from categories where project_id = ${projectId} order by id`,
  );
  const toSet = (r: Row, cats: LabelSet['categories']): LabelSet => ({
    trainImageIds: r.train.map(Number),
    valImageIds: r.val.map(Number),
    labelIds: r.labels.map(Number),
    labelSources: r.sources,
    categories: cats.map((c) => ({ id: Number(c.id), name: c.name })),
  });
  return {
    snapshot: toSet(row.snapshot, row.snapshot.categories),
    current: toSet(row.current, categories.rows),
  };
}

/** The run whose iteration trained with this job (not one that reused its model): where a reused model came from. */
export async function runThatTrained(ex: Executor, trainingJobId: number): Promise<number | undefined> {
  const [row] = await ex
    .select({ runId: runIterations.runId })
    .from(runIterations)
    .innerJoin(runs, eq(runs.id, runIterations.runId))
    .where(
      and(
        eq(runIterations.trainingJobId, trainingJobId),
        sql`not (${runIterations.iteration} = 0 and jsonb_typeof(${runs.config}->'initialModel') = 'object')`,
      ),
    )
    .orderBy(asc(runIterations.runId))
    .limit(1);
  return row?.runId;
}

/** Masks a pass's reviewers marked wrong on images accepted in part: its crowd (ignore) labels. */
export async function flaggedInstances(ex: Executor, passId: number): Promise<number> {
  const [row] = await ex
    .select({ n: sql<number>`count(*)::int` })
    .from(labels)
    .where(
      and(
        eq(labels.iscrowd, true),
        eq(labels.source, 'approved_prediction'),
        sql`(${labels.provenance}->>'passId')::bigint = ${passId}`,
      ),
    );
  return row.n;
}
