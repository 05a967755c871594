/**
 * Label Studio brush RLE, golden-tested both ways against label-studio-sdk's converter (PyPI, in a test
 * venv made on first run): our RLE decoded by the SDK, and the SDK's mask2rle decoded by us.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BrushRleError, brushRleToMask, maskToBrushRle } from '../../src/coco/brush-rle.ts';
import { createRng } from '../../src/dataset/prng.ts';
import { ensureVenv, runPythonJson } from '../helpers/python-venvs.ts';

interface Case {
  name: string;
  width: number;
  height: number;
  mask: Uint8Array;
}

const SCRIPT = path.resolve(import.meta.dirname, '..', 'label-studio', 'brush_golden.py');

function randomMask(
  width: number,
  height: number,
  seed: number,
  density: number,
  blobs: boolean,
): Uint8Array {
  const rng = createRng(seed);
  const mask = new Uint8Array(width * height);
  if (!blobs) {
    for (let p = 0; p < mask.length; p++) mask[p] = rng.next() < density ? 1 : 0;
    return mask;
  }
  // Filled rectangles: long runs, as real masks have.
  for (let k = 0; k < 4; k++) {
    const x0 = Math.floor(rng.next() * width);
    const y0 = Math.floor(rng.next() * height);
    const x1 = Math.min(width, x0 + 1 + Math.floor(rng.next() * width * density * 2));
    const y1 = Math.min(height, y0 + 1 + Math.floor(rng.next() * height * density * 2));
    for (let y = y0; y < y1; y++) mask.fill(1, y * width + x0, y * width + x1);
  }
  return mask;
}

const cases: Case[] = [
  { name: 'empty 64x48', width: 64, height: 48, mask: new Uint8Array(64 * 48) },
  { name: 'full 64x48', width: 64, height: 48, mask: new Uint8Array(64 * 48).fill(1) },
  // More than 2^16 equal values: runs split across the longest RLE group.
  { name: 'empty 300x250', width: 300, height: 250, mask: new Uint8Array(300 * 250) },
  { name: 'full 300x250', width: 300, height: 250, mask: new Uint8Array(300 * 250).fill(1) },
  { name: 'one pixel 1x1 on', width: 1, height: 1, mask: Uint8Array.of(1) },
  { name: 'one pixel 1x1 off', width: 1, height: 1, mask: Uint8Array.of(0) },
  { name: 'alternating 7x5', width: 7, height: 5, mask: Uint8Array.from({ length: 35 }, (_, i) => i % 2) },
];
for (let seed = 1; seed <= 12; seed++) {
  const width = 5 + ((seed * 37) % 190);
  const height = 3 + ((seed * 53) % 140);
  const density = [0.02, 0.3, 0.5, 0.9][seed % 4];
  const blobs = seed % 3 !== 0;
  cases.push({
    name: `random #${seed} ${width}x${height}`,
    width,
    height,
    mask: randomMask(width, height, seed, density, blobs),
  });
}

const bits = (mask: Uint8Array) => Array.from(mask, (v) => (v ? '1' : '0')).join('');

describe('Label Studio brush RLE', () => {
  let golden: { decoded: string; sdk: number[] }[];

  beforeAll(async () => {
    const python = await ensureVenv('label-studio-sdk', ['label-studio-sdk']);
    const input = cases.map((c) => ({
      width: c.width,
      height: c.height,
      mask: bits(c.mask),
      ours: maskToBrushRle(c.mask, c.width, c.height),
    }));
    golden = (
      await runPythonJson<{ cases: { decoded: string; sdk: number[] }[] }>(python, SCRIPT, { cases: input })
    ).cases;
  }, 1_200_000);

  it.each(cases.map((c, i) => [c.name, i] as const))('%s: the SDK decodes ours to the mask', (_name, i) => {
    expect(golden[i].decoded).toBe(bits(cases[i].mask));
  });

  it.each(cases.map((c, i) => [c.name, i] as const))("%s: we decode the SDK's to the mask", (_name, i) => {
    const c = cases[i];
    expect(bits(brushRleToMask(golden[i].sdk, c.width, c.height))).toBe(bits(c.mask));
  });

  it('round-trips on its own, and the empty and full masks are a few bytes', () => {
    for (const c of cases)
      expect(bits(brushRleToMask(maskToBrushRle(c.mask, c.width, c.height), c.width, c.height))).toBe(
        bits(c.mask),
      );
    expect(maskToBrushRle(new Uint8Array(300 * 250), 300, 250).length).toBeLessThan(32);
  });

  it('refuses a stream of another size, a cut-off one, and a mask of the wrong length', () => {
    const rle = maskToBrushRle(cases[7].mask, cases[7].width, cases[7].height);
    expect(() => brushRleToMask(rle, cases[7].width + 1, cases[7].height)).toThrow(BrushRleError);
    expect(() => brushRleToMask(rle.slice(0, 5), cases[7].width, cases[7].height)).toThrow(BrushRleError);
    expect(() => brushRleToMask(rle.slice(0, rle.length >> 1), cases[7].width, cases[7].height)).toThrow(
      /past EOF/,
    );
    expect(() => maskToBrushRle(new Uint8Array(10), 3, 3)).toThrow(/10 pixels/);
  });
});
