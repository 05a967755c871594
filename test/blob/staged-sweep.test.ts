import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.ts';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'blob-sweep-'));
afterAll(() => fs.rm(root, { recursive: true, force: true }));
const tmp = path.join(root, 'tmp');

/** A staged file last written `ageMs` ago, as a killed upload would leave it. */
async function staged(name: string, ageMs: number): Promise<void> {
  const file = path.join(tmp, name);
  await fs.writeFile(file, Buffer.alloc(1024, 1));
  const when = new Date(Date.now() - ageMs);
  await fs.utimes(file, when, when);
}
const listTmp = async () => (await fs.readdir(tmp)).sort();
async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 25)))
    if (await check()) return true;
  return false;
}

describe('staged blob sweep', () => {
  it('removes stale staged files at start and periodically, keeps fresh ones, and stops on close', async () => {
    const hour = 3600_000;
    await fs.mkdir(tmp, { recursive: true });
    await staged('killed-upload-1', 2 * hour);
    await staged('killed-upload-2', hour + 60_000);
    await staged('in-flight', 60_000); // another process may be writing it right now
    const t = await startTestServer({ blobDir: root, blobTmp: { maxAgeMs: hour, sweepMs: 100 } });
    try {
      expect(await listTmp()).toEqual(['in-flight']);
      await staged('killed-later', 3 * hour);
      expect(await waitFor(async () => !(await listTmp()).includes('killed-later'))).toBe(true);
      expect(await listTmp()).toEqual(['in-flight']);
    } finally {
      await t.close();
    }
    await staged('after-close', 3 * hour);
    await new Promise((r) => setTimeout(r, 400));
    expect(await listTmp()).toEqual(['after-close', 'in-flight']);
  });
});
