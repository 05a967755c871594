import { and, asc, eq, gt, inArray, isNotNull } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { predictions } from '../../db/schema/index.ts';

export type PredictionRow = typeof predictions.$inferSelect;
export type NewPrediction = Omit<typeof predictions.$inferInsert, 'id' | 'createdAt'>;

export async function insertPredictions(ex: Executor, rows: NewPrediction[]): Promise<PredictionRow[]> {
  if (rows.length === 0) return [];
  const out: PredictionRow[] = [];
  // Far below Postgres's 65535 bind parameters at 12 columns a row.
  for (let i = 0; i < rows.length; i += 2000)
    out.push(
      ...(await ex
        .insert(predictions)
        .values(rows.slice(i, i + 2000))
        .returning()),
    );
  return out;
}

export async function findPrediction(
  ex: Executor,
  projectId: number,
  id: number,
): Promise<PredictionRow | undefined> {
  const [row] = await ex
    .select()
    .from(predictions)
    .where(and(eq(predictions.projectId, projectId), eq(predictions.id, id)));
  return row;
}

/** A pass's predictions on these images in the model's order (score descending), the order indices follow. */
export function predictionsOf(
  ex: Executor,
  passId: number,
  imageIds: number[],
  options: { drawnOnly?: boolean } = {},
): Promise<PredictionRow[]> {
  if (imageIds.length === 0) return Promise.resolve([]);
  const clauses = [eq(predictions.passId, passId), inArray(predictions.imageId, imageIds)];
  if (options.drawnOnly) clauses.push(isNotNull(predictions.drawnIndex));
  return ex
    .select()
    .from(predictions)
    .where(and(...clauses))
    .orderBy(asc(predictions.imageId), asc(predictions.id));
}

/** Predictions of many images, optionally of some passes only, in one query (for batch loaders). */
export function predictionsOfImages(
  ex: Executor,
  imageIds: number[],
  passIds?: number[],
): Promise<PredictionRow[]> {
  if (imageIds.length === 0 || passIds?.length === 0) return Promise.resolve([]);
  const clauses = [inArray(predictions.imageId, imageIds)];
  if (passIds) clauses.push(inArray(predictions.passId, passIds));
  return ex
    .select()
    .from(predictions)
    .where(and(...clauses))
    .orderBy(asc(predictions.imageId), asc(predictions.id));
}

export function listPredictions(
  ex: Executor,
  projectId: number,
  filter: { imageId: number; passId?: number },
  page: { afterId: number; limit: number },
): Promise<PredictionRow[]> {
  const clauses = [
    eq(predictions.projectId, projectId),
    eq(predictions.imageId, filter.imageId),
    gt(predictions.id, page.afterId),
  ];
  if (filter.passId !== undefined) clauses.push(eq(predictions.passId, filter.passId));
  return ex
    .select()
    .from(predictions)
    .where(and(...clauses))
    .orderBy(asc(predictions.id))
    .limit(page.limit);
}

/** The drawn numbering of every image of a pass (no masks): what agreement attributes classes by. */
export function drawnList(
  ex: Executor,
  passId: number,
): Promise<{ imageId: number; drawnIndex: number | null; categoryId: number }[]> {
  return ex
    .select({
      imageId: predictions.imageId,
      drawnIndex: predictions.drawnIndex,
      categoryId: predictions.categoryId,
    })
    .from(predictions)
    .where(and(eq(predictions.passId, passId), isNotNull(predictions.drawnIndex)))
    .orderBy(asc(predictions.imageId), asc(predictions.id));
}
