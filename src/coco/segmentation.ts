import { validationError } from '../errors/problem.ts';
import { frPolyCore, frPolyTrace, frPolyWrite } from './polygon.ts';
import { decodedTotal, decodeRleString, mergeCore, RLE_BAD_CHAR, type RleCore } from './rle-core.ts';

/** Coordinates beyond this are refused: the 5x upsampled outline of such a polygon would not fit in memory. */
const MAX_COORD = 1e6;

/**
 * Where decoded runs go: `reserve(n)` makes room for n counts and returns their offset in
 * `data` (read `data` after reserving: it may be replaced to grow).
 */
export interface RunSink {
  readonly data: Uint32Array;
  reserve(n: number): number;
}

/** A sink holding one mask at a time, for callers that want their own copy. */
class ScratchRuns implements RunSink {
  data = new Uint32Array(1024);

  reserve(n: number): number {
    if (this.data.length < n) this.data = new Uint32Array(2 * n);
    return 0;
  }
}

const scratch = new ScratchRuns();

/** Rasterises every polygon with rleFrPoly and unions them, like pycocotools' annToRLE. */
export function polygonsToCore(polygons: readonly ArrayLike<number>[], h: number, w: number): RleCore {
  if (polygons.length === 0) return { h, w, counts: Uint32Array.of(h * w) };
  const len = polygonsInto(polygons, h, w, scratch);
  return { h, w, counts: scratch.data.slice(0, len) };
}

function polygonsInto(polygons: readonly ArrayLike<number>[], h: number, w: number, sink: RunSink): number {
  if (polygons.length === 1) {
    const p = polygons[0];
    const off = sink.reserve(frPolyTrace(p, Math.floor(p.length / 2), h, w));
    return frPolyWrite(sink.data, off);
  }
  const parts = polygons.map((p) => ({ h, w, counts: frPolyCore(p, Math.floor(p.length / 2), h, w) }));
  const merged = mergeCore(parts, false).counts;
  const off = sink.reserve(merged.length);
  sink.data.set(merged, off);
  return merged.length;
}

/** rleFrBbox: the box as a four-point polygon. */
export function bboxToCore(bb: ArrayLike<number>, h: number, w: number): RleCore {
  return polygonsToCore([boxPolygon(bb)], h, w);
}

function boxPolygon(bb: ArrayLike<number>): number[] {
  const xs = bb[0];
  const xe = xs + bb[2];
  const ys = bb[1];
  const ye = ys + bb[3];
  return [xs, ys, xs, ye, xe, ye, xe, ys];
}

/** The box rasterised as rleFrBbox does, into `sink`; returns the number of counts. */
export function bboxInto(bb: ArrayLike<number>, h: number, w: number, sink: RunSink): number {
  return polygonsInto([boxPolygon(bb)], h, w, sink);
}

/** segmentationInto, returned as a freshly allocated RLE. */
export function segmentationToCore(seg: unknown, h: number, w: number, path: string): RleCore {
  const len = segmentationInto(seg, h, w, () => path, scratch);
  return { h, w, counts: scratch.data.slice(0, len) };
}

/** A JSON path, built only when an error needs it (hot loops validate many thousands of values). */
export type LazyPath = () => string;

const sub =
  (path: LazyPath, suffix: string): LazyPath =>
  () =>
    `${path()}${suffix}`;

/**
 * A COCO `segmentation` value decoded into `sink` (returns the number of counts), dispatching like
 * pycocotools' annToRLE/frPyObjects: later polygons may be degenerate (fewer than 3 points, an odd
 * trailing coordinate is dropped). Throws validationError with the JSON path of what is wrong.
 */
export function segmentationInto(seg: unknown, h: number, w: number, path: LazyPath, sink: RunSink): number {
  if (Array.isArray(seg)) return polygonListInto(seg, h, w, path, sink);
  if (seg !== null && typeof seg === 'object' && 'counts' in seg && 'size' in seg) {
    checkSize(seg.size, h, w, path);
    const counts = seg.counts;
    if (typeof counts === 'string') return compressedInto(counts, h, w, sub(path, '.counts'), sink);
    if (Array.isArray(counts)) return uncompressedInto(counts, h, w, sub(path, '.counts'), sink);
    throw validationError(`${path()}.counts`, 'must be a string (compressed RLE) or an array of run lengths');
  }
  throw validationError(path(), 'must be a list of polygons or an RLE object with size and counts');
}

function polygonListInto(seg: unknown[], h: number, w: number, path: LazyPath, sink: RunSink): number {
  if (seg.length === 0) throw validationError(path(), 'polygon list is empty');
  for (let i = 0; i < seg.length; i++) checkPolygon(seg[i], path, i);
  // pycocotools dispatches on the first polygon only and fails on one of 4 or fewer numbers.
  if ((seg[0] as number[]).length <= 4) {
    throw validationError(`${path()}[0]`, 'a polygon needs at least 3 points (6 numbers)');
  }
  return polygonsInto(seg as number[][], h, w, sink);
}

function checkPolygon(p: unknown, path: LazyPath, index: number): void {
  if (!Array.isArray(p)) throw validationError(`${path()}[${index}]`, 'polygon must be an array of numbers');
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (typeof v !== 'number' || !(v >= -MAX_COORD && v <= MAX_COORD)) {
      const reason =
        typeof v === 'number' && Number.isFinite(v) ? `coordinate beyond ±${MAX_COORD}` : 'must be a number';
      throw validationError(`${path()}[${index}][${i}]`, reason);
    }
  }
}

function checkSize(size: unknown, h: number, w: number, path: LazyPath): void {
  if (!Array.isArray(size) || size.length !== 2 || size[0] !== h || size[1] !== w) {
    throw validationError(`${path()}.size`, `must be [height, width] = [${h}, ${w}]`);
  }
}

function compressedInto(s: string, h: number, w: number, path: LazyPath, sink: RunSink): number {
  const off = sink.reserve(s.length);
  const m = decodeRleString(s, sink.data, off);
  if (m < 0) {
    const reason = m === RLE_BAD_CHAR ? 'invalid character in compressed RLE' : 'compressed RLE is truncated';
    throw validationError(path(), reason);
  }
  checkTotal(m, decodedTotal, h, w, path);
  return m;
}

function uncompressedInto(raw: unknown[], h: number, w: number, path: LazyPath, sink: RunSink): number {
  const off = sink.reserve(raw.length);
  const data = sink.data;
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw validationError(`${path()}[${i}]`, 'run length must be a non-negative integer');
    }
    data[off + i] = v;
  }
  checkSum(data, off, raw.length, h, w, path);
  return raw.length;
}

function checkSum(counts: Uint32Array, off: number, len: number, h: number, w: number, path: LazyPath): void {
  let sum = 0;
  for (let i = 0; i < len; i++) sum += counts[off + i];
  checkTotal(len, sum, h, w, path);
}

function checkTotal(len: number, sum: number, h: number, w: number, path: LazyPath): void {
  if (len === 0) throw validationError(path(), 'RLE has no runs');
  if (sum !== h * w)
    throw validationError(path(), `run lengths add up to ${sum}, expected height*width = ${h * w}`);
}
