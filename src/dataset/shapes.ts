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

/**
 * The pretraining corpus's shapes: disjoint from the built-in classes, so a base model trained on them
 * learns "objects and their outlines" but none of the classes a demo or experiment measures (the
 * analogue of COCO pretraining for the study's four COCO classes).
 */
export const PRETRAIN_SHAPE_NAMES = ['ellipse', 'hexagon', 'crescent', 'arrow', 'semicircle', 'ell'] as const;
export type PretrainShapeName = (typeof PRETRAIN_SHAPE_NAMES)[number];

/** `builtin`: the dataset's classes; `pretrain`: the disjoint classes of the base model's corpus. */
export type ShapeFamily = 'builtin' | 'pretrain';
export const SHAPE_FAMILIES: readonly ShapeFamily[] = ['builtin', 'pretrain'];
export const FAMILY_SHAPES: Readonly<Record<ShapeFamily, readonly (ShapeName | PretrainShapeName)[]>> = {
  builtin: SHAPE_NAMES,
  pretrain: PRETRAIN_SHAPE_NAMES,
};

export const familyCategories = (family: ShapeFamily): SynthCategory[] =>
  FAMILY_SHAPES[family].map((name, i) => ({ id: i + 1, name }));

/** A shape placed in image space; distances are in pixels. */
export interface PlacedShape {
  name: ShapeName | PretrainShapeName;
  cx: number;
  cy: number;
  /** Scale in pixels: the unit outlines below are multiplied by it. */
  r: number;
  theta: number;
  /** Ring hole radius as a fraction of the outer radius; an ellipse's aspect, a crescent's bite (0.45-0.6). */
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

const arrowOutline = (): Pt[] =>
  [
    [-1.2, -0.3],
    [0.2, -0.3],
    [0.2, -0.75],
    [1.2, 0],
    [0.2, 0.75],
    [0.2, 0.3],
    [-1.2, 0.3],
  ].map(([x, y]) => [x * 1.25, y * 1.25] as Pt);

const ellOutline: Pt[] = [
  [-0.9, -1.1],
  [-0.2, -1.1],
  [-0.2, 0.4],
  [0.9, 0.4],
  [0.9, 1.1],
  [-0.9, 1.1],
].map(([x, y]) => [x * 1.05, y * 1.05] as Pt);

/** Pretraining polygons, sized like the built-in ones (comparable areas at one scale). */
const PRETRAIN_POLYGONS: Record<'hexagon' | 'arrow' | 'ell', Pt[]> = {
  hexagon: regular(6, 1.0, 0),
  arrow: arrowOutline(),
  ell: ellOutline,
};

const ellipseOutline = (aspect: number): Pt[] =>
  Array.from({ length: 48 }, (_, i) => {
    const a = (2 * Math.PI * i) / 48;
    return [1.25 * Math.cos(a), 1.25 * aspect * Math.sin(a)];
  });

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
  if (shape.name === 'crescent' || shape.name === 'semicircle') return roundGeometry(shape);
  if (shape.name === 'ellipse') return polygonGeometry(shape, ellipseOutline(shape.holeRatio));
  if (shape.name in PRETRAIN_POLYGONS)
    return polygonGeometry(shape, PRETRAIN_POLYGONS[shape.name as keyof typeof PRETRAIN_POLYGONS]);
  return polygonGeometry(shape, UNIT_POLYGONS[shape.name as keyof typeof UNIT_POLYGONS]);
}

/**
 * A disc minus a shifted disc (crescent) or cut by a line through its centre (semicircle). max() of two
 * SDFs is exact in sign (what the labels use) and a bound on distance (enough for a 1-px anti-aliased edge).
 */
function roundGeometry(shape: PlacedShape): ShapeGeometry {
  const { cx, cy, r, theta } = shape;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const outer = r * (shape.name === 'crescent' ? 1.15 : 1.25);
  if (shape.name === 'semicircle')
    return {
      sdf: (x, y) => Math.max(Math.hypot(x - cx, y - cy) - outer, (x - cx) * cos + (y - cy) * sin),
      extent: outer,
    };
  const shift = outer * shape.holeRatio * 1.2;
  const [bx, by] = [cx + shift * cos, cy + shift * sin];
  const bite = outer * 0.85;
  return {
    sdf: (x, y) => Math.max(Math.hypot(x - cx, y - cy) - outer, bite - Math.hypot(x - bx, y - by)),
    extent: outer,
  };
}
