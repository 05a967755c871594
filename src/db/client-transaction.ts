import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Executor } from './database.ts';
import * as schema from './schema/index.ts';

/** One transaction seen two ways: drizzle for our tables, the raw client for pg-boss, so both commit together. */
export interface ClientTransaction {
  db: Executor;
  client: pg.PoolClient;
}

export async function withClientTransaction<T>(
  pool: pg.Pool,
  fn: (tx: ClientTransaction) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await fn({ db: drizzle(client, { schema }), client });
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
