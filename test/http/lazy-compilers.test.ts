import fs from 'node:fs/promises';
import ValidatorSelector from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

/** `/v1/projects/{projectId}` as Fastify writes it: `/v1/projects/:projectId`. */
const fastifyUrl = (openapiPath: string) => openapiPath.replace(/\{(\w+)\}/g, ':$1');

describe('response serialisation', () => {
  it('compiles every route’s validators and response serializers (fast-json-stringify); every JSON 2xx has one', async () => {
    // The app compiles serializers at first use; this builds it with Fastify's eager factory instead,
    // recording each route and status it compiles, so a schema fast-json-stringify refuses fails here.
    const compiled = new Set<string>();
    let validators = 0;
    const eager = SerializerSelector();
    const eagerValidators = ValidatorSelector();
    const app = await buildApp(t.server.ctx, {
      schemaController: {
        compilersFactory: {
          buildValidator: (external: unknown, opts: unknown) => {
            const compile = eagerValidators(external as never, opts as never);
            return (route: unknown) => {
              validators++;
              return compile(route as never);
            };
          },
          buildSerializer: (external: unknown, opts: unknown) => {
            const compile = eager(external as never, opts as never);
            return (route: { method: string; url: string; httpStatus: string }) => {
              compiled.add(`${route.method} ${route.url} ${route.httpStatus}`);
              return compile(route as never);
            };
          },
        },
      },
    });
    await app.ready();
    await app.close();

    const doc = JSON.parse(await fs.readFile(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'));
    const missing: string[] = [];
    let json = 0;
    for (const [path, operations] of Object.entries<Record<string, { responses: Record<string, any> }>>(
      doc.paths,
    ))
      for (const [method, op] of Object.entries(operations))
        for (const [status, response] of Object.entries(op.responses)) {
          if (!status.startsWith('2') || !response.content?.['application/json']) continue;
          json++;
          const key = `${method.toUpperCase()} ${fastifyUrl(path)} ${status}`;
          if (!compiled.has(key)) missing.push(key);
        }
    expect(missing).toEqual([]);
    expect(json).toBeGreaterThan(50);
    // Request validators too (params, querystrings, bodies), which the app also compiles at first use.
    expect(validators).toBeGreaterThan(json);
  });
});
