import { and, asc, eq, gt, isNull, ne } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { apiKeys } from '../../db/schema/index.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

type NewKey = { name: string; prefix: string; hash: string; projectId: number | null; fromEnv?: boolean };

export async function insertApiKey(ex: Executor, values: NewKey): Promise<ApiKeyRow> {
  const [row] = await ex.insert(apiKeys).values(values).returning();
  return row;
}

/** Inserts unless a key with this hash exists (another process may be installing the same key). */
export async function insertApiKeyIfAbsent(ex: Executor, values: NewKey): Promise<ApiKeyRow | undefined> {
  const [row] = await ex.insert(apiKeys).values(values).onConflictDoNothing().returning();
  return row;
}

export async function findActiveKeyByHash(ex: Executor, hash: string): Promise<ApiKeyRow | undefined> {
  const [row] = await ex
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)));
  return row;
}

/** The key with this hash, revoked or not. */
export async function findKeyByHash(ex: Executor, hash: string): Promise<ApiKeyRow | undefined> {
  const [row] = await ex.select().from(apiKeys).where(eq(apiKeys.hash, hash));
  return row;
}

export async function isActiveKey(ex: Executor, id: number): Promise<boolean> {
  const rows = await ex
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  return rows.length > 0;
}

export async function hasAdminKey(ex: Executor): Promise<boolean> {
  const rows = await ex
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(isNull(apiKeys.projectId), isNull(apiKeys.revokedAt)))
    .limit(1);
  return rows.length > 0;
}

/**
 * The active admin keys' ids, locked until the transaction ends: two revocations at once then see each
 * other's result instead of both seeing another admin key left.
 */
export async function lockActiveAdminKeys(ex: Executor): Promise<number[]> {
  const rows = await ex
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(isNull(apiKeys.projectId), isNull(apiKeys.revokedAt)))
    .for('update');
  return rows.map((r) => r.id);
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

export async function markFromEnv(ex: Executor, id: number): Promise<void> {
  await ex.update(apiKeys).set({ fromEnv: true }).where(eq(apiKeys.id, id));
}

/** Revokes every active key installed from the environment except `keepId`; returns those revoked. */
export function revokeEnvKeysExcept(ex: Executor, keepId: number): Promise<{ id: number; prefix: string }[]> {
  return ex
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.fromEnv, true), isNull(apiKeys.revokedAt), ne(apiKeys.id, keepId)))
    .returning({ id: apiKeys.id, prefix: apiKeys.prefix });
}
