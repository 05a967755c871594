import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, jpeg } from '../helpers/images.ts';
import { countQueries } from '../helpers/query-counter.ts';
import { call, startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let a: { id: number; categories: { id: number; name: string }[] };
let b: { id: number };
let keyA: string;
let keyB: string;
let imageIds: number[];
const IMAGES = 60;

/** POST /graphql with a key, as any GraphQL client would. */
const gql = (query: string, variables: Record<string, unknown> = {}, key: string | null = t.adminKey) =>
  call(`${t.url}/graphql`, key ?? undefined, 'POST', { query, variables });

const square = (x: number, y: number, s: number) => [[x, y, x + s, y, x + s, y + s, x, y + s]];

beforeAll(async () => {
  t = await startTestServer();
  a = await t.admin.json('POST', '/v1/projects', {
    name: 'A',
    categories: [{ name: 'cat' }, { name: 'dog' }],
  });
  b = await t.admin.json('POST', '/v1/projects', { name: 'B', categories: [{ name: 'thing' }] });
  keyA = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'a', projectId: a.id })).key;
  keyB = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'b', projectId: b.id })).key;
  const files = await Promise.all(
    Array.from({ length: IMAGES }, async (_, i) => ({
      name: `img-${i}.jpg`,
      bytes: await jpeg(24, 24, i + 1),
    })),
  );
  const up = await call(`${t.url}/v1/projects/${a.id}/images`, t.adminKey, 'POST', form(files));
  imageIds = up.body.data.map((i: { id: number }) => i.id);
  // Labels on the first 50: two per image, of alternating sources and categories.
  for (const [i, imageId] of imageIds.slice(0, 50).entries())
    await t.server.ctx.services.labels.create(a.id, imageId, [
      {
        categoryId: a.categories[i % 2].id,
        segmentation: square(1, 1, 5),
        source: i % 3 === 0 ? 'import' : 'human',
      },
      { categoryId: a.categories[(i + 1) % 2].id, segmentation: square(8, 8, 6), source: 'human' },
    ]);
  await call(`${t.url}/v1/projects/${a.id}/images`, t.adminKey, 'PATCH', {
    ids: imageIds.slice(50, 55),
    split: 'val',
  });
  await call(
    `${t.url}/v1/projects/${b.id}/images`,
    t.adminKey,
    'POST',
    form([{ name: 'b.jpg', bytes: await jpeg(8, 8, 999) }]),
  );
});
afterAll(() => t?.close());

const PAGE = `query Page($id: ID!, $first: Int, $after: String, $filter: ImageFilter) {
  project(id: $id) {
    images(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id fileName split poolState } }
    }
  }
}`;

async function allPages(filter: Record<string, unknown> = {}, first = 25) {
  const ids: number[] = [];
  let after: string | null = null;
  let pages = 0;
  let total = 0;
  do {
    const res = await gql(PAGE, { id: a.id, first, after, filter });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const conn = res.body.data.project.images;
    ids.push(...conn.edges.map((e: { node: { id: string } }) => Number(e.node.id)));
    total = conn.totalCount;
    after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
    pages++;
  } while (after);
  return { ids, pages, total };
}

async function restIds(query: string) {
  const res = await call(`${t.url}/v1/projects/${a.id}/images?limit=500&${query}`, t.adminKey, 'GET');
  return res.body.data.map((i: { id: number }) => i.id);
}

describe('GraphQL queries', () => {
  it('pages through a project’s images with Relay cursors, like REST', async () => {
    const { ids, pages, total } = await allPages();
    expect(pages).toBe(3);
    expect(total).toBe(IMAGES);
    expect(ids).toEqual(imageIds);
    expect(ids).toEqual(await restIds(''));
  });

  it('filters by split, pool state and label source as REST does', async () => {
    expect((await allPages({ split: 'val' })).ids).toEqual(await restIds('split=val'));
    expect((await allPages({ split: 'val' })).ids).toHaveLength(5);
    expect((await allPages({ poolState: 'labeled' })).ids).toEqual(await restIds('poolState=labeled'));
    expect((await allPages({ labelSource: 'import' }, 7)).ids).toEqual(await restIds('labelSource=import'));
    expect((await allPages({ labelSource: 'none' })).ids).toEqual(imageIds.slice(50));
    const typo = await gql(PAGE, { id: a.id, filter: { split: 'training' } });
    expect(typo.status).toBe(400);
    expect(typo.body.errors[0].message).toMatch(/training/);
  });

  it('returns labels with categories, sources and counts, and answers GET too', async () => {
    const query = `{ project(id: ${a.id}) { name categories { name } images(first: 1) { edges { node {
      labelCounts { total import human approvedPrediction }
      labels { source bbox area segmentation { size } category { name } image { id } }
      humanOnly: labels(source: human) { id }
    } } } } }`;
    const res = await call(`${t.url}/graphql?query=${encodeURIComponent(query)}`, keyA, 'GET');
    expect(res.status).toBe(200);
    const node = res.body.data.project.images.edges[0].node;
    expect(res.body.data.project.categories.map((c: { name: string }) => c.name)).toEqual(['cat', 'dog']);
    expect(node.labelCounts).toEqual({ total: 2, import: 1, human: 1, approvedPrediction: 0 });
    expect(node.labels).toEqual([
      {
        source: 'import',
        bbox: [1, 1, 5, 5],
        area: 25,
        segmentation: { size: [24, 24] },
        category: { name: 'cat' },
        image: { id: String(imageIds[0]) },
      },
      {
        source: 'human',
        bbox: [8, 8, 6, 6],
        area: 36,
        segmentation: { size: [24, 24] },
        category: { name: 'dog' },
        image: { id: String(imageIds[0]) },
      },
    ]);
    expect(node.humanOnly).toHaveLength(1);
  });

  it('resolves 50 images with labels and categories in a constant, small number of SQL queries', async () => {
    const query = `query Q($id: ID!, $first: Int) { project(id: $id) { categories { id } images(first: $first) { edges { node {
      id fileName labelCounts { total human }
      labels { id source area category { id name } }
    } } } } }`;
    const count = (first: number) =>
      countQueries(t.server.ctx.database.pool, async () => {
        const res = await gql(query, { id: a.id, first }, keyA);
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data.project.images.edges).toHaveLength(first);
      });
    const for50 = await count(50);
    const for5 = await count(5);
    // key, project + categories, the page (after the service's own project check: 2), labels, counts, categories
    expect(for50).toBeLessThanOrEqual(9);
    expect(for50).toBe(for5);
  });
});

describe('GraphQL mutations', () => {
  it('creates a project (admin only) and sets splits in bulk, visible through REST', async () => {
    const created =
      await gql(`mutation { createProject(input: { name: "G", categories: [{ name: "x", color: "#ff0000" }] }) {
      id name categories { name color } } }`);
    expect(created.body.data.createProject).toMatchObject({
      name: 'G',
      categories: [{ name: 'x', color: '#ff0000' }],
    });
    const refused = await gql('mutation { createProject(input: { name: "nope" }) { id } }', {}, keyA);
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');

    const ids = imageIds.slice(0, 3).map(String);
    const res = await gql(
      'mutation M($p: ID!, $ids: [ID!]!) { updateImages(projectId: $p, ids: $ids, split: test, poolState: unlabeled) { id split poolState } }',
      { p: a.id, ids },
      keyA,
    );
    expect(res.body.data.updateImages).toEqual(
      ids.map((id) => ({ id, split: 'test', poolState: 'unlabeled' })),
    );
    expect(await restIds('split=test')).toEqual(imageIds.slice(0, 3));
    await gql(
      'mutation M($p: ID!, $ids: [ID!]!) { updateImages(projectId: $p, ids: $ids, split: train, poolState: labeled) { id } }',
      {
        p: a.id,
        ids,
      },
    );
  });

  it('changes and clears fields as PATCH does', async () => {
    const id = a.categories[1].id;
    await gql(`mutation { updateProject(id: ${a.id}, input: { description: "about A" }) { id } }`);
    const res = await gql(`mutation {
      updateProject(id: ${a.id}, input: { description: null }) { name description }
      updateCategory(projectId: ${a.id}, id: ${id}, input: { color: "#00ff00" }) { name color }
    }`);
    expect(res.body.data).toEqual({
      updateProject: { name: 'A', description: null },
      updateCategory: { name: 'dog', color: '#00ff00' },
    });
    const bad = await gql(
      `mutation { updateCategory(projectId: ${a.id}, id: ${id}, input: { color: "green" }) { id } }`,
    );
    expect(bad.body.errors[0].extensions).toMatchObject({
      code: 'VALIDATION',
      errors: [{ name: 'input.color' }],
    });
  });

  it('reports service validation errors with the offending field, like problem+json', async () => {
    const res = await gql(
      'mutation { updateImages(projectId: "%P", ids: ["999999"], split: val) { id } }'.replace(
        '%P',
        String(a.id),
      ),
    );
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'VALIDATION', errors: [{ name: 'ids[0]' }] });
    expect(res.body.errors[0].message).toMatch(/not in project/);
  });

  it('refuses mutations over GET', async () => {
    const res = await call(
      `${t.url}/graphql?query=${encodeURIComponent('mutation { deleteProject(id: 1) }')}`,
      t.adminKey,
      'GET',
    );
    expect(res.status).toBe(405);
  });
});

describe('GraphQL keys and isolation', () => {
  it('needs a valid key, answered as REST does', async () => {
    for (const key of [null, 'vlm_made_up']) {
      const res = await gql('{ projects { edges { node { id } } } }', {}, key);
      expect(res.status).toBe(401);
      expect(res.type).toContain('application/problem+json');
    }
  });

  it('shows a project key only its project', async () => {
    const listed = await gql('{ projects { edges { node { id } } } }', {}, keyB);
    expect(listed.body.data.projects.edges.map((e: { node: { id: string } }) => Number(e.node.id))).toEqual([
      b.id,
    ]);
    const foreign = await gql(`{ project(id: ${a.id}) { name images { totalCount } } }`, {}, keyB);
    expect(foreign.body.data.project).toBeNull();
    expect(foreign.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const image = await gql(`{ image(projectId: ${a.id}, id: ${imageIds[0]}) { id } }`, {}, keyB);
    expect(image.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const own = await gql(`{ image(projectId: ${b.id}, id: ${imageIds[0]}) { id } }`, {}, keyB);
    expect(own.body).toEqual({ data: { image: null } });
  });

  it('refuses every mutation on another project and changes nothing', async () => {
    const before = await restIds('split=val');
    const attempts = [
      `updateImages(projectId: ${a.id}, ids: ["${imageIds[50]}"], split: train) { id }`,
      `updateProject(id: ${a.id}, input: { name: "taken" }) { id }`,
      `addCategories(projectId: ${a.id}, categories: [{ name: "bird" }]) { id }`,
      `createLabels(projectId: ${a.id}, imageId: ${imageIds[0]}, labels: [{ categoryId: ${a.categories[0].id}, segmentation: [[1,1,4,1,4,4]] }]) { id }`,
      `deleteProject(id: ${a.id})`,
    ];
    for (const m of attempts) {
      const res = await gql(`mutation { ${m} }`, {}, keyB);
      expect({ m, code: res.body.errors?.[0]?.extensions?.code }).toEqual({ m, code: 'FORBIDDEN' });
    }
    expect(await restIds('split=val')).toEqual(before);
    expect((await call(`${t.url}/v1/projects/${a.id}`, t.adminKey, 'GET')).body.name).toBe('A');
  });
});

describe('GraphQL limits', () => {
  it('refuses queries nested too deep, with a clear error', async () => {
    const deep = `{ project(id: ${a.id}) { images(first: 1) { edges { node {
      labels { image { labels { image { labels { category { name } } } } } } } } } } }`;
    const res = await gql(deep);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        message: 'operation anonymous is 11 levels deep; the limit is 10',
        extensions: { code: 'QUERY_TOO_DEEP', depth: 11, maxDepth: 10 },
      }),
    ]);
  });

  it('refuses queries that would cost too much, before running them', async () => {
    const costly = `{ projects(first: 500) { edges { node { images(first: 500) { edges { node { id labels { id } } } } } } } }`;
    const res = await gql(costly);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/would cost about \d+; the limit is 50000/);
    expect(res.body.errors[0].extensions.code).toBe('QUERY_TOO_COSTLY');
    // Page sizes given as variables count with their values.
    const byVariable = (n: number) =>
      gql(
        'query Q($n: Int) { projects(first: $n) { edges { node { images(first: $n) { edges { node { id } } } } } } }',
        {
          n,
        },
      );
    expect((await byVariable(500)).body.errors[0].extensions.code).toBe('QUERY_TOO_COSTLY');
    expect((await byVariable(2)).body.errors).toBeUndefined();
  });

  it('rejects an out-of-range page size like REST', async () => {
    const res = await gql(`{ project(id: ${a.id}) { images(first: 501) { totalCount } } }`);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'VALIDATION', errors: [{ name: 'first' }] });
  });
});
