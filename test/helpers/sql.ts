import type { TestServer } from './server.ts';

/**
 * A `sql(text, values)` on the test server's pool, for state the API does not show. `server` is called
 * per query, so it can be made before `beforeAll` starts the server.
 */
export function sqlOn(server: () => TestServer) {
  return <T = any>(text: string, values: unknown[] = []): Promise<T[]> =>
    server()
      .server.ctx.database.pool.query(text, values)
      .then((r) => r.rows as T[]);
}
