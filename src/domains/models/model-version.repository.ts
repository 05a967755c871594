import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { modelVersions } from '../../db/schema/index.ts';

export type ModelVersionRow = typeof modelVersions.$inferSelect;
export type NewModelVersion = Omit<typeof modelVersions.$inferInsert, 'id' | 'createdAt' | 'active'>;

/** Inserts the version of a training job; returns undefined when that job already has one. */
export async function insertModelVersion(
  ex: Executor,
  values: NewModelVersion,
): Promise<ModelVersionRow | undefined> {
  const [row] = await ex
    .insert(modelVersions)
    .values(values)
    .onConflictDoNothing({ target: modelVersions.trainingJobId })
    .returning();
  return row;
}

export async function findByTrainingJob(
  ex: Executor,
  trainingJobId: number,
): Promise<ModelVersionRow | undefined> {
  const [row] = await ex.select().from(modelVersions).where(eq(modelVersions.trainingJobId, trainingJobId));
  return row;
}

export async function findModelVersion(
  ex: Executor,
  projectId: number,
  id: number,
): Promise<ModelVersionRow | undefined> {
  const [row] = await ex
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.projectId, projectId), eq(modelVersions.id, id)));
  return row;
}

/** Versions by id in one query, whatever their project (for batch loaders). */
export function findModelVersionsByIds(ex: Executor, ids: number[]): Promise<ModelVersionRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return ex.select().from(modelVersions).where(inArray(modelVersions.id, ids));
}

export async function findActiveModelVersion(
  ex: Executor,
  projectId: number,
): Promise<ModelVersionRow | undefined> {
  const [row] = await ex
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.projectId, projectId), eq(modelVersions.active, true)));
  return row;
}

export function listModelVersions(
  ex: Executor,
  projectId: number,
  page: { afterId: number; limit: number },
): Promise<ModelVersionRow[]> {
  return ex
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.projectId, projectId), gt(modelVersions.id, page.afterId)))
    .orderBy(asc(modelVersions.id))
    .limit(page.limit);
}

export interface LineageEntry {
  id: number;
  parentId: number | null;
  trainingJobId: number | null;
  preset: string;
  metrics: Record<string, number | null>;
  createdAt: Date;
}

/** The version's ancestors by warm start, nearest first (the version itself excluded). */
export async function lineage(ex: Executor, id: number): Promise<LineageEntry[]> {
  const result = await ex.execute<{
    id: string;
    parent_id: string | null;
    training_job_id: string | null;
    preset: string;
    metrics: Record<string, number | null>;
    created_at: string | Date;
    depth: number;
  }>(sql`
    with recursive chain as (
      select m.*, 0 as depth from ${modelVersions} m where m.id = ${id}
      union all
      select p.*, c.depth + 1 from ${modelVersions} p join chain c on p.id = c.parent_id where c.depth < 1000
    )
    select id, parent_id, training_job_id, preset, metrics, created_at, depth from chain where depth > 0 order by depth`);
  return result.rows.map((r) => ({
    id: Number(r.id),
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    trainingJobId: r.training_job_id === null ? null : Number(r.training_job_id),
    preset: r.preset,
    metrics: r.metrics,
    createdAt: new Date(r.created_at),
  }));
}

/** Makes `id` the project's only active version. */
export async function activate(
  ex: Executor,
  projectId: number,
  id: number,
): Promise<ModelVersionRow | undefined> {
  await ex
    .update(modelVersions)
    .set({ active: false })
    .where(and(eq(modelVersions.projectId, projectId), eq(modelVersions.active, true)));
  const [row] = await ex
    .update(modelVersions)
    .set({ active: true })
    .where(and(eq(modelVersions.projectId, projectId), eq(modelVersions.id, id)))
    .returning();
  return row;
}
