import { sql } from 'drizzle-orm';
import type { Executor } from '../db/database.ts';
import { QUEUE_SCHEMA } from './queue.ts';
import type { JobName, JobPayloads } from './registry.ts';

/**
 * Reads of pg-boss's own tables (schema `pgboss`): only the queue module knows their shape and states.
 *
 * Of the `values` of the payload field `key`, those that still have a message of `name` to be worked
 * on: one waiting (created, or back for a retry), or one active that started within `staleAfterMs` or
 * that a live worker holds (`heldJobIds`; a worker killed mid-job holds its message until pg-boss
 * expires it, an hour later).
 */
export async function valuesWithLiveMessage<N extends JobName>(
  ex: Executor,
  name: N,
  key: keyof JobPayloads[N] & string,
  values: string[],
  live: { staleAfterMs: number; heldJobIds: string[] },
): Promise<Set<string>> {
  if (values.length === 0) return new Set();
  const list = (items: string[]) =>
    sql.join(
      items.map((v) => sql`${v}`),
      sql`, `,
    );
  const stale = sql`now() - ${live.staleAfterMs} * interval '1 millisecond'`;
  const held = live.heldJobIds.length > 0 ? sql`j.id::text in (${list(live.heldJobIds)})` : sql`false`;
  const result = await ex.execute<{ value: string }>(sql`
    select distinct j.data->>${key}::text as value from ${sql.raw(QUEUE_SCHEMA)}.job j
    where j.name = ${name} and j.data->>${key}::text in (${list(values)})
      and (j.state in ('created', 'retry') or (j.state = 'active' and (j.started_on > ${stale} or ${held})))`);
  return new Set(result.rows.map((r) => r.value));
}
