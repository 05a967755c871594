import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodeCvatShapeMask,
  encodeCvatShapeMask,
  fromCvatDetectorMask,
  maskBox,
  toCvatDetectorMask,
} from '../../src/coco/cvat-mask.ts';
import { createRng } from '../../src/dataset/prng.ts';
import { ensureTestPython, runTestPython } from '../helpers/test-python.ts';

interface Case {
  width: number;
  height: number;
  mask: Uint8Array;
  bbox: [number, number, number, number] | null;
}

const bits = (m: Uint8Array) => Array.from(m, (v) => (v ? '1' : '0')).join('');

/** Random masks of random sizes and densities, blobs and noise, plus empty, full and one-pixel masks. */
function cases(): Case[] {
  const rng = createRng(16);
  const out: Case[] = [];
  const make = (width: number, height: number, fill: (x: number, y: number) => boolean) => {
    const mask = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) mask[y * width + x] = fill(x, y) ? 1 : 0;
    return mask;
  };
  for (const [w, h] of [
    [1, 1],
    [7, 3],
    [32, 24],
  ]) {
    out.push({ width: w, height: h, mask: make(w, h, () => false), bbox: null });
    out.push({ width: w, height: h, mask: make(w, h, () => true), bbox: null });
    out.push({ width: w, height: h, mask: make(w, h, () => true), bbox: [0, 0, w, h] });
  }
  out.push({ width: 9, height: 5, mask: make(9, 5, (x, y) => x === 8 && y === 4), bbox: null });
  out.push({ width: 9, height: 5, mask: make(9, 5, () => false), bbox: [2, 1, 6.5, 4.2] });
  for (let i = 0; i < 40; i++) {
    const width = rng.int(1, 48);
    const height = rng.int(1, 40);
    const density = rng.pick([0.05, 0.5, 0.95]);
    const blob = i % 2 === 0;
    const cx = rng.uniform(0, width);
    const cy = rng.uniform(0, height);
    const r = rng.uniform(1, Math.max(width, height) / 2);
    const mask = make(width, height, (x, y) =>
      blob ? (x - cx) ** 2 + (y - cy) ** 2 < r * r : rng.next() < density,
    );
    const x1 = rng.uniform(0, width - 1);
    const y1 = rng.uniform(0, height - 1);
    const bbox: Case['bbox'] =
      i % 3 === 0
        ? [x1, y1, rng.uniform(Math.floor(x1) + 1, width), rng.uniform(Math.floor(y1) + 1, height)]
        : null;
    out.push({ width, height, mask, bbox });
  }
  return out;
}

interface Answer {
  encoded: number[];
  decoded: string;
  fromDetector?: number[];
}

describe('CVAT mask encodings against cvat-sdk (golden, both ways)', () => {
  const all = cases();
  let answers: Answer[];

  beforeAll(async () => {
    await ensureTestPython();
    answers = await runTestPython<Answer[]>('cvat_masks.py', {
      cases: all.map((c) => ({
        width: c.width,
        height: c.height,
        mask: bits(c.mask),
        bbox: c.bbox,
        ours: encodeCvatShapeMask(c.mask, c.width, c.height, c.bbox ?? undefined),
        detector: toCvatDetectorMask(c.mask, c.width, c.height),
      })),
    });
  }, 600_000);

  it('covers empty and full masks', () => {
    expect(all.some((c) => c.mask.every((v) => v === 0))).toBe(true);
    expect(all.some((c) => c.mask.length > 1 && c.mask.every((v) => v === 1))).toBe(true);
  });

  it('encodes exactly as encode_mask, with and without a box', () => {
    all.forEach((c, i) => {
      const points = encodeCvatShapeMask(c.mask, c.width, c.height, c.bbox ?? undefined);
      expect({ i, points }).toEqual({ i, points: answers[i].encoded });
    });
  });

  it('decode_mask reads our encoding back to the mask (inside the box when one was given)', () => {
    all.forEach((c, i) => {
      const expected = c.bbox ? cropped(c) : c.mask;
      expect({ i, mask: answers[i].decoded }).toEqual({ i, mask: bits(expected) });
    });
  });

  it("decodes encode_mask's output to the same mask as decode_mask", () => {
    all.forEach((c, i) => {
      const mask = bits(decodeCvatShapeMask(answers[i].encoded, c.width, c.height));
      expect({ i, mask }).toEqual({ i, mask: answers[i].decoded });
    });
  });

  it('detector masks: CVAT derives the same shape as encode_mask of the mask, and they round-trip', () => {
    all.forEach((c, i) => {
      const detector = toCvatDetectorMask(c.mask, c.width, c.height);
      if (!c.mask.some((v) => v)) {
        expect(detector).toBeNull();
        return;
      }
      expect({ i, points: answers[i].fromDetector }).toEqual({
        i,
        points: encodeCvatShapeMask(c.mask, c.width, c.height),
      });
      expect(bits(fromCvatDetectorMask(detector!, c.width, c.height))).toBe(bits(c.mask));
      const [x1, y1, x2, y2] = detector!.slice(-4);
      expect(detector!.length - 4).toBe((x2 - x1 + 1) * (y2 - y1 + 1));
      expect(maskBox(c.mask, c.width, c.height)).toEqual([x1, y1, x2, y2]);
    });
  });

  it('refuses encodings that do not fit the image or their box', () => {
    expect(() => decodeCvatShapeMask([1, 0, 0, 0], 2, 2)).toThrow(/too few/);
    expect(() => decodeCvatShapeMask([4, 0, 0, 2, 2], 2, 2)).toThrow(/bounding box/);
    expect(() => decodeCvatShapeMask([3, 0, 0, 1, 1], 2, 2)).toThrow(/does not match/);
    expect(() => decodeCvatShapeMask([1.5, 2.5, 0, 0, 1, 1], 2, 2)).toThrow(/non-integer/);
    expect(() => encodeCvatShapeMask(new Uint8Array(4), 2, 2, [1, 1, 1, 2])).toThrow(/invalid/);
    expect(() => fromCvatDetectorMask([1, 1, 0, 0, 0, 0], 2, 2)).toThrow(/length/);
  });
});

/** The mask with everything outside the (SDK-rounded) box cleared. */
function cropped(c: Case): Uint8Array {
  const [bx1, by1, bx2, by2] = c.bbox!;
  const [x1, y1, x2, y2] = [Math.floor(bx1), Math.floor(by1), Math.ceil(bx2), Math.ceil(by2)];
  const out = new Uint8Array(c.mask.length);
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) out[y * c.width + x] = c.mask[y * c.width + x];
  return out;
}
