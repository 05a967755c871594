import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobTooLargeError } from '../../src/blob/blob-store.ts';
import { FsBlobStore } from '../../src/blob/fs-blob-store.ts';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'blobs-'));
afterAll(() => fs.rm(root, { recursive: true, force: true }));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('FsBlobStore', () => {
  it('stores streamed bytes under their sha256 and reads them back', async () => {
    const store = new FsBlobStore(root);
    const data = Buffer.from('x'.repeat(100_000));
    const put = await store.put(Readable.from([data.subarray(0, 10), data.subarray(10)]));
    expect(put).toEqual({ sha256: sha(data), bytes: data.length });
    expect((await store.read(put.sha256)).equals(data)).toBe(true);
    expect(await store.has(put.sha256)).toBe(true);
    expect(await store.localPath(put.sha256)).toContain(put.sha256);
  });

  it('keeps a staged blob out of the store until commit, and leaves nothing on discard', async () => {
    const store = new FsBlobStore(root);
    const data = Buffer.from('staged bytes');
    const staged = await store.stage(data);
    expect(await store.has(staged.sha256)).toBe(false);
    await staged.discard();
    expect(await store.has(staged.sha256)).toBe(false);
    expect(await listFiles(path.join(root, 'tmp'))).toEqual([]);
  });

  it('makes its folders when they are missing, even after they were removed under it', async () => {
    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), 'blobs-fresh-'));
    try {
      const store = new FsBlobStore(path.join(fresh, 'not', 'yet'));
      const first = await store.put(Buffer.from('first'));
      await fs.rm(path.join(fresh, 'not', 'yet', 'tmp'), { recursive: true });
      const second = await store.put(Readable.from([Buffer.from('sec'), Buffer.from('ond')]));
      expect((await store.read(first.sha256)).toString()).toBe('first');
      expect((await store.read(second.sha256)).toString()).toBe('second');
    } finally {
      await fs.rm(fresh, { recursive: true, force: true });
    }
  });

  it('gives the staged bytes back in memory up to keepBytes, whole across chunks, and not past it', async () => {
    const store = new FsBlobStore(root);
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const chunks = () => Readable.from([data.subarray(0, 7), data.subarray(7, 4000), data.subarray(4000)]);
    const kept = await store.stage(chunks(), { keepBytes: 5000 });
    expect(kept.contents?.equals(data)).toBe(true);
    expect((await fs.readFile(kept.tempPath)).equals(data)).toBe(true);
    const tooBig = await store.stage(chunks(), { keepBytes: 4999 });
    expect(tooBig.contents).toBeUndefined();
    const unasked = await store.stage(chunks());
    expect(unasked.contents).toBeUndefined();
    await Promise.all([kept.discard(), tooBig.discard(), unasked.discard()]);
  });

  it('fails past maxBytes without leaving a partial file under any name', async () => {
    const store = new FsBlobStore(root);
    const before = await listFiles(root);
    await expect(store.put(Buffer.alloc(2048), { maxBytes: 1024 })).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await listFiles(root)).toEqual(before);
  });

  it('never exposes a half-written blob when the source fails midway', async () => {
    const store = new FsBlobStore(root);
    const before = await listFiles(root);
    async function* broken() {
      yield Buffer.from('first half');
      throw new Error('connection reset');
    }
    await expect(store.put(Readable.from(broken()))).rejects.toThrow('connection reset');
    expect(await listFiles(root)).toEqual(before);
  });

  it('refuses names that are not digests', async () => {
    await expect(new FsBlobStore(root).read('../../etc/passwd')).rejects.toThrow(/sha256/);
  });

  it('sweeps only staged files older than the age, leaves committed blobs, and copes with no tmp folder', async () => {
    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), 'blobs-sweep-'));
    try {
      const store = new FsBlobStore(fresh);
      expect(await store.sweepStaged(0)).toBe(0); // no tmp folder yet
      const kept = await store.put(Buffer.from('committed'));
      const old = await store.stage(Buffer.from('left by a killed upload'));
      const young = await store.stage(Buffer.from('being uploaded now'));
      const hourAgo = new Date(Date.now() - 3600_000);
      await fs.utimes(old.tempPath, hourAgo, hourAgo);
      expect(await store.sweepStaged(600_000)).toBe(1);
      expect(await listFiles(path.join(fresh, 'tmp'))).toEqual([young.tempPath]);
      expect(await store.has(kept.sha256)).toBe(true);
      await young.commit(); // a swept neighbour does not disturb a live staging
      expect(await store.has(young.sha256)).toBe(true);
    } finally {
      await fs.rm(fresh, { recursive: true, force: true });
    }
  });

  it('sweeps a fresh staged file at once when the process of this host that wrote it is gone', async () => {
    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), 'blobs-sweep-'));
    try {
      const store = new FsBlobStore(fresh);
      const mine = await store.stage(Buffer.from('this process, live'));
      // A process that has exited: its pid is free (until reused), so its staged files are leftovers.
      const dead = spawnSync(process.execPath, [
        '-e',
        'process.stdout.write(String(process.pid))',
      ]).stdout.toString();
      const [host] = path.basename(mine.tempPath).split('.');
      const tmp = path.join(fresh, 'tmp');
      const orphan = path.join(tmp, `${host}.${dead}.${Date.now()}.00ff`);
      const otherHost = path.join(tmp, `elsewhere.${dead}.${Date.now()}.00ff`);
      await fs.writeFile(orphan, 'left by a killed upload a moment ago');
      await fs.writeFile(otherHost, 'another machine sharing the folder: its pids mean nothing here');
      expect(await store.sweepStaged(600_000)).toBe(1);
      expect((await listFiles(tmp)).sort()).toEqual([mine.tempPath, otherHost].sort());
    } finally {
      await fs.rm(fresh, { recursive: true, force: true });
    }
  });
});
