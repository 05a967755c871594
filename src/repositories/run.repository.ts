import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Executor } from '../db/database.ts';
import {
  evaluations,
  images,
  labels,
  passes,
  passImages,
  runCosts,
  runIterations,
  runs,
  workers,
} from '../db/schema.ts';
import { QUEUE_SCHEMA } from '../queue/queue.ts';

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
 * Evaluations a running run waits on whose `evaluation.run` message is gone: none waiting, and none held
 * by a live worker (a worker killed mid-evaluation holds its message until pg-boss expires it, an hour
 * later). The caller sends each one a new message.
 */
export async function orphanedEvaluations(ex: Executor, staleAfterMs: number): Promise<number[]> {
  const stale = sql`now() - ${staleAfterMs} * interval '1 millisecond'`;
  const result = await ex.execute<{ id: number }>(sql`
    select e.id::int as id from ${runIterations} ri
      join ${runs} r on r.id = ri.run_id and r.iteration = ri.iteration
      join ${evaluations} e on e.id = ri.evaluation_id
    where r.status = 'running' and ri.step = 'evaluate' and e.status = 'queued' and e.created_at < ${stale}
      and not exists (select 1 from ${sql.raw(QUEUE_SCHEMA)}.job j
        where j.name = 'evaluation.run' and j.data->>'evaluationId' = e.id::text
          and (j.state in ('created', 'retry') or (j.state = 'active' and (j.started_on > ${stale}
            or exists (select 1 from ${workers} w where w.stopped_at is null and w.last_heartbeat_at > ${stale}
              and w.current_jobs @> jsonb_build_array(jsonb_build_object('queueJobId', j.id::text)))))))`);
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

// ---- the project's pool, as a run sees it ------------------------------------------------------------

/** An image has ground truth when a person or an import labelled it (even with nothing there). */
const hasTruth = sql`(${images.labelSourceOfRecord} in ('import', 'human') or exists (
  select 1 from ${labels} l where l.image_id = ${images.id} and l.source in ('import', 'human')))`;

export interface PoolCounts {
  train: number;
  labeled: number;
  unlabeled: number;
  /** Train images with ground truth: what a fraction can label. */
  trainWithTruth: number;
  /** Unlabelled train images with ground truth: what the oracle can judge. */
  unlabeledWithTruth: number;
  valLabeled: number;
  test: number;
}

export async function poolCounts(ex: Executor, projectId: number): Promise<PoolCounts> {
  const n = (where: ReturnType<typeof sql>) => sql<number>`(count(*) filter (where ${where}))::int`;
  const train = sql`${images.split} = 'train'`;
  const [row] = await ex
    .select({
      train: n(train),
      labeled: n(sql`${train} and ${images.poolState} = 'labeled'`),
      unlabeled: n(sql`${train} and ${images.poolState} = 'unlabeled'`),
      trainWithTruth: n(sql`${train} and ${hasTruth}`),
      unlabeledWithTruth: n(sql`${train} and ${images.poolState} = 'unlabeled' and ${hasTruth}`),
      valLabeled: n(sql`${images.split} = 'val' and ${images.poolState} = 'labeled'`),
      test: n(sql`${images.split} = 'test'`),
    })
    .from(images)
    .where(eq(images.projectId, projectId));
  return row;
}

/** Ids of the project's train images with ground truth, in id order: what a fraction draws from. */
export async function trainImagesWithTruth(ex: Executor, projectId: number): Promise<number[]> {
  const rows = await ex
    .select({ id: images.id })
    .from(images)
    .where(and(eq(images.projectId, projectId), eq(images.split, 'train'), hasTruth))
    .orderBy(asc(images.id));
  return rows.map((r) => r.id);
}

/**
 * The simulation's start: `labeledIds` become labelled with their ground truth, every other train image
 * with ground truth unlabelled (its truth hidden from training, kept for the oracle), and the labels an
 * earlier simulation accepted from predictions are removed. Deterministic, so a repeated step changes nothing.
 */
export async function applyInitialLabels(
  ex: Executor,
  projectId: number,
  labeledIds: number[],
): Promise<void> {
  await ex.execute(sql`
    delete from ${labels} d using ${images}
    where d.image_id = ${images.id} and ${images.projectId} = ${projectId} and ${images.split} = 'train'
      and d.source = 'approved_prediction' and ${hasTruth}`);
  const chosen = labeledIds.length > 0 ? inArray(images.id, labeledIds) : sql`false`;
  await ex.execute(sql`
    update ${images} set
      pool_state = case when ${chosen} then 'labeled'::pool_state else 'unlabeled'::pool_state end,
      label_source_of_record = case when ${images.labelSourceOfRecord} = 'human'
        then 'human'::label_source else 'import'::label_source end
    where ${images.projectId} = ${projectId} and ${images.split} = 'train' and ${hasTruth}`);
}

/** The labelled train images and their labels of record: the initial set charged as annotation. */
export async function labeledTrainSize(
  ex: Executor,
  projectId: number,
): Promise<{ images: number; instances: number }> {
  const result = await ex.execute<{ images: number; instances: number }>(sql`
    select (select count(*)::int from ${images} i where i.project_id = ${projectId} and i.split = 'train'
        and i.pool_state = 'labeled') as images,
      (select count(*)::int from ${labels} l join ${images} i on i.id = l.image_id
        where i.project_id = ${projectId} and i.split = 'train' and i.pool_state = 'labeled'
          and (i.label_source_of_record is null or l.source = i.label_source_of_record)) as instances`);
  return result.rows[0];
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
 * selects it (train and val images labelled, of each only the labels of its source of record), so the
 * two are comparable id for id.
 */
export async function labelSetsOf(
  ex: Executor,
  projectId: number,
  snapshotId: number,
): Promise<{ snapshot: LabelSet; current: LabelSet } | undefined> {
  const idsOf = (split: 'train' | 'val') =>
    sql`coalesce((select array_agg(i.id order by i.id) from ${images} i
      where i.project_id = ${projectId} and i.split = ${split} and i.pool_state = 'labeled'), '{}')`;
  const sourcesOf = (ids: ReturnType<typeof sql>) =>
    sql`coalesce((select jsonb_object_agg(source, n) from (select l.source, count(*)::int as n
      from ${labels} l where l.id = any(${ids}) group by l.source) s), '{}'::jsonb)`;
  const currentLabels = sql`coalesce((select array_agg(l.id order by l.id) from ${labels} l
    join ${images} i on i.id = l.image_id
    where i.project_id = ${projectId} and i.split in ('train', 'val') and i.pool_state = 'labeled'
      and (i.label_source_of_record is null or l.source = i.label_source_of_record)), '{}')`;
  type Row = { train: string[]; val: string[]; labels: string[]; sources: Record<string, number> };
  const result = await ex.execute<{
    snapshot: Row & { categories: LabelSet['categories'] };
    current: Row;
  }>(sql`
    select json_build_object('train', s.train_image_ids, 'val', s.val_image_ids, 'labels', s.label_ids,
        'sources', ${sourcesOf(sql`s.label_ids`)}, 'categories', s.categories) as snapshot,
      json_build_object('train', ${idsOf('train')}, 'val', ${idsOf('val')}, 'labels', c.ids,
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
