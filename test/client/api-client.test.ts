import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
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

describe('ApiClient.uploadImages', () => {
  /** A stand-in upload route that answers after 30 ms and records the requests in flight and their files. */
  async function uploadServer() {
    let inFlight = 0;
    const stats = { most: 0, order: [] as string[] };
    const srv = http.createServer(async (req, res) => {
      inFlight++;
      stats.most = Math.max(stats.most, inFlight);
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('latin1');
      const names = [...body.matchAll(/filename="([^"]+)"/g)].map((m) => m[1]);
      await new Promise((r) => setTimeout(r, 30));
      stats.order.push(...names);
      inFlight--;
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [], created: names.length, existing: 0 }));
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    return { srv, stats, url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}` };
  }

  it('sends one batch at a time by default, so ids follow the files; more in flight when asked', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-upload-order-'));
    const files = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const f = path.join(dir, `f${i}.jpg`);
        await fs.writeFile(f, `bytes ${i}`);
        return f;
      }),
    );
    const one = await uploadServer();
    const two = await uploadServer();
    try {
      const done: number[] = [];
      const sequential = await new ApiClient(one.url, 'k').uploadImages(1, files, {
        batch: 1,
        onBatch: (n) => done.push(n),
      });
      expect(sequential).toEqual({ created: 6, existing: 0 });
      expect(one.stats.most).toBe(1);
      expect(one.stats.order).toEqual(files.map((f) => path.basename(f)));
      expect(done).toEqual([1, 2, 3, 4, 5, 6]);
      const parallel = await new ApiClient(two.url, 'k').uploadImages(1, files, { batch: 1, concurrency: 2 });
      expect(parallel).toEqual({ created: 6, existing: 0 });
      expect(two.stats.most).toBe(2);
      expect([...two.stats.order].sort()).toEqual(files.map((f) => path.basename(f)).sort());
    } finally {
      one.srv.close();
      two.srv.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
