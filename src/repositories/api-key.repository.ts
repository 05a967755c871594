import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import type { Executor } from '../db/database.ts';
import { apiKeys } from '../db/schema.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertApiKey(
  ex: Executor,
  values: { name: string; prefix: string; hash: string; projectId: number | null },
): Promise<ApiKeyRow> {
  const [row] = await ex.insert(apiKeys).values(values).returning();
  return row;
}

export async function findActiveKeyByHash(ex: Executor, hash: string): Promise<ApiKeyRow | undefined> {
  const [row] = await ex
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)));
  return row;
}

export async function hasAdminKey(ex: Executor): Promise<boolean> {
  const rows = await ex
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(isNull(apiKeys.projectId), isNull(apiKeys.revokedAt)))
    .limit(1);
  return rows.length > 0;
}

export function listApiKeys(ex: Executor, page: { afterId: number; limit: number }): Promise<ApiKeyRow[]> {
  return ex
    .select()
    .from(apiKeys)
    .where(gt(apiKeys.id, page.afterId))
    .orderBy(asc(apiKeys.id))
    .limit(page.limit);
}

export async function revokeApiKey(ex: Executor, id: number): Promise<boolean> {
  const rows = await ex
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}
