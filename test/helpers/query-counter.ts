import type pg from 'pg';

/** Counts the SQL statements a pool runs while `fn` runs: the measure of an N+1 problem. */
export async function countQueries(pool: pg.Pool, fn: () => Promise<void>): Promise<number> {
  const original = pool.query.bind(pool);
  let queries = 0;
  pool.query = ((...args: Parameters<typeof pool.query>) => {
    queries++;
    return (original as (...a: unknown[]) => unknown)(...args);
  }) as typeof pool.query;
  try {
    await fn();
    return queries;
  } finally {
    pool.query = original;
  }
}
