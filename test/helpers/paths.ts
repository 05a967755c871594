import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

/** The repository's root: where `bin/vlm-loop.mjs` and the trainer are. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A private (0700) folder under the system's temp folder. */
export const makeTempDir = (prefix: string): Promise<string> =>
  fs.mkdtemp(path.join(os.tmpdir(), `vlm-loop-${prefix}-`));

/**
 * A temp folder for the file's tests, made before them and removed after them (with everything in it).
 * Call at the top of a describe; read the path inside the tests.
 */
export function useTempDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await makeTempDir(prefix);
  });
  afterAll(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (!dir) throw new Error('useTempDir: the folder exists only inside the tests');
    return dir;
  };
}
