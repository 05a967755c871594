import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Config } from '../config.ts';
import { type EmbeddedServer, startEmbeddedPostgres } from './embedded.ts';
import * as schema from './schema/index.ts';

export type Db = NodePgDatabase<typeof schema>;
/** The database or a transaction on it: repositories accept either. */
export type Executor = PgDatabase<NodePgQueryResultHKT, typeof schema>;

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');
const EMBEDDED_DB_NAME = 'vlm_loop';

export interface Database {
  db: Db;
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
  /**
   * Calls `listener` if the embedded PostgreSQL dies under the process. The pool cannot recover from that
   * (nothing restarts the server), so the process should exit and let its supervisor start it again.
   * Never called on a DATABASE_URL server, which the pool reconnects to when it comes back.
   */
  onEmbeddedExit(listener: (reason: string) => void): void;
}

/**
 * Connects to DATABASE_URL, or starts the embedded PostgreSQL and creates the `vlm_loop` database in it.
 * Both paths end the same way: a pool on a migrated database.
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'embeddedPgPort'>,
  log: (line: string) => void = () => {},
): Promise<Database> {
  let embedded: EmbeddedServer | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, 'postgres'),
      port: config.embeddedPgPort,
      log,
    });
    url = await ensureDatabase(embedded.url, EMBEDDED_DB_NAME);
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client's connection can end under it (a Postgres shutdown, a network drop); pg emits that on
  // the pool, and an unheard 'error' would crash the process. The next query opens a fresh connection.
  pool.on('error', (err) => log(`postgres pool: idle connection lost: ${err.message}`));
  const db = drizzle(pool, { schema });
  try {
    await migrateDatabase(db);
  } catch (err) {
    await pool.end();
    await embedded?.stop();
    throw err;
  }
  return {
    db,
    pool,
    url,
    async close() {
      await pool.end();
      await embedded?.stop();
    },
    onEmbeddedExit(listener) {
      embedded?.onUnexpectedExit(listener);
    },
  };
}

export async function migrateDatabase(db: Db): Promise<void> {
  await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
}

/** Creates `name` on the server of `serverUrl` if missing; returns its URL. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** True when every migration in `migrations/` is recorded as applied. */
export async function migrationsApplied(db: Db): Promise<boolean> {
  const journal = (await import('../../migrations/meta/_journal.json', { with: { type: 'json' } })).default;
  const rows = await db
    .execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)
    .catch(() => ({ rows: [{ n: 0 }] }));
  return Number((rows.rows[0] as { n: number }).n) >= journal.entries.length;
}
