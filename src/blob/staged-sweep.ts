import type { BlobStore } from './blob-store.ts';

/**
 * Removes stale staged files now and then every `sweepMs` (0: only now). Killed processes and abandoned
 * uploads leave them behind; five killed uploads once left 113 MB. Returns a stop function for close().
 */
export async function startStagedSweep(
  blobs: BlobStore,
  options: { maxAgeMs: number; sweepMs: number },
  log: (line: string) => void,
): Promise<() => void> {
  const sweep = async () => {
    try {
      const removed = await blobs.sweepStaged(options.maxAgeMs);
      if (removed > 0) log(`removed ${removed} staged blob file(s) older than ${options.maxAgeMs} ms`);
    } catch (err) {
      // A failed sweep costs disk space, not data: log it and try again next time.
      log(`sweeping staged blob files failed: ${(err as Error).message}`);
    }
  };
  await sweep();
  if (options.sweepMs === 0) return () => {};
  let busy = false; // a slow disk must not stack sweeps on top of each other
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void sweep().finally(() => {
      busy = false;
    });
  }, options.sweepMs);
  timer.unref(); // never the reason a process stays alive
  return () => clearInterval(timer);
}
