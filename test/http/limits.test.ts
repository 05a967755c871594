import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let port: number;

const http = (overrides: Partial<TestServer['server']['ctx']['config']['http']> = {}) => ({
  maxJsonBytes: 64 * 1024,
  maxJsonDepth: 32,
  requestTimeoutMs: 2000,
  ...overrides,
});

beforeAll(async () => {
  t = await startTestServer({ http: http(), coco: { maxBytes: 512 * 1024 } });
  port = Number(new URL(t.url).port);
});
afterAll(() => t?.close());

/** Sends raw bytes on a fresh socket; resolves with what came back once the server closes it. */
function raw(
  payload: string | Buffer,
  options: {
    port?: number;
    keepWriting?: () => string | undefined;
    everyMs?: number;
    giveUpMs?: number;
  } = {},
): Promise<{ response: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(options.port ?? port, '127.0.0.1');
    let response = '';
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      resolve({ response, closedByServer: false });
    }, options.giveUpMs ?? 15_000);
    socket.on('data', (d) => {
      response += d.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearInterval(timer);
      resolve({ response, closedByServer: true });
    });
    socket.write(typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload);
    if (options.keepWriting)
      timer = setInterval(() => {
        const next = options.keepWriting?.();
        if (next !== undefined && !socket.destroyed) socket.write(Buffer.from(next, 'latin1'));
      }, options.everyMs ?? 200);
  });
}

const openConnections = () =>
  new Promise<number>((resolve, reject) =>
    t.server.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );

describe('request bodies', () => {
  it('refuses an ordinary JSON body over its limit with a 413 naming the body', async () => {
    const res = await call(`${t.url}/v1/projects`, t.adminKey, 'POST', {
      name: 'big',
      description: 'x'.repeat(100 * 1024),
    });
    expect(res.status).toBe(413);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.errors[0].name).toBe('body');
  });

  it('lets a COCO import through up to its own, larger limit', async () => {
    const project = await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'coco' });
    const images = Array.from({ length: 2000 }, (_, i) => ({
      id: i + 1,
      file_name: `image-${String(i).padStart(6, '0')}.jpg`,
      width: 64,
      height: 48,
    }));
    const body = { images, annotations: [], categories: [{ id: 1, name: 'thing' }] };
    expect(JSON.stringify(body).length).toBeGreaterThan(64 * 1024);
    const res = await call(`${t.url}/v1/projects/${project.id}/coco-imports`, t.adminKey, 'POST', body);
    expect(res.status).not.toBe(413);
    const tooBig = { ...body, info: { description: 'x'.repeat(600 * 1024) } };
    const refused = await call(`${t.url}/v1/projects/${project.id}/coco-imports`, t.adminKey, 'POST', tooBig);
    expect(refused.status).toBe(413);
  });

  it('refuses JSON nested deeper than the limit with a 400, and keeps serving', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const res = await fetch(`${t.url}/v1/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      body: `{"name":"deep","description":${deep}}`,
    });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { detail: string; errors: { name: string }[] };
    expect(problem.errors[0]).toMatchObject({ name: 'body' });
    expect(problem.detail).toMatch(/nested deeper than 32/);
    // Brackets inside strings are text, not nesting.
    const text = await call(`${t.url}/v1/projects`, t.adminKey, 'POST', { name: '[[[[{{{{'.repeat(10) });
    expect(text.status).toBe(201);
    expect((await call(`${t.url}/health`, undefined, 'GET')).status).toBe(200);
  });

  it('still refuses prototype poisoning', async () => {
    const res = await fetch(`${t.url}/v1/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      body: '{"name":"p","__proto__":{"admin":true}}',
    });
    expect(res.status).toBe(400);
  });

  it('ends a request whose body trickles in past the request timeout', async () => {
    const head =
      `POST /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.adminKey}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":"';
    const started = Date.now();
    const { response, closedByServer } = await raw(head, { keepWriting: () => 'a', everyMs: 300 });
    expect(closedByServer).toBe(true);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(14_000);
  });

  it('ends a multipart upload whose closing boundary never comes', async () => {
    const project = await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'slow' });
    const head =
      `POST /v1/projects/${project.id}/images HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.adminKey}\r\n` +
      'Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n';
    const part =
      '--XyZ\r\nContent-Disposition: form-data; name="files"; filename="a.jpg"\r\n\r\n\xff\xd8\xff';
    const chunk = (s: string) => `${Buffer.byteLength(s, 'latin1').toString(16)}\r\n${s}\r\n`;
    const { response, closedByServer } = await raw(head + chunk(part), {
      keepWriting: () => chunk('\x00'),
      everyMs: 300,
    });
    expect(closedByServer).toBe(true);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    const images = await call(`${t.url}/v1/projects/${project.id}/images`, t.adminKey, 'GET');
    expect(images.body.data).toEqual([]);
  });
});

describe('websocket upgrades', () => {
  const upgrade = (method: string, key?: string) =>
    `${method} /graphql HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
    'Sec-WebSocket-Protocol: graphql-transport-ws\r\n' +
    `${key ? `Authorization: Bearer ${key}\r\n` : ''}Content-Length: 0\r\n\r\n`;

  it('closes the socket of an upgrade that fails, so refused upgrades cannot pile up', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const { response, closedByServer } = await raw(upgrade(method), { giveUpMs: 5000 });
      expect({ method, closedByServer }).toEqual({ method, closedByServer: true });
      // Not a websocket handshake (only GET is), so the key is checked as for any request.
      expect(response).toMatch(/^HTTP\/1\.1 401/);
    }
    const before = await openConnections();
    const burst = await Promise.all(
      Array.from({ length: 30 }, () => raw(upgrade('POST'), { giveUpMs: 5000 })),
    );
    expect(burst.every((r) => r.closedByServer)).toBe(true);
    expect(await openConnections()).toBeLessThanOrEqual(before);
  });

  it('shuts down within its bound even with a client holding a socket open', async () => {
    const own = await startTestServer({ http: http() });
    const ownPort = Number(new URL(own.url).port);
    // A client that starts a request and never finishes it.
    const held = net.connect(ownPort, '127.0.0.1');
    await new Promise((r) => held.once('connect', r));
    held.write('POST /v1/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{');
    await raw(upgrade('POST'), { port: ownPort, giveUpMs: 3000 });
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    held.destroy();
  });
});
