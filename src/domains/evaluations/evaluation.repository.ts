import { and, asc, eq, gt } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { evaluations } from '../../db/schema/index.ts';

export type EvaluationRow = typeof evaluations.$inferSelect;
export type NewEvaluation = Omit<typeof evaluations.$inferInsert, 'id' | 'createdAt'>;

export async function insertEvaluation(ex: Executor, values: NewEvaluation): Promise<EvaluationRow> {
  const [row] = await ex.insert(evaluations).values(values).returning();
  return row;
}

export async function findEvaluation(
  ex: Executor,
  projectId: number,
  id: number,
): Promise<EvaluationRow | undefined> {
  const [row] = await ex
    .select()
    .from(evaluations)
    .where(and(eq(evaluations.projectId, projectId), eq(evaluations.id, id)));
  return row;
}

export async function findEvaluationById(ex: Executor, id: number): Promise<EvaluationRow | undefined> {
  const [row] = await ex.select().from(evaluations).where(eq(evaluations.id, id));
  return row;
}

export function listEvaluations(
  ex: Executor,
  projectId: number,
  page: { afterId: number; limit: number },
): Promise<EvaluationRow[]> {
  return ex
    .select()
    .from(evaluations)
    .where(and(eq(evaluations.projectId, projectId), gt(evaluations.id, page.afterId)))
    .orderBy(asc(evaluations.id))
    .limit(page.limit);
}

/** Ends a queued or running evaluation; a finished one is never overwritten (a retried job is a no-op). */
export async function finishEvaluation(
  ex: Executor,
  id: number,
  values: Pick<EvaluationRow, 'status' | 'result' | 'error' | 'resultsSha256'>,
): Promise<boolean> {
  const rows = await ex
    .update(evaluations)
    .set({ ...values, finishedAt: new Date() })
    .where(and(eq(evaluations.id, id), eq(evaluations.status, 'queued')))
    .returning({ id: evaluations.id });
  return rows.length > 0;
}
