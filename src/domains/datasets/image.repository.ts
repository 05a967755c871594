import { and, asc, eq, exists, gt, inArray, not, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import { images, labels } from '../../db/schema/index.ts';

export type ImageRow = typeof images.$inferSelect;
export type NewImage = Omit<typeof images.$inferInsert, 'id' | 'createdAt'>;
export type Split = ImageRow['split'];
export type PoolState = ImageRow['poolState'];
export type LabelSource = (typeof labels.$inferSelect)['source'];

export interface ImageFilter {
  split?: Split;
  poolState?: PoolState;
  /** Images with at least one label of this source; `none` for images without labels. */
  labelSource?: LabelSource | 'none';
  ids?: number[];
}

/** Inserts what is new and returns every row, existing ones included, keyed by sha256. */
export async function upsertImages(
  ex: Executor,
  rows: NewImage[],
): Promise<Map<string, ImageRow & { existed: boolean }>> {
  const result = new Map<string, ImageRow & { existed: boolean }>();
  if (rows.length === 0) return result;
  const inserted = await ex.insert(images).values(rows).onConflictDoNothing().returning();
  for (const row of inserted) result.set(row.sha256, { ...row, existed: false });
  const missing = rows.filter((r) => !result.has(r.sha256));
  if (missing.length > 0) {
    const existing = await ex
      .select()
      .from(images)
      .where(
        and(
          eq(images.projectId, rows[0].projectId),
          inArray(
            images.sha256,
            missing.map((r) => r.sha256),
          ),
        ),
      );
    for (const row of existing) result.set(row.sha256, { ...row, existed: true });
  }
  return result;
}

export function imageFilterSql(projectId: number, filter: ImageFilter): SQL {
  const clauses: (SQL | undefined)[] = [eq(images.projectId, projectId)];
  if (filter.split) clauses.push(eq(images.split, filter.split));
  if (filter.poolState) clauses.push(eq(images.poolState, filter.poolState));
  if (filter.ids) clauses.push(inArray(images.id, filter.ids));
  if (filter.labelSource) {
    const anyLabel = (source?: LabelSource) =>
      exists(
        sql`(select 1 from ${labels} where ${labels.imageId} = ${images.id}${
          source ? sql` and ${labels.source} = ${source}` : sql``
        })`,
      );
    clauses.push(filter.labelSource === 'none' ? not(anyLabel()) : anyLabel(filter.labelSource));
  }
  return and(...clauses)!;
}

export function listImages(
  ex: Executor,
  projectId: number,
  filter: ImageFilter,
  page: { afterId: number; limit: number },
): Promise<ImageRow[]> {
  if (!filter.ids && !filter.labelSource) return listImagesPrepared(ex, projectId, filter, page);
  return ex
    .select()
    .from(images)
    .where(and(imageFilterSql(projectId, filter), gt(images.id, page.afterId)))
    .orderBy(asc(images.id))
    .limit(page.limit);
}

/**
 * The list's common shapes (by split and/or pool state, or neither), as four prepared statements: the
 * page every client reads first.
 */
function listImagesPrepared(
  ex: Executor,
  projectId: number,
  filter: ImageFilter,
  page: { afterId: number; limit: number },
): Promise<ImageRow[]> {
  const name = `images_page_${filter.split ? 's' : ''}${filter.poolState ? 'p' : ''}`;
  const query = prepared(ex, name, (e, statement) =>
    e
      .select()
      .from(images)
      .where(
        and(
          eq(images.projectId, sql.placeholder('projectId')),
          filter.split ? eq(images.split, sql.placeholder('split')) : undefined,
          filter.poolState ? eq(images.poolState, sql.placeholder('poolState')) : undefined,
          gt(images.id, sql.placeholder('afterId')),
        ),
      )
      .orderBy(asc(images.id))
      .limit(sql.placeholder('limit'))
      .prepare(statement),
  );
  return query.execute({ projectId, split: filter.split, poolState: filter.poolState, ...page });
}

export async function findImage(ex: Executor, projectId: number, id: number): Promise<ImageRow | undefined> {
  const [row] = await ex
    .select()
    .from(images)
    .where(and(eq(images.projectId, projectId), eq(images.id, id)));
  return row;
}

export function findImagesByIds(ex: Executor, projectId: number, ids: number[]): Promise<ImageRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return ex
    .select()
    .from(images)
    .where(and(eq(images.projectId, projectId), inArray(images.id, ids)));
}

/** Images by id in any project: for callers that reached the ids through a project already checked. */
export function findImagesByIdsAnywhere(ex: Executor, ids: number[]): Promise<ImageRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return ex.select().from(images).where(inArray(images.id, ids));
}

export function findImagesByFileNames(ex: Executor, projectId: number, names: string[]): Promise<ImageRow[]> {
  if (names.length === 0) return Promise.resolve([]);
  return ex
    .select()
    .from(images)
    .where(and(eq(images.projectId, projectId), inArray(images.fileName, names)));
}

/** Moves images to a split; their place in the pool is `pool.repository.ts`'s. */
export function updateSplit(
  ex: Executor,
  projectId: number,
  ids: number[],
  split: Split,
): Promise<ImageRow[]> {
  return ex
    .update(images)
    .set({ split })
    .where(and(eq(images.projectId, projectId), inArray(images.id, ids)))
    .returning();
}

export async function countImages(ex: Executor, projectId: number, filter: ImageFilter): Promise<number> {
  const [row] = await ex
    .select({ n: sql<number>`count(*)::int` })
    .from(images)
    .where(imageFilterSql(projectId, filter));
  return row.n;
}
