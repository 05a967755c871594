import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import { categories, projects } from '../../db/schema/index.ts';

export type ProjectRow = typeof projects.$inferSelect;
export type CategoryRow = typeof categories.$inferSelect;
export type NewCategory = Omit<typeof categories.$inferInsert, 'id' | 'projectId'>;

export async function insertProject(
  ex: Executor,
  values: { name: string; description?: string | null },
): Promise<ProjectRow> {
  const [row] = await ex.insert(projects).values(values).returning();
  return row;
}

export function listProjects(
  ex: Executor,
  options: { afterId: number; limit: number; onlyIds?: number[] },
): Promise<ProjectRow[]> {
  const filters = [gt(projects.id, options.afterId)];
  if (options.onlyIds) filters.push(inArray(projects.id, options.onlyIds));
  return ex
    .select()
    .from(projects)
    .where(and(...filters))
    .orderBy(asc(projects.id))
    .limit(options.limit);
}

export async function findProject(ex: Executor, id: number): Promise<ProjectRow | undefined> {
  const query = prepared(ex, 'project_by_id', (e, name) =>
    e
      .select()
      .from(projects)
      .where(eq(projects.id, sql.placeholder('id')))
      .prepare(name),
  );
  const [row] = await query.execute({ id });
  return row;
}

export async function updateProject(
  ex: Executor,
  id: number,
  values: { name?: string; description?: string | null },
): Promise<ProjectRow | undefined> {
  const [row] = await ex
    .update(projects)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(projects.id, id))
    .returning();
  return row;
}

export async function deleteProject(ex: Executor, id: number): Promise<boolean> {
  const rows = await ex.delete(projects).where(eq(projects.id, id)).returning({ id: projects.id });
  return rows.length > 0;
}

export async function insertCategories(
  ex: Executor,
  projectId: number,
  values: NewCategory[],
): Promise<CategoryRow[]> {
  if (values.length === 0) return [];
  return ex
    .insert(categories)
    .values(values.map((v) => ({ ...v, projectId })))
    .returning();
}

export function listCategories(ex: Executor, projectIds: number[]): Promise<CategoryRow[]> {
  if (projectIds.length === 0) return Promise.resolve([]);
  if (projectIds.length === 1)
    // One project's categories: every REST read of a project asks, so it is a prepared statement.
    return prepared(ex, 'categories_of_project', (e, name) =>
      e
        .select()
        .from(categories)
        .where(eq(categories.projectId, sql.placeholder('projectId')))
        .orderBy(asc(categories.id))
        .prepare(name),
    ).execute({ projectId: projectIds[0] });
  return ex
    .select()
    .from(categories)
    .where(inArray(categories.projectId, projectIds))
    .orderBy(asc(categories.id));
}

export async function updateCategory(
  ex: Executor,
  projectId: number,
  id: number,
  values: Partial<NewCategory>,
): Promise<CategoryRow | undefined> {
  const [row] = await ex
    .update(categories)
    .set(values)
    .where(and(eq(categories.projectId, projectId), eq(categories.id, id)))
    .returning();
  return row;
}

export async function deleteCategory(ex: Executor, projectId: number, id: number): Promise<boolean> {
  const rows = await ex
    .delete(categories)
    .where(and(eq(categories.projectId, projectId), eq(categories.id, id)))
    .returning({ id: categories.id });
  return rows.length > 0;
}
