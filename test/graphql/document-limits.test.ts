import { parse } from 'graphql';
import type { Client } from 'graphql-ws/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, graphqlWsClient } from '../helpers/graphql-ws.ts';
import { call, startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let projectId: number;
let client: Client | undefined;

const gql = (query: string) => call(`${t.url}/graphql`, t.adminKey, 'POST', { query });
const aliases = (n: number, field: string) =>
  Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');

beforeAll(async () => {
  t = await startTestServer();
  projectId = (await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'P' })).id;
});
afterAll(async () => {
  await client?.dispose();
  await t?.close();
});

describe('GraphQL document limits', () => {
  it('refuses more aliases than the limit, naming it', async () => {
    const res = await gql(`{ ${aliases(101, `project(id: ${projectId}) { id }`)} }`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({
      message: 'the document has more than 100 aliased fields; the limit is 100',
      extensions: { code: 'TOO_MANY_ALIASES', maxAliases: 100 },
    });
    const atLimit = await gql(`{ ${aliases(100, `project(id: ${projectId}) { id }`)} }`);
    expect(atLimit.status).toBe(200);
    expect(Object.keys(atLimit.body.data)).toHaveLength(100);
  });

  it('refuses 10,000 aliases of one field quickly, naming the limit, while /health stays fast', async () => {
    const started = performance.now();
    const [res, health] = await Promise.all([
      gql(`{ ${aliases(10_000, `project(id: ${projectId}) { id }`)} }`),
      // Sent with the flood: it must not wait for it.
      new Promise((r) => setTimeout(r, 50)).then(() => call(`${t.url}/health`, undefined, 'GET')),
    ]);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(400);
    // 10,000 aliases are about 90,000 tokens: the parser stops at the token limit, before the alias count.
    expect(res.body.errors[0].message).toBe(
      'Syntax Error: Document contains more that 10000 tokens. Parsing aborted.',
    );
    expect(health.status).toBe(200);
    // Before the limit this answered 200 after about 3.8 s.
    expect(elapsed).toBeLessThan(1500);
  });

  it('counts aliases in a query sent as a JSON syntax tree, which skips the parser and its token limit', async () => {
    // 200 aliases: over the alias limit, while the syntax tree stays under the 1 MiB body limit.
    const ast = parse(`{ ${aliases(200, `project(id: ${projectId}) { id }`)} }`, { noLocation: true });
    const res = await gql(JSON.stringify(ast));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_ALIASES' });
  });

  it('counts a fragment’s aliases each time it is spread', async () => {
    const res = await gql(`
      query { ${Array.from({ length: 6 }, (_, i) => `p${i}: project(id: ${projectId}) { ...F }`).join(' ')} }
      fragment F on Project { ${aliases(20, 'name')} }`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_ALIASES' });
  });

  it('refuses more field selections than the limit, aliased or not', async () => {
    const res = await gql(`{ project(id: ${projectId}) { ${Array(1001).fill('id').join(' ')} } }`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({
      message: 'the document selects more than 1000 fields; the limit is 1000',
      extensions: { code: 'TOO_MANY_FIELDS', maxFields: 1000 },
    });
  });

  it('refuses fragments that double at every level before expanding them all', async () => {
    // 2^24 selections once expanded, in a document of a few hundred tokens.
    const levels = Array.from(
      { length: 24 },
      (_, i) => `fragment F${i} on Project { id ...F${i + 1} ...F${i + 1} }`,
    ).join('\n');
    const started = performance.now();
    const res = await gql(
      `{ project(id: ${projectId}) { ...F0 } }\n${levels}\nfragment F24 on Project { id }`,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_FIELDS' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('answers a normal query with a few aliases', async () => {
    const res = await gql(
      `{ first: project(id: ${projectId}) { id title: name } again: project(id: ${projectId}) { id } }`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: { first: { id: String(projectId), title: 'P' }, again: { id: String(projectId) } },
    });
  });

  it('applies the alias limit to subscriptions too', async () => {
    client = await graphqlWsClient(t.url, t.adminKey);
    const stream = collect(
      client,
      `subscription { projectEvents(projectId: ${projectId}) { ${aliases(101, 'id')} } }`,
    );
    await expect.poll(() => stream.errors.length).toBeGreaterThan(0);
    expect(stream.errors[0]).toMatchObject({ extensions: { code: 'TOO_MANY_ALIASES' } });
  });
});
