import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobIntegrityError, BlobTooLargeError } from '../../src/blob/blob-store.ts';
import { parseS3Url } from '../../src/blob/open-blob-store.ts';
import { openS3BlobStore } from '../../src/blob/s3-blob-store.ts';
import type { S3Config } from '../../src/config.ts';
import { type Moto, startMoto } from '../helpers/moto.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const keyOf = (prefix: string, digest: string) =>
  `${prefix}/${digest.slice(0, 2)}/${digest.slice(2, 4)}/${digest}`;

// moto starts as its own process (seconds on a busy machine); multipart moves megabytes through it.
describe('S3BlobStore against moto (a real S3 protocol server)', { timeout: 120_000 }, () => {
  let moto: Moto;
  let scratch: string;
  const bucket = 'vlm-blobs';

  const store = (s3: Partial<S3Config> = {}, prefix = 'store') =>
    openS3BlobStore(`s3://${bucket}/${prefix}`, { ...moto.s3, ...s3 }, scratch);

  beforeAll(async () => {
    moto = await startMoto();
    await moto.createBucket(bucket);
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-s3-scratch-'));
  });

  afterAll(async () => {
    await moto?.stop();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  it('parses s3:// URLs and refuses anything else', () => {
    expect(parseS3Url('s3://my-bucket/a/b/')).toEqual({ bucket: 'my-bucket', prefix: 'a/b' });
    expect(parseS3Url('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(() => parseS3Url('s3://')).toThrow(/not an s3:\/\/bucket\/prefix URL/);
    expect(() => parseS3Url('http://x/y')).toThrow(/not an s3/);
  });

  it('puts under the content address, reads, streams, lists and deletes; the same bytes are stored once', async () => {
    const blobs = store();
    const bytes = randomBytes(1000);
    const put = await blobs.put(bytes);
    expect(put).toEqual({ sha256: sha(bytes), bytes: 1000 });
    expect(await blobs.put(bytes)).toEqual(put);
    const head = await moto.client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: keyOf('store', put.sha256) }),
    );
    expect(head.ContentLength).toBe(1000);
    expect(await blobs.has(put.sha256)).toBe(true);
    expect(await blobs.read(put.sha256)).toEqual(bytes);
    expect(await buffer(blobs.stream(put.sha256))).toEqual(bytes);
    const local = await blobs.localPath(put.sha256);
    expect(local.startsWith(scratch)).toBe(true);
    expect(await fs.readFile(local)).toEqual(bytes);
    const listed = [];
    for await (const b of blobs.list()) listed.push(b);
    expect(listed).toEqual([{ sha256: put.sha256, bytes: 1000 }]);
    await blobs.delete(put.sha256);
    expect(await blobs.has(put.sha256)).toBe(false);
    await expect(fs.access(local)).rejects.toThrow();
    // Staged files go once committed: the API keeps no copy of what it uploaded.
    expect(await fs.readdir(path.join(scratch, 'tmp'))).toEqual([]);
  });

  it('uploads a file larger than a part in parts (multipart), and reads it back whole', async () => {
    const blobs = store();
    const bytes = randomBytes(12 * 1024 * 1024 + 17);
    const put = await blobs.put(bytes);
    const head = await moto.client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: keyOf('store', put.sha256) }),
    );
    // A multipart object's ETag is "<md5 of the parts' md5s>-<parts>": 5 + 5 + 2 MiB.
    expect(head.ETag).toMatch(/-3"$/);
    expect(head.ContentLength).toBe(bytes.length);
    expect(sha(await blobs.read(put.sha256))).toBe(put.sha256);
  });

  it('trims its local copies to cacheBytes, least recently used first, and downloads an evicted one again', async () => {
    const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-s3-cache-'));
    const blobs = openS3BlobStore(`s3://${bucket}/cache`, { ...moto.s3, cacheBytes: 2500 }, cacheDir);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => blobs.put(randomBytes(1000))));
    const pa = await blobs.localPath(a.sha256);
    const pb = await blobs.localPath(b.sha256);
    await blobs.localPath(a.sha256); // a is now more recent than b
    const pc = await blobs.localPath(c.sha256);
    const exists = (p: string) =>
      fs.access(p).then(
        () => true,
        () => false,
      );
    expect([await exists(pa), await exists(pb), await exists(pc)]).toEqual([true, false, true]);
    expect(sha(await fs.readFile(await blobs.localPath(b.sha256)))).toBe(b.sha256);
    expect(await exists(pa)).toBe(false); // a was the oldest then
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  it('refuses a blob over maxBytes and stores nothing', async () => {
    const blobs = store({}, 'limits');
    await expect(blobs.put(randomBytes(2000), { maxBytes: 1000 })).rejects.toBeInstanceOf(BlobTooLargeError);
    const listed = [];
    for await (const b of blobs.list()) listed.push(b);
    expect(listed).toEqual([]);
  });

  it('detects an object changed behind its back on read, stream and download, and caches nothing', async () => {
    const blobs = store({}, 'corrupt');
    const put = await blobs.put(randomBytes(5000));
    const damaged = Buffer.from(await blobs.read(put.sha256));
    damaged[100] ^= 0xff;
    await moto.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: keyOf('corrupt', put.sha256), Body: damaged }),
    );
    await expect(blobs.read(put.sha256)).rejects.toBeInstanceOf(BlobIntegrityError);
    await expect(buffer(blobs.stream(put.sha256))).rejects.toBeInstanceOf(BlobIntegrityError);
    await expect(blobs.localPath(put.sha256)).rejects.toThrow(`blob ${put.sha256} is damaged`);
    await expect(
      fs.access(path.join(scratch, put.sha256.slice(0, 2), put.sha256.slice(2, 4), put.sha256)),
    ).rejects.toThrow();
  });

  it('reports a missing blob as missing, without retrying', async () => {
    const blobs = store();
    const missing = sha(Buffer.from('never stored'));
    expect(await blobs.has(missing)).toBe(false);
    await expect(blobs.read(missing)).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  describe('through a proxy that breaks connections', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await startTcpProxy(moto.port, { dropConnections: 0 });
    });
    afterAll(() => proxy?.close());
    const viaProxy = (s3: Partial<S3Config> = {}) =>
      store({ endpoint: `http://127.0.0.1:${proxy.port}`, ...s3 }, 'flaky');

    it('retries a request whose connection was dropped, with backoff', async () => {
      proxy.faults.dropConnections = 2;
      const bytes = randomBytes(3000);
      const put = await viaProxy().put(bytes);
      expect(proxy.stats.dropped).toBe(2);
      proxy.faults.dropConnections = 1;
      expect(await viaProxy().read(put.sha256)).toEqual(bytes);
      expect(proxy.stats.dropped).toBe(3);
    });

    it('fails when retries are switched off (the retries above are what saved it)', async () => {
      proxy.faults.dropConnections = 1;
      await expect(viaProxy({ maxAttempts: 1 }).put(randomBytes(10))).rejects.toThrow();
      expect(proxy.faults.dropConnections).toBe(0);
    });

    it('reads again when a download is cut halfway through the body', async () => {
      const bytes = randomBytes(3 * 1024 * 1024);
      const blobs = viaProxy();
      const put = await blobs.put(bytes);
      proxy.faults.cutResponseAfter = 1024 * 1024;
      const cutBefore = proxy.stats.cut;
      expect(sha(await blobs.read(put.sha256))).toBe(put.sha256);
      expect(proxy.stats.cut).toBe(cutBefore + 1);
      proxy.faults.cutResponseAfter = 1024 * 1024;
      expect(sha(await fs.readFile(await blobs.localPath(put.sha256)))).toBe(put.sha256);
      expect(proxy.stats.cut).toBe(cutBefore + 2);
    });
  });

  it('hands out presigned URLs when configured, none when streaming', async () => {
    const bytes = randomBytes(700);
    const presigning = store({ downloads: 'presigned' }, 'presigned');
    const put = await presigning.put(bytes);
    expect(
      await store({}, 'presigned').downloadUrl(put.sha256, { contentType: 'image/png' }),
    ).toBeUndefined();
    const url = await presigning.downloadUrl(put.sha256, { contentType: 'image/png', fileName: 'a.png' });
    expect(url).toMatch(/X-Amz-Signature=/);
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="a.png"');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
    // The signature covers the key: another blob's address with this signature is refused.
    const forged = url!.replace(put.sha256, sha(Buffer.from('other')));
    expect((await fetch(forged)).status).toBe(403);
    // Raw objects are still readable by the SDK (sanity: the client does not need presigning).
    const raw = await moto.client.send(
      new GetObjectCommand({ Bucket: bucket, Key: keyOf('presigned', put.sha256) }),
    );
    expect(raw.ContentLength).toBe(700);
  });
});
