import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../src/blob/fs-blob-store.ts';
import { openS3BlobStore } from '../../src/blob/s3-blob-store.ts';
import { type Moto, startMoto } from '../helpers/moto.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `vlm-loop blobs migrate` as a user runs it; resolves with its exit code and output. */
function migrate(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      process.execPath,
      ['bin/vlm-loop.mjs', 'blobs', 'migrate', ...args],
      { cwd: ROOT, env: { ...process.env, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('vlm-loop blobs migrate --to s3://...', { timeout: 180_000 }, () => {
  let moto: Moto;
  let dir: string;
  const blobs: Buffer[] = [
    randomBytes(11 * 1024 * 1024),
    ...Array.from({ length: 12 }, (_, i) => randomBytes(100 + i)),
  ];

  beforeAll(async () => {
    moto = await startMoto();
    await moto.createBucket('target');
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-migrate-'));
    const source = new FsBlobStore(path.join(dir, 'blobs'));
    for (const b of blobs) await source.put(b);
  });

  afterAll(async () => {
    await moto?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const target = () => openS3BlobStore('s3://target/site-a', moto.s3, path.join(dir, 'check'));
  const env = () => ({ ...moto.env(''), VLM_LOOP_DATA_DIR: dir, VLM_LOOP_BLOB_URL: '' });

  it('copies every blob of the folder store and verifies each by its sha256', async () => {
    const { code, out } = await migrate(['--to', 's3://target/site-a'], env());
    expect(out).toContain(`copying ${path.join(dir, 'blobs')} -> s3://target/site-a`);
    expect(out).toMatch(/13 blobs: 13 copied, 0 already there, 0 failed; 13 verified by sha256/);
    expect(code).toBe(0);
    const copied = new Map<string, number>();
    for await (const b of target().list()) copied.set(b.sha256, b.bytes);
    expect(copied).toEqual(new Map(blobs.map((b) => [sha(b), b.length])));
    for (const b of blobs) expect(sha(await target().read(sha(b)))).toBe(sha(b));
  });

  it('run again, copies nothing and still verifies everything', async () => {
    const { code, out } = await migrate(['--to', 's3://target/site-a'], env());
    expect(out).toMatch(/13 blobs: 0 copied, 13 already there, 0 failed; 13 verified by sha256/);
    expect(code).toBe(0);
  });

  it('refuses to copy a damaged source blob, names it and exits 1; the rest is copied', async () => {
    const damaged = randomBytes(500);
    const good = randomBytes(600);
    const source = new FsBlobStore(path.join(dir, 'blobs'));
    const put = await source.put(damaged);
    await source.put(good);
    const file = await source.localPath(put.sha256);
    await fs.writeFile(file, Buffer.concat([damaged.subarray(0, 499), Buffer.from([damaged[499] ^ 1])]));
    const { code, out } = await migrate(['--to', 's3://target/site-a', '--concurrency', '2'], env());
    expect(out).toContain(`FAILED ${put.sha256}: the source's bytes hash to`);
    expect(out).toMatch(/15 blobs: 1 copied, 13 already there, 1 failed; 14 verified by sha256/);
    expect(code).toBe(1);
    expect(await target().has(put.sha256)).toBe(false);
    expect(await target().has(sha(good))).toBe(true);
  });

  it('says so in one line when the target is not a store URL', async () => {
    const { code, out } = await migrate(['--to', 's3://'], env());
    expect(code).toBe(1);
    expect(out).toContain('vlm-loop: not an s3://bucket/prefix URL: "s3://"');
  });
});
