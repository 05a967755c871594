import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationsApplied, openDatabase } from '../../src/db/database.ts';
import { freshDatabaseUrl } from '../helpers/db.ts';

describe('database', () => {
  it('migrates a DATABASE_URL database on open, idempotently', async () => {
    const url = await freshDatabaseUrl();
    for (let i = 0; i < 2; i++) {
      const db = await openDatabase({ databaseUrl: url, dataDir: '/nonexistent', embeddedPgPort: 0 });
      expect(await migrationsApplied(db.db)).toBe(true);
      await db.close();
    }
  });

  it('starts an embedded PostgreSQL when DATABASE_URL is unset, keeps data across restarts, stops cleanly', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-embedded-'));
    // As root the server runs as the `postgres` user, which must be able to reach its folder.
    await fs.chmod(dataDir, 0o755);
    const port = 56000 + Math.floor(Math.random() * 2000);
    try {
      const first = await openDatabase({ databaseUrl: undefined, dataDir, embeddedPgPort: port });
      expect(await migrationsApplied(first.db)).toBe(true);
      await first.pool.query(`insert into projects (name) values ('kept')`);
      await first.close();
      const second = await openDatabase({ databaseUrl: undefined, dataDir, embeddedPgPort: port });
      const rows = await second.pool.query('select name from projects');
      expect(rows.rows).toEqual([{ name: 'kept' }]);
      await second.close();
      await expect(fetch(`http://127.0.0.1:${port}`)).rejects.toThrow();
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
