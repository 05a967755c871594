import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { ensureDatabase } from '../../src/db/database.ts';

/** A fresh, empty database on the test run's PostgreSQL, so test files never see each other's rows. */
export async function freshDatabaseUrl(): Promise<string> {
  return ensureDatabase(inject('pgAdminUrl'), `t_${randomBytes(6).toString('hex')}`);
}
