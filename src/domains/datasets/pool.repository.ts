import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { images, labels } from '../../db/schema/index.ts';
import type { ImageRow, LabelSource, PoolState, Split } from './image.repository.ts';

/**
 * The one owner of an image's place in the pool: `images.pool_state` (labelled or not) and
 * `images.label_source_of_record` (whose labels it trains on). Every change of either after an image is
 * created (with the pool state its upload asked for, `image.repository.ts`) is one of the writes below,
 * and every query that needs "the labels of record" takes them from `labelsOfRecord`.
 */

// ---- writes ------------------------------------------------------------------------------------------

/** Labelled by a source (an import, a person): the labels given now are the images' labels of record. */
export async function markLabeled(
  ex: Executor,
  projectId: number,
  ids: number[],
  source: LabelSource,
): Promise<void> {
  await ex
    .update(images)
    .set({ poolState: 'labeled', labelSourceOfRecord: source })
    .where(and(eq(images.projectId, projectId), inArray(images.id, ids)));
}

/** Moves images in or out of the labelled pool by hand; their labels of record stay as they were. */
export function setPoolState(
  ex: Executor,
  projectId: number,
  ids: number[],
  poolState: PoolState,
): Promise<ImageRow[]> {
  return ex
    .update(images)
    .set({ poolState })
    .where(and(eq(images.projectId, projectId), inArray(images.id, ids)))
    .returning();
}

/**
 * Moves an approved image to the labelled pool with its approved predictions as the labels of record;
 * false when it is no longer in the unlabelled pool (labelled meanwhile, or approved by another pass).
 */
export async function acceptImage(ex: Executor, projectId: number, imageId: number): Promise<boolean> {
  const rows = await ex
    .update(images)
    .set({ poolState: 'labeled', labelSourceOfRecord: 'approved_prediction' })
    .where(and(eq(images.projectId, projectId), eq(images.id, imageId), eq(images.poolState, 'unlabeled')))
    .returning({ id: images.id });
  return rows.length > 0;
}

/**
 * Takes back a withdrawn approval: the labels this pass's verdict made for the image are deleted and the
 * image returns to the unlabelled pool, its labels of record those of a person, else of an import (as
 * `applyInitialLabels` leaves a pool image), else none.
 */
export async function withdrawAcceptance(
  ex: Executor,
  projectId: number,
  imageId: number,
  passId: number,
): Promise<void> {
  await ex.execute(sql`
    delete from ${labels} where ${labels.imageId} = ${imageId} and ${labels.source} = 'approved_prediction'
      and ${labels.provenance}->>'passId' = ${String(passId)}`);
  await ex.execute(sql`
    update ${images} set pool_state = 'unlabeled'::pool_state,
      label_source_of_record = case
        when exists (select 1 from ${labels} l where l.image_id = ${imageId} and l.source = 'human') then 'human'::label_source
        when exists (select 1 from ${labels} l where l.image_id = ${imageId} and l.source = 'import') then 'import'::label_source
      end
    where ${images.projectId} = ${projectId} and ${images.id} = ${imageId}`);
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

// ---- the labelled pool and its labels of record ------------------------------------------------------

const splitIn = (splits: readonly Split[]): SQL =>
  sql`i.split in (${sql.join(
    splits.map((s) => sql`${s}`),
    sql`, `,
  )})`;

/** `select i.id`: the project's labelled images of these splits (alias `i`). */
export function labeledImages(projectId: number, splits: readonly Split[]): SQL {
  return sql`select i.id from ${images} i
    where i.project_id = ${projectId} and ${splitIn(splits)} and i.pool_state = 'labeled'`;
}

/**
 * `select l.id, l.source`: the labels of record of the project's labelled images of these splits. Of each
 * image only the labels of its source of record count (all of them when it has none): an image approved
 * from the pool trains on the approved predictions, never on hidden ground truth it may carry for the oracle.
 */
export function labelsOfRecord(projectId: number, splits: readonly Split[]): SQL {
  return sql`select l.id, l.source from ${labels} l join ${images} i on i.id = l.image_id
    where i.project_id = ${projectId} and ${splitIn(splits)} and i.pool_state = 'labeled'
      and (i.label_source_of_record is null or l.source = i.label_source_of_record)`;
}

/** The ids a query of `labeledImages` or `labelsOfRecord` selects, as a sorted array ('{}' for none). */
export const idArray = (query: SQL): SQL =>
  sql`coalesce((select array_agg(q.id order by q.id) from (${query}) q), '{}')`;

/** The labelled train images and their labels of record: the initial set charged as annotation. */
export async function labeledTrainSize(
  ex: Executor,
  projectId: number,
): Promise<{ images: number; instances: number }> {
  const result = await ex.execute<{ images: number; instances: number }>(sql`
    select (select count(*)::int from (${labeledImages(projectId, ['train'])}) li) as images,
      (select count(*)::int from (${labelsOfRecord(projectId, ['train'])}) lr) as instances`);
  return result.rows[0];
}

// ---- the pool as a run sees it -----------------------------------------------------------------------

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
