import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBudget } from '../../../src/domains/datasets/image.service.ts';
import { probeImage } from '../../../src/domains/datasets/image-probe.ts';
import { pngHeaderProblem } from '../../../src/domains/datasets/png-header.ts';
import { jpeg, png, pngDeclaring } from '../../helpers/images.ts';

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'probe-'));
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

/** What the check says of some bytes: the probed image, or the reason it refused them. */
async function verdict(input: string | Buffer): Promise<unknown> {
  const header = await pngHeaderProblem(input);
  if (header) return { header };
  return probeImage(input, 10_000_000).catch((err: Error) => ({ refused: err.message }));
}

const cases: [string, () => Promise<Buffer>][] = [
  ['a JPEG', () => jpeg(64, 48, 3)],
  ['a PNG', () => png(12, 20, 1)],
  [
    'an EXIF-rotated JPEG',
    () =>
      sharp({ create: { width: 60, height: 20, channels: 3, background: 'red' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
  ],
  ['a truncated JPEG', async () => (await jpeg(200, 150, 4)).subarray(0, 600)],
  [
    'a JPEG cut before its end marker',
    async () => {
      const b = await jpeg(200, 150, 4);
      return b.subarray(0, b.length - 40);
    },
  ],
  ['text', async () => Buffer.from('hello, I am not an image\n')],
  ['a PNG declaring 50,000 x 50,000 pixels', async () => pngDeclaring(50_000, 50_000)],
  [
    'a PNG whose IHDR CRC is wrong',
    async () => {
      const bytes = Buffer.from(await png(12, 12, 5));
      bytes[29] ^= 0xff;
      return bytes;
    },
  ],
  [
    'a GIF',
    () =>
      sharp({ create: { width: 8, height: 8, channels: 3, background: 'blue' } })
        .gif()
        .toBuffer(),
  ],
];

describe('the upload check', () => {
  for (const [label, make] of cases)
    it(`says the same of ${label} from memory as from its file`, async () => {
      const bytes = await make();
      const file = path.join(dir, label.replace(/\W+/g, '-'));
      await fs.writeFile(file, bytes);
      const fromFile = await verdict(file);
      expect(await verdict(bytes)).toEqual(fromFile);
      // And the verdict is the one each case is there for.
      if (/truncated|cut|text|GIF|50,000|CRC/.test(label)) expect(fromFile).not.toHaveProperty('width');
      else expect(fromFile).toHaveProperty('width');
    });

  it('keeps buffers for waiting checks only within its budget, and takes again once one is given back', () => {
    const budget = new MemoryBudget(100);
    const a = Buffer.alloc(60);
    const b = Buffer.alloc(50);
    expect(budget.take(a)).toBe(a);
    expect(budget.take(b)).toBeUndefined();
    expect(budget.take(undefined)).toBeUndefined();
    budget.give(a);
    expect(budget.take(b)).toBe(b);
    expect(budget.take(Buffer.alloc(50))).toBeDefined();
    expect(budget.take(Buffer.alloc(1))).toBeUndefined();
  });
});
