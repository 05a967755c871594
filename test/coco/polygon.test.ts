import { describe, expect, it } from 'vitest';
import { frPolyCore } from '../../src/coco/polygon.ts';
import { areaCore, encodeCore, intersectionArea, pairIou } from '../../src/coco/rle-core.ts';

/**
 * Line-by-line port of maskApi.c rleFrPoly (outline arrays and all). The production code skips
 * the outline points that cannot produce a crossing; this checks it against the literal algorithm
 * on many more shapes than the pycocotools fixtures hold.
 */
function referenceFrPoly(xy: number[], k: number, h: number, w: number): number[] {
  const cInt = (v: number): number => (v > -2147483649 && v < 2147483648 ? v | 0 : -2147483648);
  const scale = 5;
  const x: number[] = [];
  const y: number[] = [];
  for (let j = 0; j < k; j++) x[j] = cInt(scale * xy[j * 2] + 0.5);
  x[k] = x[0];
  for (let j = 0; j < k; j++) y[j] = cInt(scale * xy[j * 2 + 1] + 0.5);
  y[k] = y[0];
  const u: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < k; j++) {
    let xs = x[j];
    let xe = x[j + 1];
    let ys = y[j];
    let ye = y[j + 1];
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(cInt(ys + s * t + 0.5));
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(cInt(xs + s * t + 0.5));
      }
    }
  }
  const a: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = Math.min(v[j], v[j - 1]);
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    a.push((Math.imul(xd, h) + yd) >>> 0);
  }
  a.push(h * w);
  a.sort((p, q) => p - q);
  let p = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j];
    a[j] -= p;
    p = t;
  }
  const b = [a[0]];
  for (let j = 1; j < a.length; ) {
    if (a[j] > 0) b.push(a[j++]);
    else {
      j++;
      if (j < a.length) b[b.length - 1] += a[j++];
    }
  }
  return b;
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('frPolyCore against a literal port of rleFrPoly', () => {
  it('agrees on random polygons of every kind', () => {
    const rnd = prng(7);
    for (let c = 0; c < 3000; c++) {
      const h = 1 + Math.floor(rnd() * (rnd() < 0.2 ? 4 : 90));
      const w = 1 + Math.floor(rnd() * (rnd() < 0.2 ? 4 : 90));
      const k = 1 + Math.floor(rnd() * 12);
      const mode = c % 5;
      const coord = (extent: number): number => {
        if (mode === 4) return (rnd() * 40 - 20) * extent; // far outside, long edges
        if (mode === 0) return rnd() * extent;
        if (mode === 1) return (rnd() * 2 - 0.5) * extent; // out of bounds
        if (mode === 2) return Math.round(rnd() * extent * 2) / 2; // exact .5 boundaries
        return Math.round(rnd() * extent * 10) / 10;
      };
      const xy: number[] = [];
      for (let j = 0; j < k; j++) xy.push(coord(w), coord(h));
      if (rnd() < 0.2 && k > 1) xy.splice(2, 2, xy[0], xy[1]); // repeated point
      const got = Array.from(frPolyCore(xy, k, h, w));
      expect(got, JSON.stringify({ xy, h, w })).toEqual(referenceFrPoly(xy, k, h, w));
    }
  });
});

describe('intersectionArea against the rleIou merge loop', () => {
  it('gives the same IoU for random masks', () => {
    const rnd = prng(11);
    for (let c = 0; c < 2000; c++) {
      const h = 1 + Math.floor(rnd() * 20);
      const w = 1 + Math.floor(rnd() * 20);
      const density = rnd();
      const mask = (): Uint32Array =>
        encodeCore(
          Uint8Array.from({ length: h * w }, () => (rnd() < density ? 1 : 0)),
          h,
          w,
        );
      const a = mask();
      const b = mask();
      const crowd = rnd() < 0.3;
      const inter = intersectionArea(a, 0, a.length, b, 0, b.length);
      const union = crowd ? areaCore(a) : areaCore(a) + areaCore(b) - inter;
      expect(inter === 0 ? 0 : inter / union).toBe(pairIou(a, 0, a.length, b, 0, b.length, crowd));
    }
  });
});
