import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, jpeg } from '../../helpers/images.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;
let a: { id: number; categories: { id: number }[] };
let b: { id: number };
let keyA: string;
let keyB: string;
const ids: Record<string, number> = {};

const snapshot = async () => ({
  project: (await call(`${t.url}/v1/projects/${a.id}`, t.adminKey, 'GET')).body,
  images: (await call(`${t.url}/v1/projects/${a.id}/images?limit=500`, t.adminKey, 'GET')).body,
  coco: (await call(`${t.url}/v1/projects/${a.id}/coco-export`, t.adminKey, 'GET')).body.annotations,
});

beforeAll(async () => {
  t = await startTestServer();
  a = await t.admin.json('POST', '/v1/projects', { name: 'A', categories: [{ name: 'thing' }] });
  b = await t.admin.json('POST', '/v1/projects', { name: 'B', categories: [{ name: 'thing' }] });
  keyA = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'a', projectId: a.id })).key;
  keyB = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'b', projectId: b.id })).key;
  const up = await call(
    `${t.url}/v1/projects/${a.id}/images`,
    keyA,
    'POST',
    form([{ name: 'a.jpg', bytes: await jpeg(20, 20) }]),
  );
  ids.imageId = up.body.data[0].id;
  ids.categoryId = a.categories[0].id;
  const label = await call(`${t.url}/v1/projects/${a.id}/images/${ids.imageId}/labels`, keyA, 'POST', {
    labels: [{ categoryId: ids.categoryId, segmentation: [[1, 1, 10, 1, 10, 10]] }],
  });
  ids.labelId = label.body.data[0].id;
});
afterAll(() => t?.close());

/**
 * Every operation in the generated OpenAPI document that names a project and takes an API key (those with
 * `security: []`, the signed CVAT webhook, authenticate otherwise and are tested with their receiver).
 */
async function projectOperations(): Promise<{ method: string; path: string }[]> {
  const doc = (await call(`${t.url}/openapi.json`, undefined, 'GET')).body;
  return Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>)
    .filter(([path]) => path.includes('{projectId}'))
    .flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => !(Array.isArray(op.security) && op.security.length === 0))
        .map(([method]) => ({ method: method.toUpperCase(), path })),
    );
}

const fill = (path: string, projectId: number) =>
  path
    .replace('{projectId}', String(projectId))
    .replace(/\{(\w+)\}/g, (_, name: string) => String(ids[name] ?? 1));

describe('API keys and project isolation', () => {
  it('covers a meaningful set of project routes', async () => {
    expect((await projectOperations()).length).toBeGreaterThanOrEqual(14);
  });

  it('refuses a project B key on every project A route, and nothing of A changes', async () => {
    const before = await snapshot();
    for (const op of await projectOperations()) {
      const res = await call(
        t.url + fill(op.path, a.id),
        keyB,
        op.method,
        op.method === 'GET' ? undefined : {},
      );
      expect({ op, status: res.status }).toEqual({ op, status: 403 });
      expect(res.type).toContain('application/problem+json');
    }
    expect(await snapshot()).toEqual(before);
  });

  // Spellings a lenient parser reads as the same number: each must be refused as it is, never coerced
  // into project A's id and then authorised on the raw string (the bypass this guards against).
  const spellings = (id: number) => [
    `${id}.0`,
    `+${id}`,
    `0x${id.toString(16)}`,
    `${id}e0`,
    `%20${id}`,
    `${id}%20`,
    `0${id}`,
    `${id}%00`,
    `-0${id}`,
  ];

  it('refuses every non-canonical spelling of a project id on every route and method, and nothing of A changes', async () => {
    const before = await snapshot();
    const ops = await projectOperations();
    for (const op of ops) {
      for (const spelled of spellings(a.id)) {
        for (const key of [keyB, t.adminKey]) {
          // By the parameter, not by a `/projects/` segment: integration paths have none.
          const url = t.url + fill(op.path.replace('{projectId}', spelled), a.id);
          const res = await call(url, key, op.method, op.method === 'GET' ? undefined : {});
          expect({ op, spelled, status: res.status }).toEqual({ op, spelled, status: 400 });
          expect(res.body.errors?.[0]?.name).toBe('projectId');
        }
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('answers out-of-range and non-canonical ids in every id parameter with a 4xx, never a 5xx', async () => {
    const bad = [
      '99999999999999999999',
      '9223372036854775808',
      '9007199254740992',
      '1e21',
      'Infinity',
      '0',
      '-1',
      '1.5',
    ];
    for (const op of await projectOperations()) {
      const names = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const name of names) {
        for (const value of bad) {
          const url = t.url + fill(op.path.replace(`{${name}}`, value), a.id);
          const res = await call(url, t.adminKey, op.method, op.method === 'GET' ? undefined : {});
          expect({ op, name, value, status: res.status }).toEqual({ op, name, value, status: 400 });
          expect(res.type).toContain('application/problem+json');
          expect(res.body.errors?.[0]?.name).toBe(name);
        }
      }
    }
    for (const value of ['1e21', '99999999999999999999', 'Infinity']) {
      const res = await call(
        `${t.url}/v1/projects/${a.id}/images/${ids.imageId}/predictions?passId=${value}`,
        t.adminKey,
        'GET',
      );
      expect({ value, status: res.status }).toEqual({ value, status: 400 });
      const listed = await call(`${t.url}/v1/projects/${a.id}/images?limit=${value}`, t.adminKey, 'GET');
      expect({ value, status: listed.status }).toEqual({ value, status: 400 });
    }
  });

  it('refuses requests without a key or with a revoked or unknown key on every route', async () => {
    const revoked = await t.admin.json<{ key: string; info: { id: number } }>('POST', '/v1/api-keys', {
      name: 'gone',
      projectId: a.id,
    });
    await call(`${t.url}/v1/api-keys/${revoked.info.id}`, t.adminKey, 'DELETE');
    for (const op of await projectOperations()) {
      for (const key of [undefined, revoked.key, 'vlm_made_up']) {
        const res = await call(
          t.url + fill(op.path, a.id),
          key,
          op.method,
          op.method === 'GET' ? undefined : {},
        );
        expect({ op, key, status: res.status }).toEqual({ op, key, status: 401 });
      }
    }
  });

  it('lets a project key use its own project but not admin routes', async () => {
    expect((await call(`${t.url}/v1/projects/${a.id}`, keyA, 'GET')).status).toBe(200);
    expect((await call(`${t.url}/v1/projects/${a.id}/images`, keyA, 'GET')).body.data).toHaveLength(1);
    const listed = await call(`${t.url}/v1/projects`, keyA, 'GET');
    expect(listed.body.data.map((p: any) => p.id)).toEqual([a.id]);
    expect((await call(`${t.url}/v1/projects`, keyA, 'POST', { name: 'nope' })).status).toBe(403);
    expect((await call(`${t.url}/v1/api-keys`, keyA, 'GET')).status).toBe(403);
    expect((await call(`${t.url}/v1/api-keys`, keyA, 'POST', { name: 'x', projectId: b.id })).status).toBe(
      403,
    );
    expect((await call(`${t.url}/v1/projects/${a.id}`, keyA, 'DELETE')).status).toBe(403);
  });

  it('stores keys only as hashes and shows a key only once', async () => {
    const created = await t.admin.json<{ key: string; info: { id: number; prefix: string } }>(
      'POST',
      '/v1/api-keys',
      {
        name: 'once',
      },
    );
    expect(created.key.startsWith(created.info.prefix)).toBe(true);
    const listed = await call(`${t.url}/v1/api-keys`, t.adminKey, 'GET');
    expect(JSON.stringify(listed.body)).not.toContain(created.key);
    const rows = await t.server.ctx.database.pool.query('select hash from api_keys');
    expect(rows.rows.some((r) => r.hash === created.key)).toBe(false);
  });

  it('keeps health and docs public', async () => {
    expect((await call(`${t.url}/health`, undefined, 'GET')).status).toBe(200);
    expect((await call(`${t.url}/ready`, undefined, 'GET')).body).toEqual({ status: 'ready' });
    expect((await call(`${t.url}/docs`, undefined, 'GET')).status).toBe(200);
  });
});
