/**
 * Renders one synthetic image in memory: background, then shapes painted back to front
 * into a label map, then per-pixel noise. The masks are read off the label map, so they
 * are exactly the visible pixels whose centres lie inside each shape.
 */
import { blend, type Canvas, hsv, paintBackground, type Rgb } from './background.ts';
import { DIFFICULTIES, DIFFICULTY_PARAMS, type Difficulty, type DifficultyParams } from './difficulty.ts';
import { createRng, mixSeed, type Rng } from './prng.ts';
import {
  FAMILY_SHAPES,
  type PlacedShape,
  SHAPE_FAMILIES,
  type ShapeFamily,
  shapeGeometry,
} from './shapes.ts';

export interface RenderOptions {
  difficulty?: Difficulty;
  /** Side of the square image in px. */
  size?: number;
  /** Which shape classes: the dataset's (`builtin`, the default) or the pretraining corpus's. */
  family?: ShapeFamily;
}

export interface SynthInstance {
  categoryId: number;
  /** Row-major 0/1, height * width: the visible pixels only. */
  mask: Uint8Array;
  /** In-frame pixels the shape would cover with nothing in front of it (occlusion = 1 - area / this). */
  unoccludedArea: number;
}

export interface SynthImage {
  /** Interleaved RGB, row-major, width * height * 3 bytes. */
  rgb: Buffer;
  width: number;
  height: number;
  /** Back to front: a later instance occludes earlier ones. */
  instances: SynthInstance[];
  /** Row-major: 0 = unlabelled, k = instances[k - 1]. */
  labels: Uint8Array;
}

export const DEFAULT_SIZE = 160;
export const MIN_SIZE = 64;
export const MAX_SIZE = 2048;
const PLACEMENT_TRIES = 40;
const COLOUR_TRIES = 20;
/** 4096 standard normal draws from a fixed seed (small enough to stay in L1 cache). */
const NORMAL_TABLE = (() => {
  const rng = createRng(0x6e6f6973);
  return Float32Array.from({ length: 0x1000 }, () => rng.normal());
})();
/** Below this scale even an unoccluded star would fall under the minimum visible area. */
const MIN_SCALE_PX = 3.4;

/** Keeps the three presets' streams apart for the same seed. */
const DIFFICULTY_SALT: Record<Difficulty, number> = { easy: 101, medium: 202, hard: 303 };
/** Added to the salt for the pretraining family, so its images never repeat a dataset image's layout. */
const FAMILY_SALT: Record<ShapeFamily, number> = { builtin: 0, pretrain: 7919 };

/** Signed distances of one shape over its (clipped) bounding box. */
interface Raster {
  shape: PlacedShape;
  extent: number;
  x0: number;
  y0: number;
  w: number;
  h: number;
  dist: Float32Array;
  /** Pixels inside the shape and inside the frame. */
  inFrame: number;
  /** Pixels inside the shape, frame or not. */
  total: number;
}

interface Painted {
  categoryId: number;
  inFrame: number;
  visible: number;
}

interface Scene {
  size: number;
  names: readonly PlacedShape['name'][];
  p: DifficultyParams;
  canvas: Canvas;
  labels: Uint8Array;
  objects: Painted[];
  placed: PlacedShape[];
}

function rasterise(shape: PlacedShape, size: number): Raster {
  const g = shapeGeometry(shape);
  const pad = g.extent + 1;
  const fx0 = Math.floor(shape.cx - pad);
  const fy0 = Math.floor(shape.cy - pad);
  const fx1 = Math.ceil(shape.cx + pad);
  const fy1 = Math.ceil(shape.cy + pad);
  const x0 = Math.max(0, fx0);
  const y0 = Math.max(0, fy0);
  const w = Math.max(0, Math.min(size, fx1) - x0);
  const h = Math.max(0, Math.min(size, fy1) - y0);
  const dist = new Float32Array(w * h);
  let inFrame = 0;
  let total = 0;
  for (let y = fy0; y < fy1; y++) {
    for (let x = fx0; x < fx1; x++) {
      const d = g.sdf(x + 0.5, y + 0.5);
      const inside = d < 0;
      if (inside) total++;
      if (x < x0 || y < y0 || x >= x0 + w || y >= y0 + h) continue;
      dist[(y - y0) * w + (x - x0)] = d;
      if (inside) inFrame++;
    }
  }
  return { shape, extent: g.extent, x0, y0, w, h, dist, inFrame, total };
}

/** Calls fn(canvasIndex, distance) for every pixel of the raster's box. */
function eachPixel(r: Raster, size: number, fn: (i: number, d: number, x: number, y: number) => void): void {
  for (let y = 0; y < r.h; y++) {
    for (let x = 0; x < r.w; x++) {
      fn((r.y0 + y) * size + r.x0 + x, r.dist[y * r.w + x], r.x0 + x, r.y0 + y);
    }
  }
}

function sampleShape(rng: Rng, p: DifficultyParams, size: number, names: Scene['names']): PlacedShape {
  const name = rng.pick(names);
  const scale = Math.exp(rng.uniform(Math.log(p.scale[0]), Math.log(p.scale[1])));
  return {
    name,
    r: Math.max(MIN_SCALE_PX, scale * size),
    cx: rng.uniform(0, size),
    cy: rng.uniform(0, size),
    theta: rng.uniform(0, 2 * Math.PI),
    holeRatio: rng.uniform(0.45, 0.6),
  };
}

/** Moves the shape to touch or overlap an earlier one (uniform placement rarely overlaps small shapes). */
function nextTo(shape: PlacedShape, s: Scene, rng: Rng): PlacedShape {
  const other = rng.pick(s.placed);
  const reach = shape.r + other.r;
  const a = rng.uniform(0, 2 * Math.PI);
  const d = rng.uniform(0.4, 1.3) * reach;
  return { ...shape, cx: other.cx + d * Math.cos(a), cy: other.cy + d * Math.sin(a) };
}

const floorFor = (s: Scene, inFrame: number): number =>
  Math.max(s.p.minVisibleArea, s.p.minVisibleFraction * inFrame);

/** Would painting r leave every earlier object with enough visible pixels? */
function keepsOthersVisible(s: Scene, r: Raster): boolean {
  const lost = new Int32Array(s.objects.length);
  eachPixel(r, s.size, (i, d) => {
    if (d < 0 && s.labels[i] > 0) lost[s.labels[i] - 1]++;
  });
  return s.objects.every((o, k) => o.visible - lost[k] >= floorFor(s, o.inFrame));
}

function fitsFrame(s: Scene, r: Raster): boolean {
  return r.inFrame >= Math.max(s.p.minVisibleArea, s.p.minInFrameFraction * r.total);
}

function place(s: Scene, rng: Rng): Raster | undefined {
  for (let t = 0; t < PLACEMENT_TRIES; t++) {
    let shape = sampleShape(rng, s.p, s.size, s.names);
    if (s.placed.length > 0 && rng.next() < s.p.clusterChance) shape = nextTo(shape, s, rng);
    const r = rasterise(shape, s.size);
    if (fitsFrame(s, r) && keepsOthersVisible(s, r)) return r;
  }
  return undefined;
}

/** The first object must exist; if random placement keeps failing, centre it. */
function placeFirst(s: Scene, rng: Rng): Raster {
  const r = place(s, rng);
  if (r) return r;
  const shape = sampleShape(rng, s.p, s.size, s.names);
  const scale = Math.sqrt(s.p.scale[0] * s.p.scale[1]) * s.size;
  return rasterise({ ...shape, cx: s.size / 2, cy: s.size / 2, r: Math.max(MIN_SCALE_PX, scale) }, s.size);
}

function meanUnder(s: Scene, r: Raster): Rgb {
  const sum: Rgb = [0, 0, 0];
  let n = 0;
  eachPixel(r, s.size, (i, d) => {
    if (d >= 0) return;
    for (let ch = 0; ch < 3; ch++) sum[ch] += s.canvas.data[i * 3 + ch];
    n++;
  });
  return sum.map((v) => v / Math.max(1, n)) as Rgb;
}

/** A random colour that stands out from what it covers, or the best of a few tries. */
function pickColour(s: Scene, r: Raster, rng: Rng): Rgb {
  const under = meanUnder(s, r);
  let best: Rgb = [0, 0, 0];
  let bestDist = -1;
  for (let t = 0; t < COLOUR_TRIES; t++) {
    const c = hsv(rng.next(), rng.uniform(0.3, 1), rng.uniform(0.3, 1));
    const dist = Math.hypot(c[0] - under[0], c[1] - under[1], c[2] - under[2]);
    if (dist > bestDist) [best, bestDist] = [c, dist];
    if (dist >= s.p.minContrast) break;
  }
  return best;
}

function paint(s: Scene, r: Raster, rng: Rng): void {
  const base = pickColour(s, r, rng);
  const a = rng.uniform(0, 2 * Math.PI);
  const gain = (rng.uniform(-1, 1) * s.p.shading) / Math.max(1, r.extent);
  const [gx, gy] = [Math.cos(a) * gain, Math.sin(a) * gain];
  const k = s.objects.length + 1;
  const painted: Painted = {
    categoryId: s.names.indexOf(r.shape.name) + 1,
    inFrame: r.inFrame,
    visible: 0,
  };
  s.objects.push(painted);
  s.placed.push(r.shape);
  eachPixel(r, s.size, (i, d, x, y) => {
    // Coverage from the signed distance: a 1-px anti-aliased edge in the RGB only.
    const alpha = Math.min(1, Math.max(0, 0.5 - d));
    if (alpha === 0) return;
    const f = 1 + (x + 0.5 - r.shape.cx) * gx + (y + 0.5 - r.shape.cy) * gy;
    blend(s.canvas, i, base, alpha, f);
    if (d >= 0) return;
    if (s.labels[i] > 0) s.objects[s.labels[i] - 1].visible--;
    s.labels[i] = k;
    painted.visible++;
  });
}

/**
 * Adds per-pixel Gaussian noise and quantises. The noise stream is an inline xorshift32
 * seeded from the image's generator (twice as fast as calling it per pixel), and each
 * 32-bit draw indexes the normal table twice. Uint8ClampedArray clamps and rounds.
 */
function quantise(c: Canvas, rng: Rng, sigma: number): Buffer {
  const { data } = c;
  const table = NORMAL_TABLE;
  const out = new Uint8ClampedArray(data.length);
  const n = data.length;
  let x = rng.u32() | 1;
  for (let i = 0; i < n; i += 2) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = data[i] + sigma * table[x >>> 20];
    if (i + 1 < n) out[i + 1] = data[i + 1] + sigma * table[x & 0xfff];
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Drops instances under the minimum visible area and renumbers the label map. */
function collectInstances(s: Scene): SynthInstance[] {
  const remap = new Uint8Array(s.objects.length + 1);
  const kept: Painted[] = [];
  s.objects.forEach((o, k) => {
    if (o.visible < s.p.minVisibleArea) return;
    kept.push(o);
    remap[k + 1] = kept.length;
  });
  const masks = kept.map(() => new Uint8Array(s.labels.length));
  for (let i = 0; i < s.labels.length; i++) {
    const k = remap[s.labels[i]];
    s.labels[i] = k;
    if (k > 0) masks[k - 1][i] = 1;
  }
  return kept.map((o, k) => ({ categoryId: o.categoryId, mask: masks[k], unoccludedArea: o.inFrame }));
}

export function resolveRenderOptions(opts: RenderOptions): {
  difficulty: Difficulty;
  size: number;
  family: ShapeFamily;
} {
  const size = opts.size ?? DEFAULT_SIZE;
  if (!Number.isInteger(size) || size < MIN_SIZE || size > MAX_SIZE) {
    throw new RangeError(`size must be an integer in [${MIN_SIZE}, ${MAX_SIZE}], got ${size}`);
  }
  const difficulty = opts.difficulty ?? 'medium';
  if (!DIFFICULTIES.includes(difficulty)) throw new RangeError(`unknown difficulty "${difficulty}"`);
  const family = opts.family ?? 'builtin';
  if (!SHAPE_FAMILIES.includes(family)) throw new RangeError(`unknown shape family "${family}"`);
  return { difficulty, size, family };
}

/** Pure and deterministic: the same (seed, index, opts) always gives the same pixels and masks. */
export function renderSynthImage(seed: number, index: number, opts: RenderOptions = {}): SynthImage {
  const { difficulty, size, family } = resolveRenderOptions(opts);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!Number.isSafeInteger(index) || index < 0)
    throw new RangeError(`index must be an integer >= 0, got ${index}`);
  const p = DIFFICULTY_PARAMS[difficulty];
  // Each image has its own stream, so image i does not depend on how many came before.
  const rng = createRng(mixSeed(seed, index, DIFFICULTY_SALT[difficulty] + FAMILY_SALT[family], size));
  const s: Scene = {
    size,
    names: FAMILY_SHAPES[family],
    p,
    canvas: paintBackground(size, size, rng, p),
    labels: new Uint8Array(size * size),
    objects: [],
    placed: [],
  };
  const n = rng.int(p.objects[0], p.objects[1]);
  paint(s, placeFirst(s, rng), rng);
  for (let k = 1; k < n; k++) {
    const r = place(s, rng);
    if (r) paint(s, r, rng);
  }
  const rgb = quantise(s.canvas, rng, p.noiseSigma);
  const instances = collectInstances(s);
  return { rgb, width: size, height: size, instances, labels: s.labels };
}
