import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';

describe('/health', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    // Its pool was ended by the test, so close() stops at the second end(): remove its folder here.
    await t.close().catch(() => fs.rm(t.dataDir, { recursive: true, force: true }));
  });

  it('is 200 while the database answers, 503 with the reason once it does not', async () => {
    expect((await call(`${t.url}/health`, undefined, 'GET')).body).toEqual({ status: 'ok' });
    // The pool unusable stands for a database gone: every data route would fail from here on.
    await t.server.ctx.database.pool.end();
    const res = await call(`${t.url}/health`, undefined, 'GET');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      status: 'unavailable',
      detail: expect.stringContaining('database unreachable'),
    });
  });
});
