import { afterEach, describe, expect, it, vi } from 'vitest';
import { newKey } from '../../../src/domains/auth/auth.service.ts';
import { freshDatabaseUrl } from '../../helpers/db.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server whose admin key comes from the environment (VLM_LOOP_ADMIN_KEY), on `databaseUrl`. */
async function serve(databaseUrl: string, adminKey: string): Promise<TestServer> {
  const server = await startTestServer({ databaseUrl, adminKey });
  servers.push(server);
  return server;
}

async function stop(server: TestServer): Promise<void> {
  servers.splice(servers.indexOf(server), 1);
  await server.close();
}

const status = async (url: string, key: string) => (await call(`${url}/v1/projects`, key, 'GET')).status;

interface KeyInfo {
  id: number;
  name: string;
  prefix: string;
  projectId: number | null;
  revokedAt: string | null;
}

async function keys(url: string, adminKey: string): Promise<KeyInfo[]> {
  return (await call(`${url}/v1/api-keys?limit=500`, adminKey, 'GET')).body.data;
}

const idOf = async (url: string, adminKey: string, key: string) =>
  (await keys(url, adminKey)).find((k) => key.startsWith(k.prefix) && k.revokedAt === null)!.id;

async function createAdminKey(url: string, adminKey: string, name = 'second admin') {
  const res = await call(`${url}/v1/api-keys`, adminKey, 'POST', { name });
  expect(res.status).toBe(201);
  return res.body as { key: string; info: KeyInfo };
}

describe('admin keys from the environment', () => {
  it('refuses to start with a revoked VLM_LOOP_ADMIN_KEY instead of crashing on the unique hash', async () => {
    const db = await freshDatabaseUrl();
    const envKey = newKey();
    const first = await serve(db, envKey);
    const other = await createAdminKey(first.url, envKey);
    const del = await call(
      `${first.url}/v1/api-keys/${await idOf(first.url, envKey, envKey)}`,
      other.key,
      'DELETE',
    );
    expect(del.status).toBe(204);
    await stop(first);

    await expect(serve(db, envKey)).rejects.toThrow(/^VLM_LOOP_ADMIN_KEY was revoked; set a new one$/);
    // The refusal changed nothing: the revoked key stays revoked and the other admin key still works.
    const again = await serve(db, newKey());
    expect(await status(again.url, envKey)).toBe(401);
    expect(await status(again.url, other.key)).toBe(200);
  });

  it('revokes the previous environment key when VLM_LOOP_ADMIN_KEY changes, and says so', async () => {
    const db = await freshDatabaseUrl();
    const oldKey = newKey();
    const first = await serve(db, oldKey);
    // An admin key someone named like the environment's must not be taken for it.
    const lookalike = await createAdminKey(first.url, oldKey, 'admin (from environment)');
    const oldId = await idOf(first.url, oldKey, oldKey);
    await stop(first);

    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const newEnvKey = newKey();
    const second = await serve(db, newEnvKey);
    const logged = stderr.mock.calls.map(([line]) => String(line));
    stderr.mockRestore();
    expect(logged).toContainEqual(
      `VLM_LOOP_ADMIN_KEY changed: revoked the previous one (API key ${oldId}, ${oldKey.slice(0, 10)}…)\n`,
    );
    expect(await status(second.url, oldKey)).toBe(401);
    expect(await status(second.url, newEnvKey)).toBe(200);
    expect(await status(second.url, lookalike.key)).toBe(200);
    await stop(second);

    // Starting again with the same key is no change: nothing is revoked, nothing is logged.
    const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const third = await serve(db, newEnvKey);
    expect(quiet.mock.calls.map(([line]) => String(line)).filter((l) => l.includes('ADMIN_KEY'))).toEqual([]);
    quiet.mockRestore();
    expect(await status(third.url, newEnvKey)).toBe(200);
    expect(await status(third.url, lookalike.key)).toBe(200);
  });

  it('refuses a VLM_LOOP_ADMIN_KEY that is a project key', async () => {
    const db = await freshDatabaseUrl();
    const envKey = newKey();
    const first = await serve(db, envKey);
    const project = (await call(`${first.url}/v1/projects`, envKey, 'POST', { name: 'P' })).body;
    const projectKey = (
      await call(`${first.url}/v1/api-keys`, envKey, 'POST', { name: 'p', projectId: project.id })
    ).body.key;
    await stop(first);
    await expect(serve(db, projectKey)).rejects.toThrow(/is an API key of project \d+; set an admin key/);
  });
});

describe('revoking admin keys', () => {
  it('refuses to revoke the last active admin key with a 409 naming the key, so nobody is locked out', async () => {
    const envKey = newKey();
    const t = await serve(await freshDatabaseUrl(), envKey);
    const envId = await idOf(t.url, envKey, envKey);
    const res = await call(`${t.url}/v1/api-keys/${envId}`, envKey, 'DELETE');
    expect(res.status).toBe(409);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.detail).toBe(
      `API key ${envId} is the last active admin key; create another admin key before revoking it`,
    );
    expect(res.body.errors).toEqual([expect.objectContaining({ name: 'keyId' })]);
    expect(await status(t.url, envKey)).toBe(200);

    // With a second admin key, either may go, but then the other is the last one.
    const second = await createAdminKey(t.url, envKey);
    expect((await call(`${t.url}/v1/api-keys/${envId}`, envKey, 'DELETE')).status).toBe(204);
    expect(await status(t.url, envKey)).toBe(401);
    expect((await call(`${t.url}/v1/api-keys/${second.info.id}`, second.key, 'DELETE')).status).toBe(409);
    expect(await status(t.url, second.key)).toBe(200);
  });

  it('lets only one of two admin keys revoked at the same moment go', async () => {
    const envKey = newKey();
    const t = await serve(await freshDatabaseUrl(), envKey);
    const auth = t.server.ctx.services.auth;
    let survivor = await idOf(t.url, envKey, envKey);
    // Several rounds, since a race without the lock only sometimes interleaves badly.
    for (let round = 0; round < 5; round++) {
      const other = (await auth.createKey({ name: `admin ${round}`, projectId: null })).info.id;
      const results = await Promise.allSettled([auth.revokeKey(survivor), auth.revokeKey(other)]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ kind: 'conflict' });
      survivor = results[0].status === 'rejected' ? survivor : other;
      const active = (await auth.listKeys({ limit: 500 })).data.filter(
        (k) => k.projectId === null && k.revokedAt === null,
      );
      expect(active.map((k) => k.id)).toEqual([survivor]);
    }
  });
});
