import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobInfo, BlobStore } from './blob-store.ts';

export interface MigrationReport {
  /** Blobs in the source store. */
  total: number;
  copied: number;
  /** Already in the target (same address), so not copied again; verified all the same. */
  present: number;
  bytes: number;
  /** Blobs that could not be copied or did not read back as themselves. */
  failed: { sha256: string; reason: string }[];
}

/**
 * Copies every blob of `from` into `to`, then reads each back from `to` and checks its sha256: the
 * copy is trusted only once every object hashes to its address. Idempotent: run it again after a
 * failure and it copies only what is missing. Source blobs that are damaged are reported, not copied.
 */
export async function migrateBlobs(
  from: BlobStore,
  to: BlobStore,
  options: { concurrency?: number; onBlob?: (report: MigrationReport) => void } = {},
): Promise<MigrationReport> {
  const report: MigrationReport = { total: 0, copied: 0, present: 0, bytes: 0, failed: [] };
  const running = new Set<Promise<void>>();
  for await (const blob of from.list()) {
    report.total++;
    const task = copyOne(from, to, blob, report)
      .catch((err: Error) => {
        report.failed.push({ sha256: blob.sha256, reason: err.message });
      })
      .finally(() => {
        running.delete(task);
        options.onBlob?.(report);
      });
    running.add(task);
    if (running.size >= (options.concurrency ?? 4)) await Promise.race(running);
  }
  await Promise.all(running);
  return report;
}

async function copyOne(
  from: BlobStore,
  to: BlobStore,
  blob: BlobInfo,
  report: MigrationReport,
): Promise<void> {
  if (await to.has(blob.sha256)) report.present++;
  else {
    // Staged first: the bytes are hashed on the way and committed only if they are the blob.
    const staged = await to.stage(from.stream(blob.sha256));
    if (staged.sha256 !== blob.sha256) {
      await staged.discard();
      throw new Error(`the source's bytes hash to ${staged.sha256}: damaged in the source, not copied`);
    }
    await staged.commit();
    report.copied++;
  }
  const actual = await digest(to.stream(blob.sha256));
  if (actual !== blob.sha256) throw new Error(`reads back from the target as ${actual}`);
  report.bytes += blob.bytes;
}

async function digest(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
