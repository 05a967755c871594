import type { Executor } from './database.ts';

const built = new WeakMap<Executor, Map<string, unknown>>();

/**
 * A hot read built once per executor and run as a named prepared statement: drizzle then skips building
 * the query text on every call (in the reads bench's CPU profile, drizzle's query building and entity checks
 * were the largest share of the server's own code; bench/results/reads.md) and PostgreSQL skips parsing it
 * on every connection after the first. `name` must be unique to the query's text: PostgreSQL refuses one
 * name for two texts on a connection. `build` gets it to pass to drizzle's `.prepare`, so it is written once.
 */
export function prepared<T>(ex: Executor, name: string, build: (ex: Executor, name: string) => T): T {
  let byName = built.get(ex);
  if (!byName) {
    byName = new Map();
    built.set(ex, byName);
  }
  let query = byName.get(name) as T | undefined;
  if (query === undefined) {
    query = build(ex, name);
    byName.set(name, query);
  }
  return query;
}
