import { eq } from 'drizzle-orm';
import type { Executor } from '../db/database.ts';
import { events } from '../db/schema/index.ts';

export type EventRow = typeof events.$inferSelect;

export async function insertEvent(
  ex: Executor,
  values: { projectId: number; type: string; payload: Record<string, unknown> },
): Promise<EventRow> {
  const [row] = await ex.insert(events).values(values).returning();
  return row;
}

export async function findEvent(ex: Executor, id: number): Promise<EventRow | undefined> {
  const [row] = await ex.select().from(events).where(eq(events.id, id));
  return row;
}
