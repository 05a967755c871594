import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  area,
  type Bbox,
  bboxIou,
  compress,
  decode,
  decompress,
  encode,
  fromBbox,
  fromCocoSegmentation,
  fromPolygons,
  iou,
  merge,
  type Rle,
  toBbox,
} from '../../src/coco/coco-rle.ts';
import { AppError } from '../../src/errors/problem.ts';

/** Produced by scripts/golden/make_coco_geometry_fixtures.py with pycocotools. */
const golden = JSON.parse(readFileSync(new URL('../fixtures/coco/geometry.json', import.meta.url), 'utf8'));

const maskFrom = (s: string): Uint8Array => Uint8Array.from(s, (c) => (c === '1' ? 1 : 0));
const maskString = (m: Uint8Array): string => Array.from(m, (v) => (v ? '1' : '0')).join('');
const unpack = (size: [number, number], counts: string): Rle => decompress({ size, counts });

describe('encode / decode / compress (golden)', () => {
  golden.encode.forEach((c: any, i: number) => {
    const { h, w } = c;
    it(`case ${i} (${h}x${w})`, () => {
      const rle = encode(maskFrom(c.mask), h, w);
      expect(rle.size).toEqual([h, w]);
      expect(rle.counts).toEqual(c.counts);
      expect(compress(rle).counts).toBe(c.compressed);
      expect(decompress({ size: [h, w], counts: c.compressed }).counts).toEqual(c.counts);
      expect(maskString(decode(rle))).toBe(c.mask);
      expect(area(rle)).toBe(c.area);
      expect(toBbox(rle)).toEqual(c.bbox);
    });
  });

  it('treats any non-zero byte as foreground', () => {
    const rle = encode(Uint8Array.of(0, 255, 7, 0), 2, 2);
    expect(rle.counts).toEqual([1, 2, 1]);
  });

  it('round-trips large and irregular run lengths through the string codec', () => {
    for (const c of golden.strings) {
      const total = c.counts.reduce((a: number, b: number) => a + b, 0);
      expect(compress({ size: [1, total], counts: c.counts }).counts).toBe(c.compressed);
      expect(decompress({ size: [1, total], counts: c.compressed }).counts).toEqual(c.counts);
    }
  });
});

describe('fromPolygons (golden rleFrPoly + merge)', () => {
  golden.polygons.forEach((c: any, i: number) => {
    const { h, w } = c;
    it(`case ${i} (${h}x${w})`, () => {
      const rle = fromPolygons(c.polygons, h, w);
      expect(compress(rle).counts).toBe(c.compressed);
      expect(rle.counts).toEqual(unpack([h, w], c.compressed).counts);
      if (c.mask) expect(maskString(decode(rle))).toBe(c.mask);
      expect(area(rle)).toBe(c.area);
      expect(toBbox(rle)).toEqual(c.bbox);
      const viaCoco = fromCocoSegmentation(c.polygons, h, w, '$.segmentation');
      expect(compress(viaCoco).counts).toBe(c.compressed);
    });
  });

  it('gives an empty mask for no polygons', () => {
    expect(fromPolygons([], 3, 4)).toEqual({ size: [3, 4], counts: [12] });
  });
});

describe('fromBbox (golden rleFrBbox)', () => {
  it('matches pycocotools for every box', () => {
    for (const c of golden.bbox) {
      expect(compress(fromBbox(c.bbox as Bbox, c.h, c.w)).counts, JSON.stringify(c.bbox)).toBe(c.compressed);
    }
  });
});

describe('merge (golden rleMerge)', () => {
  it('matches pycocotools for unions and intersections', () => {
    for (const c of golden.merge) {
      const sizes: [number, number][] = c.sizes ?? c.rles.map(() => c.size);
      const rles = c.rles.map((s: string, i: number) => unpack(sizes[i], s));
      const out = merge(rles, c.intersect);
      expect(compress(out).counts).toBe(c.compressed);
      if (c.result_size) expect(out.size).toEqual(c.result_size);
    }
  });
});

describe('iou (golden)', () => {
  it('matches pycocotools mask IoU, crowd and size mismatch included', () => {
    for (const c of golden.iou) {
      const dt = c.dt.map((s: string, i: number) => unpack(c.sizes_dt?.[i] ?? c.size, s));
      const gt = c.gt.map((s: string, i: number) => unpack(c.sizes_gt?.[i] ?? c.size, s));
      const out = iou(dt, gt, c.iscrowd).map((row) => Array.from(row));
      expect(out).toEqual(c.iou);
    }
  });

  it('matches pycocotools box IoU', () => {
    for (const c of golden.bboxIou) {
      expect(bboxIou(c.dt, c.gt, c.iscrowd).map((row) => Array.from(row))).toEqual(c.iou);
    }
  });
});

describe('fromCocoSegmentation', () => {
  const path = '$.annotations[3].segmentation';
  const errorOf = (seg: unknown, h = 4, w = 5): AppError => {
    try {
      fromCocoSegmentation(seg, h, w, path);
    } catch (e) {
      if (e instanceof AppError) return e;
      throw e;
    }
    throw new Error('expected a validation error');
  };

  it('accepts uncompressed and compressed RLE', () => {
    const mask = Uint8Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const rle = encode(mask, 4, 5);
    expect(fromCocoSegmentation({ size: [4, 5], counts: rle.counts }, 4, 5, path)).toEqual(rle);
    expect(fromCocoSegmentation(compress(rle), 4, 5, path)).toEqual(rle);
  });

  it.each([
    [{ size: [5, 4], counts: [20] }, `${path}.size`, 'must be [height, width] = [4, 5]'],
    [{ size: [4, 5], counts: [3, 4] }, `${path}.counts`, 'run lengths add up to 7'],
    [{ size: [4, 5], counts: [3, -1, 18] }, `${path}.counts[1]`, 'non-negative integer'],
    [{ size: [4, 5], counts: 'ab c' }, `${path}.counts`, 'invalid character'],
    [{ size: [4, 5], counts: 7 }, `${path}.counts`, 'must be a string'],
    [[], path, 'empty'],
    [[[1, 2, 3, 4]], `${path}[0]`, 'at least 3 points'],
    [
      [
        [1, 2, 3, 4, 5, 6],
        [1, 'x'],
      ],
      `${path}[1][1]`,
      'must be a number',
    ],
    [[[1, 2, 3, 4, 5, 6], 7], `${path}[1]`, 'array of numbers'],
    [{ counts: [20] }, path, 'polygons or an RLE'],
    ['M', path, 'polygons or an RLE'],
  ])('rejects %j at the right path', (seg, name, reason) => {
    const err = errorOf(seg);
    expect(err.kind).toBe('validation');
    expect(err.invalidParams[0].name).toBe(name);
    expect(err.invalidParams[0].reason).toContain(reason);
  });
});
