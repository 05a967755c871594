import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, jpeg } from '../../helpers/images.ts';
import { countQueries } from '../../helpers/query-counter.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';

/**
 * The SQL statements behind the hot reads (bench/reads.bench.ts), pinned: the minimal handler the bench
 * compares against runs 2 for a project, 1 per page and 4 for the dataset-state query, and so must these.
 */
let t: TestServer;
let projectId: number;
const STATE = `query State($id: ID!) { project(id: $id) { id name categories { id name }
  images(first: 50) { edges { node { id fileName split poolState
    labelCounts { total import human approvedPrediction } } } } } }`;

beforeAll(async () => {
  t = await startTestServer();
  const project = await t.admin.json<{ id: number; categories: { id: number }[] }>('POST', '/v1/projects', {
    name: 'P',
    categories: [{ name: 'a' }],
  });
  projectId = project.id;
  const files = await Promise.all(
    Array.from({ length: 6 }, async (_, i) => ({ name: `${i}.jpg`, bytes: await jpeg(16, 16, i + 1) })),
  );
  const up = await call(`${t.url}/v1/projects/${projectId}/images`, t.adminKey, 'POST', form(files));
  for (const image of up.body.data)
    await t.server.ctx.services.labels.create(projectId, image.id, [
      { categoryId: project.categories[0].id, segmentation: [[1, 1, 8, 1, 8, 8, 1, 8]] },
    ]);
});
afterAll(() => t?.close());

/** Statements run by one request, its key already looked up (the first request of a key pays one more). */
async function statements(path: string, init?: { method: string; body: unknown }): Promise<number> {
  const url = `${t.url}${path}`;
  await call(url, t.adminKey, init?.method ?? 'GET', init?.body);
  return countQueries(t.server.ctx.database.pool, async () => {
    const res = await call(url, t.adminKey, init?.method ?? 'GET', init?.body);
    expect(res.status).toBe(200);
  });
}

describe('statements per hot read', () => {
  it('REST: 2 for a project (itself and its categories), 1 for a non-empty page', async () => {
    expect(await statements(`/v1/projects/${projectId}`)).toBe(2);
    expect(await statements(`/v1/projects/${projectId}/images?limit=50`)).toBe(1);
    expect(await statements(`/v1/projects/${projectId}/labels?limit=500`)).toBe(1);
  });

  it('REST: an empty page asks whether the project exists, and a missing one is a 404', async () => {
    expect(await statements(`/v1/projects/${projectId}/images?split=test`)).toBe(2);
    const missing = await call(`${t.url}/v1/projects/999999/labels`, t.adminKey, 'GET');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe('project 999999 does not exist');
  });

  it('GraphQL: 4 for the dataset-state query (project, categories, image page, label counts)', async () => {
    const body = { query: STATE, variables: { id: projectId } };
    expect(await statements('/graphql', { method: 'POST', body })).toBe(4);
  });

  it('the first request of a key looks it up once', async () => {
    const { key } = await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'fresh' });
    const url = `${t.url}/v1/projects/${projectId}`;
    const pool = t.server.ctx.database.pool;
    expect(await countQueries(pool, async () => void (await call(url, key, 'GET')))).toBe(3);
    expect(await countQueries(pool, async () => void (await call(url, key, 'GET')))).toBe(2);
  });
});
