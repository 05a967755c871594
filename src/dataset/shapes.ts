/**
 * The shape classes and their signed distance functions. One function decides both
 * the label (distance < 0 at the pixel centre) and the anti-aliased RGB coverage, so
 * the masks and the pixels can never disagree about which side of an edge a pixel is.
 */

export interface SynthCategory {
  id: number;
  name: string;
}

export const SHAPE_NAMES = ['circle', 'triangle', 'square', 'star', 'ring', 'cross'] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

export const CATEGORIES: readonly SynthCategory[] = SHAPE_NAMES.map((name, i) => ({ id: i + 1, name }));

/** A shape placed in image space; distances are in pixels. */
export interface PlacedShape {
  name: ShapeName;
  cx: number;
  cy: number;
  /** Scale in pixels: the unit outlines below are multiplied by it. */
  r: number;
  theta: number;
  /** Ring hole radius as a fraction of the outer radius. */
  holeRatio: number;
}

export interface ShapeGeometry {
  /** Negative inside, positive outside, |d| = Euclidean distance to the outline in px. */
  sdf(x: number, y: number): number;
  /** Radius around (cx, cy) that contains the whole outline. */
  extent: number;
}

type Pt = [number, number];

const regular = (n: number, radius: number, phase: number): Pt[] =>
  Array.from({ length: n }, (_, i) => {
    const a = phase + (2 * Math.PI * i) / n;
    return [radius * Math.cos(a), radius * Math.sin(a)];
  });

const starOutline = (points: number, outer: number, inner: number): Pt[] =>
  Array.from({ length: points * 2 }, (_, i) => {
    const a = -Math.PI / 2 + (Math.PI * i) / points;
    const rad = i % 2 === 0 ? outer : inner;
    return [rad * Math.cos(a), rad * Math.sin(a)];
  });

const crossOutline = (len: number, half: number): Pt[] => [
  [half, -len],
  [half, -half],
  [len, -half],
  [len, half],
  [half, half],
  [half, len],
  [-half, len],
  [-half, half],
  [-len, half],
  [-len, -half],
  [-half, -half],
  [-half, -len],
];

/**
 * Unit outlines sized so the classes have roughly comparable areas at the same
 * scale; otherwise size alone would give the class away.
 */
const UNIT_POLYGONS: Record<'triangle' | 'square' | 'star' | 'cross', Pt[]> = {
  triangle: regular(3, 1.35, -Math.PI / 2),
  square: regular(4, 1.12, Math.PI / 4),
  star: starOutline(5, 1.35, 0.56),
  cross: crossOutline(1.1, 0.36),
};

const CIRCLE_RADIUS = 0.92;
const RING_RADIUS = 1.05;

/** Exact polygon SDF (after Inigo Quilez); the sign comes from a crossing test. */
function polygonSdf(xs: Float64Array, ys: Float64Array, px: number, py: number): number {
  const n = xs.length;
  let d = (px - xs[0]) ** 2 + (py - ys[0]) ** 2;
  let s = 1;
  for (let i = 0, j = n - 1; i < n; j = i, i++) {
    const ex = xs[j] - xs[i];
    const ey = ys[j] - ys[i];
    const wx = px - xs[i];
    const wy = py - ys[i];
    const t = Math.min(1, Math.max(0, (wx * ex + wy * ey) / (ex * ex + ey * ey)));
    const bx = wx - ex * t;
    const by = wy - ey * t;
    d = Math.min(d, bx * bx + by * by);
    const c1 = py >= ys[i];
    const c2 = py < ys[j];
    const c3 = ex * wy > ey * wx;
    if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) s = -s;
  }
  return s * Math.sqrt(d);
}

function polygonGeometry(shape: PlacedShape, unit: Pt[]): ShapeGeometry {
  const cos = Math.cos(shape.theta);
  const sin = Math.sin(shape.theta);
  const xs = new Float64Array(unit.length);
  const ys = new Float64Array(unit.length);
  let extent = 0;
  unit.forEach(([ux, uy], i) => {
    xs[i] = shape.cx + shape.r * (ux * cos - uy * sin);
    ys[i] = shape.cy + shape.r * (ux * sin + uy * cos);
    extent = Math.max(extent, shape.r * Math.hypot(ux, uy));
  });
  return { sdf: (x, y) => polygonSdf(xs, ys, x, y), extent };
}

export function shapeGeometry(shape: PlacedShape): ShapeGeometry {
  const { cx, cy, r } = shape;
  if (shape.name === 'circle') {
    const rad = r * CIRCLE_RADIUS;
    return { sdf: (x, y) => Math.hypot(x - cx, y - cy) - rad, extent: rad };
  }
  if (shape.name === 'ring') {
    const outer = r * RING_RADIUS;
    const mid = (outer * (1 + shape.holeRatio)) / 2;
    const half = (outer * (1 - shape.holeRatio)) / 2;
    return { sdf: (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - mid) - half, extent: outer };
  }
  return polygonGeometry(shape, UNIT_POLYGONS[shape.name]);
}
