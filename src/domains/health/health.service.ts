import { type Database, migrationsApplied } from '../../db/database.ts';

/** A health check answers quickly even when the database hangs rather than refuses. */
const HEALTH_QUERY_MS = 2_000;

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
};

export type Health = { ok: true } | { ok: false; detail: string };

/** Whether this process can serve: its database answers (live) and is migrated (ready). */
export class HealthService {
  constructor(private readonly database: Database) {}

  /** A process whose database is gone answers every data request with 500: it is not healthy. */
  async live(): Promise<Health> {
    try {
      await withTimeout(this.database.pool.query('select 1'), HEALTH_QUERY_MS);
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: `database unreachable: ${(err as Error).message}` };
    }
  }

  async ready(): Promise<Health> {
    try {
      if (await migrationsApplied(this.database.db)) return { ok: true };
      return { ok: false, detail: 'migrations are not applied' };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }
}
