import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, unwrap } from '../../src/client/api-client.ts';

// A stand-in server: the typed client's requests and errors, without the app.
let server: http.Server;
let baseUrl: string;
const seen: { method?: string; url?: string; authorization?: string; contentType?: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({
      method: req.method,
      url: req.url,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
    });
    if (req.url?.startsWith('/v1/projects/7/runs/9')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 9, projectId: 7, status: 'running' }));
      return;
    }
    res.writeHead(422, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'about:blank', title: 'Unprocessable', status: 422, detail: 'bad name' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('ApiClient.typed', () => {
  it('sends the key and gives the typed body', async () => {
    const api = new ApiClient(baseUrl, 'k1');
    const run = await unwrap(
      api.typed.GET('/v1/projects/{projectId}/runs/{runId}', {
        params: { path: { projectId: 7, runId: 9 } },
      }),
    );
    expect(run).toMatchObject({ id: 9, status: 'running' });
    expect(seen.at(-1)).toMatchObject({
      method: 'GET',
      url: '/v1/projects/7/runs/9',
      authorization: 'Bearer k1',
    });
    expect(seen.at(-1)?.contentType).toBeUndefined();
  });

  it('throws on an error status with the method, path, status and problem text, as raw requests do', async () => {
    const api = new ApiClient(baseUrl, 'k1');
    const typed = unwrap(
      api.typed.POST('/v1/projects', { body: { name: 'x', categories: [{ name: 'a' }] } }),
    );
    await expect(typed).rejects.toThrow(/^POST \/v1\/projects -> 422: \{.*"detail":"bad name"/);
    const raw = api.json('POST', '/v1/projects', { name: 'x' });
    await expect(raw).rejects.toThrow(/^POST \/v1\/projects -> 422: \{.*"detail":"bad name"/);
  });
});
