import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import { images, labels } from '../../db/schema/index.ts';
import type { LabelSource } from './image.repository.ts';

export type LabelRow = typeof labels.$inferSelect;
export type NewLabel = Omit<typeof labels.$inferInsert, 'id' | 'createdAt'>;

export async function insertLabels(ex: Executor, rows: NewLabel[]): Promise<LabelRow[]> {
  const out: LabelRow[] = [];
  // Postgres caps bind parameters at 65535 per statement; 11 columns a row stays far below it.
  for (let i = 0; i < rows.length; i += 2000) {
    out.push(
      ...(await ex
        .insert(labels)
        .values(rows.slice(i, i + 2000))
        .returning()),
    );
  }
  return out;
}

export interface LabelFilter {
  imageIds?: number[];
  source?: LabelSource;
}

export function listLabels(
  ex: Executor,
  projectId: number,
  filter: LabelFilter,
  page: { afterId: number; limit: number },
): Promise<LabelRow[]> {
  if (!filter.imageIds) return listLabelsPrepared(ex, projectId, filter.source, page);
  const clauses = [
    eq(labels.projectId, projectId),
    gt(labels.id, page.afterId),
    inArray(labels.imageId, filter.imageIds),
  ];
  if (filter.source) clauses.push(eq(labels.source, filter.source));
  return ex
    .select()
    .from(labels)
    .where(and(...clauses))
    .orderBy(asc(labels.id))
    .limit(page.limit);
}

/** A project's labels page, by source or not: prepared statements, as the list is read most. */
function listLabelsPrepared(
  ex: Executor,
  projectId: number,
  source: LabelSource | undefined,
  page: { afterId: number; limit: number },
): Promise<LabelRow[]> {
  const name = source ? 'labels_page_source' : 'labels_page';
  const query = prepared(ex, name, (e, statement) =>
    e
      .select()
      .from(labels)
      .where(
        and(
          eq(labels.projectId, sql.placeholder('projectId')),
          gt(labels.id, sql.placeholder('afterId')),
          source ? eq(labels.source, sql.placeholder('source')) : undefined,
        ),
      )
      .orderBy(asc(labels.id))
      .limit(sql.placeholder('limit'))
      .prepare(statement),
  );
  return query.execute({ projectId, source, ...page });
}

/** ANALYZE of the tables a bulk import grew, so the next keyset pages are planned on real sizes. */
export async function refreshPlannerStatistics(ex: Executor): Promise<void> {
  await ex.execute(sql`analyze ${labels}, ${images}`);
}

export async function deleteLabel(ex: Executor, projectId: number, id: number): Promise<boolean> {
  const rows = await ex
    .delete(labels)
    .where(and(eq(labels.projectId, projectId), eq(labels.id, id)))
    .returning({ id: labels.id });
  return rows.length > 0;
}

/** Every label of these images, in id order: one query for a whole page of images. */
export function labelsOfImages(ex: Executor, imageIds: number[]): Promise<LabelRow[]> {
  if (imageIds.length === 0) return Promise.resolve([]);
  return ex.select().from(labels).where(inArray(labels.imageId, imageIds)).orderBy(asc(labels.id));
}

/** Label counts per image and source, for the images that have labels. */
export function countLabelsByImage(
  ex: Executor,
  imageIds: number[],
): Promise<{ imageId: number; source: LabelSource; n: number }[]> {
  if (imageIds.length === 0) return Promise.resolve([]);
  return ex
    .select({ imageId: labels.imageId, source: labels.source, n: sql<number>`count(*)::int` })
    .from(labels)
    .where(inArray(labels.imageId, imageIds))
    .groupBy(labels.imageId, labels.source);
}
