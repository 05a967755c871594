import fs from 'node:fs/promises';
import Fastify from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { operationIdCheck } from '../src/http/openapi-document.ts';
import { renderOpenApi } from '../src/openapi.ts';

let rendered: string;
let doc: any;
beforeAll(async () => {
  rendered = await renderOpenApi();
  doc = JSON.parse(rendered);
});

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ where: `${method} ${path}`, operation })),
  );

/** Follows a local `$ref` (`#/components/...`) to what it names. */
const resolve = (ref: string): unknown =>
  ref
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<any>((node, part) => node?.[part], doc);

describe('OpenAPI', () => {
  it('matches the committed openapi/openapi.json (run `npm run openapi` after changing routes)', async () => {
    const committed = await fs.readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8');
    expect(rendered).toBe(committed);
  });

  it('is OpenAPI 3.1 with problem+json errors and bearer auth', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    const upload = doc.paths['/v1/projects/{projectId}/images'].post;
    expect(Object.keys(upload.requestBody.content)).toEqual(['multipart/form-data']);
    const unprocessable = resolve(upload.responses['422'].$ref) as any;
    expect(Object.keys(unprocessable.content)).toEqual(['application/problem+json']);
    expect(unprocessable.content['application/problem+json'].schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
  });

  it('gives every operation a unique camelCase operationId and a declared tag', () => {
    const tags = new Set((doc.tags as { name: string; description: string }[]).map((t) => t.name));
    const ids = operations().map(({ where, operation }) => {
      expect({ where, operationId: operation.operationId }).toEqual({
        where,
        operationId: expect.stringMatching(/^[a-z][A-Za-z0-9]*$/),
      });
      expect({
        where,
        tagged: operation.tags?.length > 0 && operation.tags.every((t: string) => tags.has(t)),
      }).toEqual({ where, tagged: true });
      return operation.operationId as string;
    });
    expect(ids.length).toBeGreaterThanOrEqual(70);
    expect(new Set(ids).size).toBe(ids.length);
    for (const tag of doc.tags) expect(tag.description).toBeTruthy();
    expect(doc.info.description).toBeTruthy();
    expect(doc.servers.length).toBeGreaterThan(0);
  });

  it('resolves every $ref, and every component is used', () => {
    const refs = [...rendered.matchAll(/"\$ref": "([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(100);
    for (const ref of new Set(refs))
      expect({ ref, resolved: resolve(ref) !== undefined }).toEqual({ ref, resolved: true });
    for (const kind of ['schemas', 'responses', 'parameters'])
      for (const name of Object.keys(doc.components[kind])) {
        const ref = `#/components/${kind}/${name}`;
        expect({ ref, used: refs.includes(ref) }).toEqual({ ref, used: true });
      }
  });

  it('defines each resource shape once, as a component the operations refer to', () => {
    const json = (op: any, status: string) => op.responses[status].content['application/json'].schema;
    const runs = '/v1/projects/{projectId}/runs';
    expect(json(doc.paths[runs].post, '202')).toEqual({ $ref: '#/components/schemas/Run' });
    for (const action of ['pause', 'resume', 'cancel'])
      expect(json(doc.paths[`${runs}/{runId}/${action}`].post, '200')).toEqual({
        $ref: '#/components/schemas/Run',
      });
    expect(json(doc.paths[runs].get, '200')).toEqual({ $ref: '#/components/schemas/RunPage' });
    expect(doc.components.schemas.RunPage.properties.data.items).toEqual({
      $ref: '#/components/schemas/Run',
    });
    expect(doc.components.schemas.Run.properties.iterations.items).toEqual({
      $ref: '#/components/schemas/RunIteration',
    });
    // Shapes that were inlined many times appear once: a property only they have is spelled once.
    for (const name of ['cumulativeCost', 'trainingDevice', 'approvalPrecision', 'labelSnapshot']) {
      const property = `"${name}": {`;
      expect({ property, times: rendered.split(property).length - 1 }).toEqual({ property, times: 1 });
    }
  });
});

describe('the operationId check', () => {
  const appWith = (register: (app: ReturnType<typeof Fastify>) => void) => {
    const app = Fastify();
    app.addHook('onRoute', operationIdCheck());
    app.register(async (v1) => register(v1 as never), { prefix: '/v1' });
    return app;
  };

  it('refuses a /v1 route without an operationId', async () => {
    const app = appWith((v1) => v1.get('/things', { schema: { tags: ['projects'] } }, async () => 'x'));
    await expect(app.ready()).rejects.toThrow('route GET /v1/things must declare an operationId');
  });

  it('refuses an operationId used twice, one not in camelCase, and a route without a known tag', async () => {
    const twice = appWith((v1) => {
      v1.get('/a', { schema: { operationId: 'getThing', tags: ['projects'] } }, async () => 'a');
      v1.get('/b', { schema: { operationId: 'getThing', tags: ['projects'] } }, async () => 'b');
    });
    await expect(twice.ready()).rejects.toThrow('operationId getThing is already used by route GET /v1/a');
    const snake = appWith((v1) =>
      v1.get('/a', { schema: { operationId: 'get_thing', tags: ['projects'] } }, async () => 'a'),
    );
    await expect(snake.ready()).rejects.toThrow('must be camelCase');
    const untagged = appWith((v1) =>
      v1.get('/a', { schema: { operationId: 'getThing', tags: ['things'] } }, async () => 'a'),
    );
    await expect(untagged.ready()).rejects.toThrow('must be tagged with one of');
  });

  it('accepts a named, tagged route and its automatic HEAD route', async () => {
    const app = appWith((v1) =>
      v1.get('/a', { schema: { operationId: 'getThing', tags: ['projects'] } }, async () => 'a'),
    );
    await expect(app.ready()).resolves.toBeDefined();
    await app.close();
  });
});
