/**
 * Background clutter: a gradient, texture layers and thin distractor strokes, all on a
 * float RGB canvas (0-255, row-major, 3 channels). None of it is ever labelled, and it
 * is painted before the objects so no unlabelled paint ever lies on top of a mask.
 */
import type { DifficultyParams } from './difficulty.ts';
import type { Rng } from './prng.ts';

export type Rgb = [number, number, number];

export interface Canvas {
  width: number;
  height: number;
  data: Float32Array;
}

export function hsv(h: number, s: number, v: number): Rgb {
  const k = (n: number) => (n + h * 6) % 6;
  const f = (n: number) => 255 * v * (1 - s * Math.max(0, Math.min(k(n), 4 - k(n), 1)));
  return [f(5), f(3), f(1)];
}

const randomColour = (rng: Rng, maxSat: number): Rgb =>
  hsv(rng.next(), rng.uniform(0, maxSat), rng.uniform(0.15, 0.95));

/** Blends `colour` (scaled by `gain`) into pixel `i` with weight `a` in [0, 1]. */
export function blend(c: Canvas, i: number, colour: Rgb, a: number, gain = 1): void {
  const o = i * 3;
  c.data[o] += (colour[0] * gain - c.data[o]) * a;
  c.data[o + 1] += (colour[1] * gain - c.data[o + 1]) * a;
  c.data[o + 2] += (colour[2] * gain - c.data[o + 2]) * a;
}

function gradient(c: Canvas, rng: Rng, maxSat: number): void {
  const from = randomColour(rng, maxSat);
  const to = randomColour(rng, maxSat);
  const a = rng.uniform(0, 2 * Math.PI);
  const dx = Math.cos(a) / c.width;
  const dy = Math.sin(a) / c.height;
  const lo = Math.min(0, dx * c.width) + Math.min(0, dy * c.height);
  const span = Math.abs(dx * c.width) + Math.abs(dy * c.height);
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const t = Math.min(1, Math.max(0, (x * dx + y * dy - lo) / span));
      const o = (y * c.width + x) * 3;
      for (let ch = 0; ch < 3; ch++) c.data[o + ch] = from[ch] + (to[ch] - from[ch]) * t;
    }
  }
}

/** Periodic stripes; the cube sharpens some into narrow bands. */
function stripes(c: Canvas, rng: Rng, strength: number, maxSat: number): void {
  const tint = randomColour(rng, maxSat);
  const a = rng.uniform(0, Math.PI);
  const period = rng.uniform(4, 24);
  const k = (2 * Math.PI) / period;
  const phase = rng.uniform(0, 2 * Math.PI);
  const sharp = rng.next() < 1 / 3;
  const kx = Math.cos(a) * k;
  const ky = Math.sin(a) * k;
  // The wave only depends on x*kx + y*ky; one sine per row and column, combined by angle addition.
  const sinX = Float64Array.from({ length: c.width }, (_, x) => Math.sin(x * kx));
  const cosX = Float64Array.from({ length: c.width }, (_, x) => Math.cos(x * kx));
  for (let y = 0; y < c.height; y++) {
    const sy = Math.sin(y * ky + phase);
    const cy = Math.cos(y * ky + phase);
    for (let x = 0; x < c.width; x++) {
      const s = 0.5 + 0.5 * (sinX[x] * cy + cosX[x] * sy);
      blend(c, y * c.width + x, tint, strength * 0.7 * (sharp ? s * s * s : s));
    }
  }
}

/** Soft Gaussian blobs: object-sized colour patches without a shape to learn. */
function blobs(c: Canvas, rng: Rng, strength: number, maxSat: number): void {
  const n = rng.int(3, 8);
  for (let b = 0; b < n; b++) {
    const colour = randomColour(rng, maxSat);
    const cx = rng.uniform(0, c.width);
    const cy = rng.uniform(0, c.height);
    const sigma = rng.uniform(0.03, 0.15) * c.width;
    // A Gaussian is separable: one exp per row and per column instead of one per pixel.
    const inv = 1 / (2 * sigma * sigma);
    const gx = Float64Array.from({ length: c.width }, (_, x) => Math.exp(-((x + 0.5 - cx) ** 2) * inv));
    const gy = Float64Array.from({ length: c.height }, (_, y) => Math.exp(-((y + 0.5 - cy) ** 2) * inv));
    const reach = 3 * sigma;
    const x0 = Math.max(0, Math.floor(cx - reach));
    const x1 = Math.min(c.width, Math.ceil(cx + reach));
    for (let y = Math.max(0, Math.floor(cy - reach)); y < Math.min(c.height, cy + reach); y++) {
      const w = strength * 0.8 * gy[y];
      for (let x = x0; x < x1; x++) blend(c, y * c.width + x, colour, w * gx[x]);
    }
  }
}

/** Bilinear value noise on a coarse grid: cloudy, low-frequency colour variation. */
function valueNoise(c: Canvas, rng: Rng, strength: number): void {
  const g = rng.int(3, 10);
  const grid = Float32Array.from({ length: (g + 1) * (g + 1) * 3 }, () => rng.uniform(-1, 1));
  const amp = strength * 70;
  for (let y = 0; y < c.height; y++) {
    const gy = (y / c.height) * g;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    for (let x = 0; x < c.width; x++) {
      const gx = (x / c.width) * g;
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      const o = (y * c.width + x) * 3;
      const i00 = (y0 * (g + 1) + x0) * 3;
      const i10 = i00 + (g + 1) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = grid[i00 + ch] + (grid[i00 + 3 + ch] - grid[i00 + ch]) * fx;
        const bottom = grid[i10 + ch] + (grid[i10 + 3 + ch] - grid[i10 + ch]) * fx;
        c.data[o + ch] += amp * (top + (bottom - top) * fy);
      }
    }
  }
}

/** Anti-aliased capsule from (ax, ay) to (bx, by). */
function segment(c: Canvas, seg: [number, number, number, number], half: number, colour: Rgb): void {
  const [ax, ay, bx, by] = seg;
  const ex = bx - ax;
  const ey = by - ay;
  const len2 = Math.max(1e-9, ex * ex + ey * ey);
  const pad = half + 1;
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - pad));
  const x1 = Math.min(c.width - 1, Math.ceil(Math.max(ax, bx) + pad));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - pad));
  const y1 = Math.min(c.height - 1, Math.ceil(Math.max(ay, by) + pad));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const wx = x + 0.5 - ax;
      const wy = y + 0.5 - ay;
      const t = Math.min(1, Math.max(0, (wx * ex + wy * ey) / len2));
      const d = Math.hypot(wx - ex * t, wy - ey * t) - half;
      const a = Math.min(1, Math.max(0, 0.5 - d));
      if (a > 0) blend(c, y * c.width + x, colour, a);
    }
  }
}

/** A stroke is a polyline: a straight line, an arc (looks like part of a ring) or a squiggle. */
function strokePoints(c: Canvas, rng: Rng): [number, number][] {
  const kind = rng.pick(['line', 'arc', 'squiggle'] as const);
  const x = rng.uniform(0, c.width);
  const y = rng.uniform(0, c.height);
  const len = rng.uniform(0.1, 0.5) * c.width;
  if (kind === 'line') {
    const a = rng.uniform(0, 2 * Math.PI);
    return [
      [x, y],
      [x + len * Math.cos(a), y + len * Math.sin(a)],
    ];
  }
  if (kind === 'arc') {
    const rad = len / 2;
    const start = rng.uniform(0, 2 * Math.PI);
    const sweep = rng.uniform(0.5, 1.5) * Math.PI;
    return Array.from({ length: 13 }, (_, i) => {
      const a = start + (sweep * i) / 12;
      return [x + rad * Math.cos(a), y + rad * Math.sin(a)] as [number, number];
    });
  }
  const pts: [number, number][] = [[x, y]];
  let a = rng.uniform(0, 2 * Math.PI);
  const n = rng.int(3, 6);
  for (let i = 0; i < n; i++) {
    a += rng.uniform(-1.2, 1.2);
    const [px, py] = pts[pts.length - 1];
    pts.push([px + (len / 4) * Math.cos(a), py + (len / 4) * Math.sin(a)]);
  }
  return pts;
}

function strokes(c: Canvas, rng: Rng, count: number): void {
  for (let s = 0; s < count; s++) {
    const colour = randomColour(rng, 1);
    const half = rng.uniform(0.5, 1.3);
    const pts = strokePoints(c, rng);
    for (let i = 1; i < pts.length; i++) {
      segment(c, [pts[i - 1][0], pts[i - 1][1], pts[i][0], pts[i][1]], half, colour);
    }
  }
}

const TEXTURES = [stripes, blobs, (c: Canvas, rng: Rng, s: number) => valueNoise(c, rng, s)] as const;

export function paintBackground(width: number, height: number, rng: Rng, p: DifficultyParams): Canvas {
  const c: Canvas = { width, height, data: new Float32Array(width * height * 3) };
  gradient(c, rng, p.backgroundSaturation);
  const layers = rng.int(p.textureLayers[0], p.textureLayers[1]);
  for (let i = 0; i < layers; i++) {
    rng.pick(TEXTURES)(c, rng, p.textureStrength * rng.uniform(0.6, 1), p.backgroundSaturation);
  }
  strokes(c, rng, rng.int(p.strokes[0], p.strokes[1]));
  return c;
}
