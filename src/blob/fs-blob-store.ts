import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type BlobInfo,
  type BlobStore,
  BlobTooLargeError,
  type StagedBlob,
  type StageOptions,
} from './blob-store.ts';

const SHA256 = /^[0-9a-f]{64}$/;
// Staged files are named after the host and process writing them, so a sweep can tell the leftovers of a
// process that is gone (removed at once) from the uploads of a live one (removed only when stale).
const HOST = os.hostname().replace(/[^A-Za-z0-9-]/g, '_');
const STAGER = `${HOST}.${process.pid}`;
const STAGED_NAME = /^(.+)\.(\d+)\.\d+\.[0-9a-f]+$/;

/** True when `name` was staged by a process of this host that no longer runs. */
function stagerIsGone(name: string): boolean {
  const match = STAGED_NAME.exec(name);
  if (!match || match[1] !== HOST) return false;
  try {
    process.kill(Number(match[2]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Blobs under `root/ab/cd/<sha256>`; writes go to `root/tmp` first and are renamed into place. */
export class FsBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
  }

  async stage(source: Readable | Buffer, options: StageOptions = {}): Promise<StagedBlob> {
    const tempPath = path.join(this.tmpDir, `${STAGER}.${Date.now()}.${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let bytes = 0;
    const max = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const keep = options.keepBytes ?? 0;
    let kept: Buffer[] | undefined = keep > 0 ? [] : undefined;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > max) return done(new BlobTooLargeError(max));
        hash.update(chunk);
        if (kept && bytes <= keep) kept.push(chunk);
        else kept = undefined;
        done(null, chunk);
      },
    });
    const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
    // Opened before reading a byte: a missing folder is made and the open retried with nothing consumed.
    const file = await inFolder(this.tmpDir, () => fs.open(tempPath, 'wx'));
    try {
      await pipeline(input, meter, file.createWriteStream());
    } catch (err) {
      await fs.rm(tempPath, { force: true });
      throw err;
    }
    const sha256 = hash.digest('hex');
    const finalPath = this.pathOf(sha256);
    return {
      sha256,
      bytes,
      tempPath,
      ...(kept && { contents: kept.length === 1 ? kept[0] : Buffer.concat(kept, bytes) }),
      commit: async () => {
        // rename is atomic on one filesystem: a reader sees the whole blob or none.
        await inFolder(path.dirname(finalPath), () => fs.rename(tempPath, finalPath));
      },
      discard: () => fs.rm(tempPath, { force: true }),
    };
  }

  async put(source: Readable | Buffer, options?: { maxBytes?: number }) {
    const staged = await this.stage(source, options);
    await staged.commit();
    return { sha256: staged.sha256, bytes: staged.bytes };
  }

  async has(sha256: string): Promise<boolean> {
    return fs
      .access(this.pathOf(sha256))
      .then(() => true)
      .catch(() => false);
  }

  async read(sha256: string): Promise<Buffer> {
    return fs.readFile(this.pathOf(sha256));
  }

  stream(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }

  async localPath(sha256: string): Promise<string> {
    const p = this.pathOf(sha256);
    await fs.access(p);
    return p;
  }

  async delete(sha256: string): Promise<void> {
    await fs.rm(this.pathOf(sha256), { force: true });
  }

  async sweepStaged(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    const names = await fs.readdir(this.tmpDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    let removed = 0;
    for (const name of names) {
      const file = path.join(this.tmpDir, name);
      // Gone already (committed, discarded or swept by another process) is fine.
      const stat = await fs.lstat(file).catch(() => undefined);
      if (!stat || (stat.mtimeMs >= cutoff && !stagerIsGone(name))) continue;
      await fs.rm(file, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  get description(): string {
    return this.root;
  }

  async *list(): AsyncIterable<BlobInfo> {
    const hex2 = /^[0-9a-f]{2}$/;
    const dirs = async (dir: string) =>
      (await fs.readdir(dir, { withFileTypes: true }).catch(() => [])).filter(
        (e) => e.isDirectory() && hex2.test(e.name),
      );
    for (const a of await dirs(this.root))
      for (const b of await dirs(path.join(this.root, a.name)))
        for (const name of await fs.readdir(path.join(this.root, a.name, b.name))) {
          if (!SHA256.test(name)) continue;
          const stat = await fs.stat(path.join(this.root, a.name, b.name, name)).catch(() => undefined);
          if (stat?.isFile()) yield { sha256: name, bytes: stat.size };
        }
  }

  /** Files are always streamed through the API. */
  async downloadUrl(): Promise<undefined> {
    return undefined;
  }

  private pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256 digest: ${sha256}`);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }
}

/**
 * Runs a file operation in `dir`, making the folder only when the operation finds it missing: the folders
 * almost always exist, and a mkdir per file showed in an upload's profile (3 % of the main thread).
 */
async function inFolder<T>(dir: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await fs.mkdir(dir, { recursive: true });
    return op();
  }
}
