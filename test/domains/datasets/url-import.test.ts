import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg, png } from '../../helpers/images.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';

/**
 * Images by URL from a real HTTP server on loopback: refused until the project's allow-list names it,
 * then fetched through the upload path. Every address form that hides an inside address is refused
 * even then, each with problem+json naming the URL.
 */
let t: TestServer;
let projectId: number;
let otherProjectId: number;
let projectKey: string;
let source: http.Server;
let base: string;
/** A second origin (another port): a redirect there must not carry the first origin's credential. */
let elsewhere: http.Server;
let elsewhereBase: string;
const elsewhereAuth: (string | undefined)[] = [];
const requests: { path: string; authorization?: string }[] = [];
let red: Buffer;
let blue: Buffer;

const importUrls = (body: unknown, pid = projectId, key = t.adminKey) =>
  call(`${t.url}/v1/projects/${pid}/images/from-urls`, key, 'POST', body);
const setAllowList = (entries: string[], key = t.adminKey, pid = projectId) =>
  call(`${t.url}/v1/projects/${pid}/url-allow-list`, key, 'PUT', { entries });
const imageCount = async (pid = projectId) =>
  (await call(`${t.url}/v1/projects/${pid}/images?limit=500`, t.adminKey, 'GET')).body.data.length;

beforeAll(async () => {
  [red, blue] = [await png(12, 8, 1), await jpeg(20, 10, 2)];
  source = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    if (req.url === '/red.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(red);
    if (req.url === '/private/blue.jpg') {
      if (req.headers.authorization !== 'Token s3cret') return res.writeHead(401).end('no');
      return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(blue);
    }
    if (req.url === '/to-metadata')
      return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (req.url === '/private/away')
      return res.writeHead(302, { location: `${elsewhereBase}/blue.jpg` }).end();
    if (req.url === '/to-red') return res.writeHead(301, { location: '/red.png' }).end();
    if (req.url === '/text') return res.writeHead(200, { 'content-type': 'text/plain' }).end('not an image');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
  elsewhere = http.createServer((req, res) => {
    elsewhereAuth.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end(blue);
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  elsewhereBase = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
  t = await startTestServer();
  const make = (name: string) =>
    t.admin.json<{ id: number }>('POST', '/v1/projects', { name, categories: [{ name: 'a' }] });
  projectId = (await make('urls')).id;
  otherProjectId = (await make('urls other')).id;
  projectKey = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'p', projectId })).key;
});
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => source?.close(resolve));
  await new Promise((resolve) => elsewhere?.close(resolve));
});

describe('URL allow-list', () => {
  it('refuses loopback while the allow-list is empty, naming the URL, fetching nothing', async () => {
    const before = requests.length;
    const res = await importUrls({ urls: [`${base}/red.png`] });
    expect(res.status).toBe(422);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.errors).toEqual([
      { name: 'urls[0]', detail: expect.stringMatching(/127\.0\.0\.1.*not in the project's URL allow-list/) },
    ]);
    expect(requests.length).toBe(before);
  });

  it('is changed by admin keys only, and read by the project key', async () => {
    const refused = await setAllowList(['127.0.0.1/32'], projectKey);
    expect(refused.status).toBe(403);
    const res = await setAllowList(['127.0.0.1', 'CVAT.Internal', '*.corp.example', '10.1.2.3/8']);
    expect(res.status).toBe(200);
    const read = await call(`${t.url}/v1/projects/${projectId}/url-allow-list`, projectKey, 'GET');
    expect(read.body.data.map((e: { entry: string }) => e.entry)).toEqual([
      '*.corp.example',
      '10.0.0.0/8',
      '127.0.0.1/32',
      'cvat.internal',
    ]);
  });

  it('refuses entries that are not hosts or networks, or too wide, naming each', async () => {
    const res = await setAllowList(['10.0.0.0/8', '0.0.0.0/0', 'not a host', '::/0', 'http://x/']);
    expect(res.status).toBe(422);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.errors.map((e: { name: string }) => e.name)).toEqual([
      'entries[1]',
      'entries[2]',
      'entries[3]',
      'entries[4]',
    ]);
    expect(res.body.errors[0].detail).toMatch(/too wide/);
    // Nothing of the refused request was stored.
    const read = await call(`${t.url}/v1/projects/${projectId}/url-allow-list`, t.adminKey, 'GET');
    expect(read.body.data).toHaveLength(4);
  });
});

describe('import by URL', () => {
  it('imports from a loopback server inside the allow-list into the unlabelled pool', async () => {
    const res = await importUrls({ urls: [`${base}/red.png`] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ created: 1, existing: 0 });
    expect(res.body.data[0]).toMatchObject({
      fileName: 'red.png',
      width: 12,
      height: 8,
      mimeType: 'image/png',
      poolState: 'unlabeled',
      duplicate: false,
    });
    const original = await fetch(`${t.url}/v1/projects/${projectId}/images/${res.body.data[0].id}/original`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(Buffer.from(await original.arrayBuffer()).equals(red)).toBe(true);
  });

  it('dedups by content like an upload: the same bytes by another URL (a redirect) are the same image', async () => {
    const res = await importUrls({ urls: [`${base}/to-red`] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ created: 0, existing: 1 });
    expect(res.body.data[0].duplicate).toBe(true);
  });

  it('sends a source credential to that source only', async () => {
    const before = await imageCount();
    const without = await importUrls({ urls: [`${base}/private/blue.jpg`] });
    expect(without.status).toBe(422);
    expect(without.body.errors[0]).toEqual({
      name: 'urls[0]',
      detail: expect.stringMatching(/answered 401/),
    });
    const marker = requests.length;
    const res = await importUrls({
      urls: [`${base}/red.png`, `${base}/private/blue.jpg`],
      credentials: [
        { urlPrefix: `${base}/private/`, header: 'Authorization', value: 'Token s3cret' },
        { urlPrefix: 'http://127.0.0.1.evil.example/', header: 'Authorization', value: 'Token other' },
      ],
      split: 'val',
    });
    expect(res.status).toBe(201);
    expect(res.body.data.map((i: { width: number; split: string }) => [i.width, i.split])).toEqual([
      [12, 'train'], // already stored, kept as it was
      [20, 'val'],
    ]);
    expect(requests.slice(marker)).toEqual([
      { path: '/red.png', authorization: undefined },
      { path: '/private/blue.jpg', authorization: 'Token s3cret' },
    ]);
    expect(await imageCount()).toBe(before + 1);
  });

  it('drops the credential when a redirect leaves its origin', async () => {
    const res = await importUrls({
      urls: [`${base}/private/away`],
      credentials: [{ urlPrefix: `${base}/private/`, header: 'Authorization', value: 'Token s3cret' }],
    });
    expect(res.status).toBe(201);
    expect(res.body.data[0].width).toBe(20);
    expect(elsewhereAuth).toEqual([undefined]);
  });

  it('stores nothing when one URL is not an image, naming it', async () => {
    const before = await imageCount();
    const res = await importUrls({ urls: [`${base}/red.png`, `${base}/text`] });
    expect(res.status).toBe(422);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.errors).toEqual([{ name: 'urls[1]', detail: expect.stringMatching(/^text:/) }]);
    expect(await imageCount()).toBe(before);
  });

  it('refuses a redirect out of the allow-list (to cloud metadata)', async () => {
    const res = await importUrls({ urls: [`${base}/to-metadata`] });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      { name: 'urls[0]', detail: expect.stringMatching(/169\.254\.169\.254/) },
    ]);
  });

  it("keeps one project's allow-list to that project", async () => {
    const res = await importUrls({ urls: [`${base}/red.png`] }, otherProjectId);
    expect(res.status).toBe(422);
    expect(await imageCount(otherProjectId)).toBe(0);
  });

  it('refuses URLs that are not http(s) or carry credentials', async () => {
    const res = await importUrls({
      urls: ['file:///etc/passwd', 'http://user:pw@127.0.0.1/red.png', 'gopher://127.0.0.1/'],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { name: string }) => e.name)).toEqual(['urls[0]', 'urls[1]', 'urls[2]']);
  });

  /** Each spelling of an inside address the issue names; refused although 127.0.0.1/32 and 10/8 are allowed. */
  const HIDDEN = [
    ['6to4 2002::/16', 'http://[2002:7f00:1::]/red.png'],
    ['6to4 of a public IPv4', 'http://[2002:808:808::]/red.png'],
    ['Teredo 2001::/32', 'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/red.png'],
    ['IPv4-compatible ::/96', 'http://[::127.0.0.1]/red.png'],
    ['IPv4-compatible ::/96, hex', 'http://[::7f00:1]/red.png'],
    ['NAT64 local-use 64:ff9b:1::/48', 'http://[64:ff9b:1::a00:1]/red.png'],
    ['NAT64 well-known 64:ff9b::/96', 'http://[64:ff9b::7f00:1]/red.png'],
    ['6to4 relay anycast 192.88.99.0/24', 'http://192.88.99.1/red.png'],
  ];
  it.each(HIDDEN)('refuses %s with problem+json naming the URL', async (_label, url) => {
    const before = requests.length;
    const res = await importUrls({ urls: [`${base}/red.png`, url] });
    expect(res.status).toBe(422);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.errors).toEqual([
      { name: 'urls[1]', detail: expect.stringMatching(/private, loopback, link-local or reserved/) },
    ]);
    expect(requests.length).toBe(before);
  });
});
