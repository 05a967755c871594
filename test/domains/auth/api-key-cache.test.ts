import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyCache } from '../../../src/domains/auth/api-key-cache.ts';
import { AuthService } from '../../../src/domains/auth/auth.service.ts';
import { countQueries } from '../../helpers/query-counter.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;
let projectId: number;
beforeAll(async () => {
  t = await startTestServer();
  projectId = (await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'P' })).id;
});
afterAll(() => t?.close());

async function newKey(): Promise<{ key: string; id: number }> {
  const created = await t.admin.json<{ key: string; info: { id: number } }>('POST', '/v1/api-keys', {
    name: 'k',
    projectId,
  });
  return { key: created.key, id: created.info.id };
}
const bearer = (key: string) => `Bearer ${key}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('API-key lookups, cached for a short time', () => {
  it('asks PostgreSQL once per key within the cache lifetime', async () => {
    const { key, id } = await newKey();
    const auth = new AuthService(t.server.ctx.database.db, { keyCacheMs: 60_000 });
    const pool = t.server.ctx.database.pool;
    expect(await countQueries(pool, async () => void (await auth.authenticate(bearer(key))))).toBe(1);
    const again = await countQueries(pool, async () => {
      expect(await auth.authenticate(bearer(key))).toEqual({ keyId: id, projectId });
    });
    expect(again).toBe(0);
  });

  it('refuses a key revoked in the same process at once, though it was cached', async () => {
    const { key, id } = await newKey();
    const url = `${t.url}/v1/projects/${projectId}`;
    expect((await call(url, key, 'GET')).status).toBe(200);
    // The server's own AuthService (default lifetime, seconds) now holds the key; revoke it through the API.
    expect((await call(`${t.url}/v1/api-keys/${id}`, t.adminKey, 'DELETE')).status).toBe(204);
    const refused = await call(url, key, 'GET');
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toBe('unknown or revoked API key');
  });

  it('sees a revocation by another process within the cache lifetime', async () => {
    const { key, id } = await newKey();
    const here = new AuthService(t.server.ctx.database.db, { keyCacheMs: 400 });
    const elsewhere = new AuthService(t.server.ctx.database.db);
    await here.authenticate(bearer(key));
    await elsewhere.revokeKey(id);
    // Within the lifetime this process may still trust it; once the lifetime has passed it may not.
    await sleep(450);
    await expect(here.authenticate(bearer(key))).rejects.toThrow('unknown or revoked API key');
  });

  it('does not cache a lookup that read the key before its revocation here committed', async () => {
    const { key, id } = await newKey();
    const auth = new AuthService(t.server.ctx.database.db, { keyCacheMs: 60_000 });
    // The lookup runs, the revocation commits and clears the cache, then the lookup's result arrives.
    const lookup = auth.authenticate(bearer(key));
    await auth.revokeKey(id);
    await lookup.catch(() => {});
    await expect(auth.authenticate(bearer(key))).rejects.toThrow('unknown or revoked API key');
  });

  it('never caches unknown keys', async () => {
    const auth = new AuthService(t.server.ctx.database.db, { keyCacheMs: 60_000 });
    const pool = t.server.ctx.database.pool;
    for (let i = 0; i < 2; i++) {
      const queries = await countQueries(pool, async () => {
        await expect(auth.authenticate(bearer('vlm_nope'))).rejects.toThrow('unknown or revoked API key');
      });
      expect(queries).toBe(1);
    }
  });
});

describe('ApiKeyCache', () => {
  it('expires entries after its lifetime and forgets revoked keys for good', () => {
    let now = 0;
    const cache = new ApiKeyCache(1000, () => now);
    cache.set('h', { keyId: 1, projectId: null });
    now = 999;
    expect(cache.get('h')).toEqual({ keyId: 1, projectId: null });
    now = 1000;
    expect(cache.get('h')).toBeUndefined();
    cache.set('h', { keyId: 1, projectId: null });
    cache.forgetKey(1);
    expect(cache.get('h')).toBeUndefined();
    cache.set('h', { keyId: 1, projectId: null });
    expect(cache.get('h')).toBeUndefined();
  });
});
