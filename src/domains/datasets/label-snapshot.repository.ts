import { asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { images, labelSnapshots, labels } from '../../db/schema/index.ts';
import type { ImageRow } from './image.repository.ts';
import type { LabelRow } from './label.repository.ts';
import { idArray, labeledImages, labelsOfRecord } from './pool.repository.ts';

export type LabelSnapshotRow = typeof labelSnapshots.$inferSelect;

export interface SnapshotSummary {
  id: number;
  trainImages: number;
  valImages: number;
  labels: number;
}

export type SnapshotSplit = 'train' | 'val';

/**
 * Freezes, in one statement, the labelled pool of the train and val splits: the image ids of each
 * split and the ids of the labels to train on, their labels of record (`pool.repository.ts`).
 */
export async function freezeSnapshot(
  ex: Executor,
  projectId: number,
  categories: { id: number; name: string }[],
): Promise<SnapshotSummary> {
  const result = await ex.execute<{ id: string; train: number; val: number; labels: number }>(sql`
    insert into ${labelSnapshots} (project_id, categories, train_image_ids, val_image_ids, label_ids)
    select ${projectId}, ${JSON.stringify(categories)}::jsonb, ${idArray(labeledImages(projectId, ['train']))},
      ${idArray(labeledImages(projectId, ['val']))}, ${idArray(labelsOfRecord(projectId, ['train', 'val']))}
    returning id, cardinality(train_image_ids) as train, cardinality(val_image_ids) as val,
      cardinality(label_ids) as labels`);
  const row = result.rows[0];
  return { id: Number(row.id), trainImages: row.train, valImages: row.val, labels: row.labels };
}

export async function findSnapshot(ex: Executor, id: number): Promise<LabelSnapshotRow | undefined> {
  const [row] = await ex.select().from(labelSnapshots).where(eq(labelSnapshots.id, id));
  return row;
}

/** How many of the snapshot's images and labels still exist (deleting them breaks the snapshot). */
export async function snapshotIntegrity(
  ex: Executor,
  id: number,
): Promise<{ images: number; imagesFound: number; labels: number; labelsFound: number }> {
  const result = await ex.execute<{
    images: number;
    images_found: number;
    labels: number;
    labels_found: number;
  }>(sql`
    select cardinality(s.train_image_ids) + cardinality(s.val_image_ids) as images,
      (select count(*)::int from ${images} where id = any(s.train_image_ids || s.val_image_ids)) as images_found,
      cardinality(s.label_ids) as labels,
      (select count(*)::int from ${labels} where id = any(s.label_ids)) as labels_found
    from ${labelSnapshots} s where s.id = ${id}`);
  const r = result.rows[0];
  return { images: r.images, imagesFound: r.images_found, labels: r.labels, labelsFound: r.labels_found };
}

/** A keyset page of the snapshot's images of one split. */
export function snapshotImages(
  ex: Executor,
  id: number,
  split: SnapshotSplit,
  page: { afterId: number; limit: number },
): Promise<ImageRow[]> {
  const column = split === 'train' ? sql`train_image_ids` : sql`val_image_ids`;
  return ex
    .select()
    .from(images)
    .where(
      sql`${images.id} = any(select unnest(${column}) from ${labelSnapshots} where id = ${id}) and ${images.id} > ${page.afterId}`,
    )
    .orderBy(asc(images.id))
    .limit(page.limit);
}

/** A keyset page of the snapshot's labels on the images of one split. */
export function snapshotLabels(
  ex: Executor,
  id: number,
  split: SnapshotSplit,
  page: { afterId: number; limit: number },
): Promise<LabelRow[]> {
  const column = split === 'train' ? sql`train_image_ids` : sql`val_image_ids`;
  return ex
    .select()
    .from(labels)
    .where(
      sql`${labels.id} = any(select unnest(label_ids) from ${labelSnapshots} where id = ${id})
        and ${labels.imageId} = any(select unnest(${column}) from ${labelSnapshots} where id = ${id})
        and ${labels.id} > ${page.afterId}`,
    )
    .orderBy(asc(labels.id))
    .limit(page.limit);
}
