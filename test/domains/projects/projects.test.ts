import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

describe('projects and categories', () => {
  it('creates, reads, updates, pages and deletes projects', async () => {
    const created = await call(`${t.url}/v1/projects`, t.adminKey, 'POST', {
      name: 'shapes',
      categories: [
        { name: 'circle', color: '#ff0000' },
        { name: 'square', supercategory: 'polygon' },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body.categories.map((c: any) => [c.name, c.color, c.supercategory])).toEqual([
      ['circle', '#ff0000', null],
      ['square', null, 'polygon'],
    ]);
    const id = created.body.id;
    const patched = await call(`${t.url}/v1/projects/${id}`, t.adminKey, 'PATCH', { description: 'test' });
    expect(patched.body.description).toBe('test');
    for (let i = 0; i < 4; i++) await call(`${t.url}/v1/projects`, t.adminKey, 'POST', { name: `p${i}` });
    const first = await call(`${t.url}/v1/projects?limit=2`, t.adminKey, 'GET');
    expect(first.body.data).toHaveLength(2);
    const second = await call(
      `${t.url}/v1/projects?limit=2&cursor=${first.body.nextCursor}`,
      t.adminKey,
      'GET',
    );
    expect(second.body.data[0].id).toBeGreaterThan(first.body.data[1].id);
    expect((await call(`${t.url}/v1/projects/${id}`, t.adminKey, 'DELETE')).status).toBe(204);
    const gone = await call(`${t.url}/v1/projects/${id}`, t.adminKey, 'GET');
    expect(gone.status).toBe(404);
    expect(gone.type).toContain('application/problem+json');
  });

  it('validates input as problem+json naming the field', async () => {
    const missing = await call(`${t.url}/v1/projects`, t.adminKey, 'POST', { categories: [] });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ status: 400, errors: [{ name: 'name' }] });
    const color = await call(`${t.url}/v1/projects`, t.adminKey, 'POST', {
      name: 'x',
      categories: [{ name: 'a', color: 'red' }],
    });
    expect(color.body.errors[0].name).toBe('categories[0].color');
    const dup = await call(`${t.url}/v1/projects`, t.adminKey, 'POST', {
      name: 'x',
      categories: [{ name: 'a' }, { name: 'a' }],
    });
    expect(dup.status).toBe(422);
    expect(dup.body.errors[0].name).toBe('categories[1].name');
    const badJson = await fetch(`${t.url}/v1/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get('content-type')).toContain('application/problem+json');
  });

  it('adds, renames and deletes categories, refusing to delete one with labels', async () => {
    const p = await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'cats' });
    const added = await call(`${t.url}/v1/projects/${p.id}/categories`, t.adminKey, 'POST', {
      categories: [{ name: 'x' }, { name: 'y' }],
    });
    expect(added.status).toBe(201);
    const [x, y] = added.body;
    const clash = await call(`${t.url}/v1/projects/${p.id}/categories/${y.id}`, t.adminKey, 'PATCH', {
      name: 'x',
    });
    expect(clash.status).toBe(409);
    const renamed = await call(`${t.url}/v1/projects/${p.id}/categories/${y.id}`, t.adminKey, 'PATCH', {
      name: 'z',
    });
    expect(renamed.body.name).toBe('z');
    expect((await call(`${t.url}/v1/projects/${p.id}/categories/${x.id}`, t.adminKey, 'DELETE')).status).toBe(
      204,
    );
    expect(
      (await t.admin.json<{ categories: unknown[] }>('GET', `/v1/projects/${p.id}`)).categories,
    ).toHaveLength(1);
  });

  it('answers unknown routes with problem+json', async () => {
    const res = await call(`${t.url}/v1/nothing-here`, t.adminKey, 'GET');
    expect(res.status).toBe(404);
    expect(res.type).toContain('application/problem+json');
  });
});
