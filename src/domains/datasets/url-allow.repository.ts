import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { urlAllowEntries } from '../../db/schema/index.ts';

export type UrlAllowEntryRow = typeof urlAllowEntries.$inferSelect;

export function listAllowEntries(ex: Executor, projectId: number): Promise<UrlAllowEntryRow[]> {
  return ex
    .select()
    .from(urlAllowEntries)
    .where(eq(urlAllowEntries.projectId, projectId))
    .orderBy(asc(urlAllowEntries.entry));
}

/** Replaces the project's whole list; entries kept keep their creation time. */
export async function replaceAllowEntries(
  ex: Executor,
  projectId: number,
  entries: string[],
): Promise<UrlAllowEntryRow[]> {
  const kept = new Map((await listAllowEntries(ex, projectId)).map((r) => [r.entry, r.createdAt]));
  await ex.delete(urlAllowEntries).where(eq(urlAllowEntries.projectId, projectId));
  if (entries.length > 0)
    await ex
      .insert(urlAllowEntries)
      .values(entries.map((entry) => ({ projectId, entry, createdAt: kept.get(entry) ?? new Date() })));
  return listAllowEntries(ex, projectId);
}
