/**
 * pycocotools' rleFrPoly: the polygon is traced on a 5x upsampled grid, the points where the
 * boundary crosses pixel columns are kept and turned into runs. The arithmetic is the C code's,
 * operation for operation (int casts included), so masks are bit-identical. The C code stores
 * the whole upsampled outline and scans it afterwards; here only the outline steps that can
 * yield a crossing are visited (see xMajorSegment / yMajorSegment), and the crossings are
 * ordered by a counting sort over columns instead of qsort: same crossings, same order.
 */

const SCALE = 5;
const INT_MIN = -2147483648;
/** (double)(size_t)-1: `w - 1` wraps for w = 0 in C, and then never rejects a column. */
const SIZE_MAX = 2 ** 64;

/** C's (int) cast of a double on x86-64: truncation, and INT_MIN for NaN or out-of-range values. */
function cInt(v: number): number {
  return v > -2147483649 && v < 2147483648 ? v | 0 : INT_MIN;
}

/** Scratch buffers reused between calls: rasterising allocates only the result. */
let crossCol: Int32Array = new Int32Array(1024);
let crossRow: Int32Array = new Int32Array(1024);
let sorted = new Uint32Array(1024);
let columnCount = new Int32Array(1024);

/**
 * Collects the downsampled column crossings of the outline: for each pair of consecutive outline
 * points whose upsampled x differs, the C code's checks and rounding.
 */
class CrossingScan {
  n = 0;
  /** Previous outline point; `first` until there is one. */
  pu = 0;
  pv = 0;
  first = true;
  minCol = 2147483647;
  maxCol = -1;
  readonly wMax: number;
  /** The last column index a crossing can have, for skipping work beyond the image. */
  readonly lastColumn: number;

  constructor(
    readonly h: number,
    w: number,
  ) {
    this.wMax = w > 0 ? w - 1 : SIZE_MAX;
    this.lastColumn = w > 0 ? w - 1 : 2 ** 31;
  }

  /** Next outline point (u = upsampled x, v = upsampled y). */
  point(u: number, v: number): void {
    const pu = this.pu;
    const pv = this.pv;
    this.pu = u;
    this.pv = v;
    if (this.first) this.first = false;
    else if (u !== pu) this.crossing(u < pu ? u : u - 1, Math.min(v, pv));
  }

  /** A step whose smaller upsampled x is `xi`, with smaller upsampled y `yi`. */
  crossing(xi: number, yi: number): void {
    const xd = (xi + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > this.wMax) return;
    let yd = (yi + 0.5) / SCALE - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > this.h) yd = this.h;
    yd = Math.ceil(yd);
    if (this.n === crossCol.length) {
      crossCol = grow(crossCol, this.n);
      crossRow = grow(crossRow, this.n);
    }
    const col = cInt(xd);
    crossCol[this.n] = col;
    crossRow[this.n++] = yd;
    if (col < this.minCol) this.minCol = col;
    if (col > this.maxCol) this.maxCol = col;
  }
}

function grow(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n * 2);
  b.set(a);
  return b;
}

/** Rasterises polygon `xy` ([x0, y0, x1, y1, ...], first k points) into column-major runs. */
export function frPolyCore(xy: ArrayLike<number>, k: number, h: number, w: number): Uint32Array {
  const n = frPolyTrace(xy, k, h, w);
  const out = new Uint32Array(n);
  const m = frPolyWrite(out, 0);
  return m === n ? out : out.slice(0, m);
}

/** Positions traced by the last frPolyTrace, ascending, ending with h*w. */
let tracedCount = 0;

/**
 * Rasterising in two steps, so the runs can go straight into a caller's buffer: trace returns
 * how many counts frPolyWrite may write (at most), frPolyWrite writes them and returns how many.
 */
export function frPolyTrace(xy: ArrayLike<number>, k: number, h: number, w: number): number {
  const scan = new CrossingScan(h, w);
  if (k > 0) traceOutline(xy, k, scan);
  const n = scan.n;
  if (sorted.length < n + 1) sorted = new Uint32Array(2 * (n + 1));
  if (h * w < 2 ** 32) sortByColumn(scan, h);
  else {
    // positions wrap around uint32 as in C, so only sorting the wrapped values gives its order
    for (let j = 0; j < n; j++) sorted[j] = Math.imul(crossCol[j], h) + crossRow[j];
    sorted.subarray(0, n).sort();
  }
  sorted[n] = h * w;
  tracedCount = n + 1;
  return tracedCount;
}

export function frPolyWrite(out: Uint32Array, off: number): number {
  return runsFromSorted(sorted, tracedCount, out, off);
}

/**
 * Writes x*h + y of every crossing into `sorted` in ascending order: counting sort on the column,
 * then rows within a column (usually two of them) by insertion. Row y <= h, so (x, y) order is
 * the order of x*h + y.
 */
function sortByColumn(scan: CrossingScan, h: number): void {
  const n = scan.n;
  if (n === 0) return;
  const lo = scan.minCol;
  const span = scan.maxCol - lo + 1;
  if (columnCount.length < 2 * span + 1) columnCount = new Int32Array(2 * (2 * span + 1));
  // columnCount[0..span]: first slot of each column; columnCount[span + 1 + c]: next free slot
  const next = span + 1;
  columnCount.fill(0, 0, span + 1);
  for (let j = 0; j < n; j++) columnCount[crossCol[j] - lo + 1]++;
  for (let c = 0; c < span; c++) columnCount[c + 1] += columnCount[c];
  columnCount.copyWithin(next, 0, span);
  for (let j = 0; j < n; j++) {
    const c = crossCol[j] - lo;
    const value = crossCol[j] * h + crossRow[j];
    const first = columnCount[c];
    let i = columnCount[next + c]++;
    while (i > first && sorted[i - 1] > value) {
      sorted[i] = sorted[i - 1];
      i--;
    }
    sorted[i] = value;
  }
}

/** Walks the upsampled outline segment by segment, exactly as the C code generates its points. */
function traceOutline(xy: ArrayLike<number>, k: number, scan: CrossingScan): void {
  const x0 = cInt(SCALE * xy[0] + 0.5);
  const y0 = cInt(SCALE * xy[1] + 0.5);
  let xs0 = x0;
  let ys0 = y0;
  for (let j = 0; j < k; j++) {
    const last = j + 1 === k;
    const xa = xs0;
    const ya = ys0;
    const xb = last ? x0 : cInt(SCALE * xy[2 * j + 2] + 0.5);
    const yb = last ? y0 : cInt(SCALE * xy[2 * j + 3] + 0.5);
    xs0 = xb;
    ys0 = yb;
    const dx = Math.abs(xb - xa);
    const dy = Math.abs(ya - yb);
    const flip = (dx >= dy && xa > xb) || (dx < dy && ya > yb);
    const xs = flip ? xb : xa;
    const xe = flip ? xa : xb;
    const ys = flip ? yb : ya;
    const ye = flip ? ya : yb;
    if (dx >= dy && dx > 0) xMajorSegment(scan, xs, ys, (ye - ys) / dx, dx, flip);
    else if (dx >= dy)
      scan.point(xs, INT_MIN); // one point; the C code's 0/0 slope casts NaN to INT_MIN
    else yMajorSegment(scan, xs, ys, (xe - xs) / dy, dy, flip);
  }
}

/**
 * A segment where x moves one upsampled step per point (u = t + xs). Only steps whose smaller u
 * is 2 mod 5 can pass the C code's `floor(xd) == xd` test ((5n + 2 + .5) / 5 - .5 = n exactly,
 * any other residue is off by a multiple of 1/5), so only those steps are visited.
 */
function xMajorSegment(
  scan: CrossingScan,
  xs: number,
  ys: number,
  s: number,
  dx: number,
  flip: boolean,
): void {
  const tFirst = flip ? dx : 0;
  const tLast = flip ? 0 : dx;
  scan.point(tFirst + xs, cInt(ys + s * tFirst + 0.5));
  // steps between t and t + 1, in whichever direction the segment is walked: the smaller u is t + xs
  const hi = Math.min(dx - 1, SCALE * scan.lastColumn + 2 - xs);
  for (let t = (((2 - xs) % SCALE) + SCALE) % SCALE; t <= hi; t += SCALE) {
    scan.crossing(t + xs, Math.min(cInt(ys + s * t + 0.5), cInt(ys + s * (t + 1) + 0.5)));
  }
  scan.pu = tLast + xs;
  scan.pv = cInt(ys + s * tLast + 0.5);
}

/**
 * A segment where y moves one upsampled step per point (v = t + ys) and u = (int)(xs + s*t + .5)
 * with |s| < 1: u is monotone in t (every operation rounds monotonically) and moves at most one
 * per step. The only steps that can count are those where u passes U -> U + 1 with U = 2 mod 5
 * (see xMajorSegment), so each such U is located directly: a closed-form guess, then corrected
 * with the exact C expression.
 */
function yMajorSegment(
  scan: CrossingScan,
  xs: number,
  ys: number,
  s: number,
  dy: number,
  flip: boolean,
): void {
  const tFirst = flip ? dy : 0;
  const tLast = flip ? 0 : dy;
  scan.point(cInt(xs + s * tFirst + 0.5), tFirst + ys);
  const u0 = cInt(xs + 0.5);
  const u1 = cInt(xs + s * dy + 0.5);
  if (u0 !== u1) {
    const rising = u1 > u0;
    // 2 is the first U with xd >= 0; columns beyond the image are rejected by crossing() anyway
    const lo = Math.max(Math.min(u0, u1), 2);
    const hi = Math.min(Math.max(u0, u1) - 1, SCALE * scan.lastColumn + 2);
    for (let U = lo + ((((2 - lo) % SCALE) + SCALE) % SCALE); U <= hi; U += SCALE) {
      // the first t whose u is past the U | U + 1 boundary; u(0) is not, u(dy) is
      let t = Math.min(dy, Math.max(1, Math.ceil((U + 0.5 - xs) / s)));
      while (t > 1 && isPast(xs + s * (t - 1) + 0.5, U, rising)) t--;
      while (t < dy && !isPast(xs + s * t + 0.5, U, rising)) t++;
      scan.crossing(U, ys + t - 1);
    }
  }
  scan.pu = cInt(xs + s * tLast + 0.5);
  scan.pv = tLast + ys;
}

function isPast(x: number, U: number, rising: boolean): boolean {
  const u = cInt(x);
  return rising ? u > U : u <= U;
}

/** Run lengths from ascending crossing positions, merging around zero-length runs like the C code. */
function runsFromSorted(a: Uint32Array, k: number, out: Uint32Array, off: number): number {
  let p = a[0];
  out[off] = p;
  let m = 1;
  let j = 1;
  while (j < k) {
    const t = a[j++];
    const d = t - p;
    p = t;
    if (d > 0) out[off + m++] = d;
    else if (j < k) {
      // a zero-length run means two crossings coincide: the runs on both sides of it merge
      const t2 = a[j++];
      out[off + m - 1] += t2 - p;
      p = t2;
    }
  }
  return m;
}
