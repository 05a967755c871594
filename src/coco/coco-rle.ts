/**
 * COCO mask geometry with pycocotools' exact semantics (maskApi.c): the same runs, the same
 * compressed strings, the same IoUs. Masks handed in and out are row-major; RLE runs are
 * column-major like pycocotools so the strings are interchangeable with Python tooling.
 */
import {
  areaCore,
  bboxCore,
  boxPairIou,
  decodeCore,
  encodeCore,
  frStringCore,
  mergeCore,
  type RleCore,
  rleIouInto,
  toStringCore,
} from './rle-core.ts';
import { bboxToCore, polygonsToCore, segmentationToCore } from './segmentation.ts';

/** [height, width], uncompressed runs, column-major like pycocotools, starting with a run of 0s. */
export interface Rle {
  size: [number, number];
  counts: number[];
}

/** pycocotools' compressed string form. */
export interface CompressedRle {
  size: [number, number];
  counts: string;
}

/** [x, y, w, h] */
export type Bbox = [number, number, number, number];

const toCore = (rle: Rle): RleCore => ({
  h: rle.size[0],
  w: rle.size[1],
  counts: Uint32Array.from(rle.counts),
});
const fromCore = (r: RleCore): Rle => ({ size: [r.h, r.w], counts: Array.from(r.counts) });

/** `mask` is row-major (index y*width+x); non-zero is foreground. */
export function encode(mask: Uint8Array, height: number, width: number): Rle {
  return { size: [height, width], counts: Array.from(encodeCore(mask, height, width)) };
}

/** Row-major 0/1 mask of height*width. */
export function decode(rle: Rle): Uint8Array {
  return decodeCore(rle.counts, rle.size[0], rle.size[1]);
}

/** pycocotools rleToString. */
export function compress(rle: Rle): CompressedRle {
  return { size: [rle.size[0], rle.size[1]], counts: toStringCore(rle.counts) };
}

/** pycocotools rleFrString (no validation: use fromCocoSegmentation for untrusted input). */
export function decompress(rle: CompressedRle): Rle {
  return { size: [rle.size[0], rle.size[1]], counts: Array.from(frStringCore(rle.counts)) };
}

export function area(rle: Rle): number {
  return areaCore(rle.counts);
}

/** pycocotools toBbox: the tight box of the mask, zeros when empty. */
export function toBbox(rle: Rle): Bbox {
  const out = new Float64Array(4);
  bboxCore(rle.counts, 0, rle.counts.length, rle.size[0], rle.size[1], out, 0);
  return [out[0], out[1], out[2], out[3]];
}

/** rleFrPoly of each polygon ([x0, y0, x1, y1, ...]) merged into one mask; no polygons gives an empty mask. */
export function fromPolygons(polygons: number[][], height: number, width: number): Rle {
  return fromCore(polygonsToCore(polygons, height, width));
}

/** rleFrBbox: the box rasterised as a polygon. */
export function fromBbox(bbox: Bbox, height: number, width: number): Rle {
  return fromCore(bboxToCore(bbox, height, width));
}

/** rleMerge: union, or intersection when `intersect`; RLEs of different sizes give a 0x0 RLE like pycocotools. */
export function merge(rles: Rle[], intersect = false): Rle {
  return fromCore(mergeCore(rles.map(toCore), intersect));
}

/** IoU matrix [dt][gt]; a crowd gt divides by the detection's area; -1 for pairs of different sizes. */
export function iou(dt: Rle[], gt: Rle[], iscrowd: boolean[]): Float64Array[] {
  const d = dt.map(toCore);
  const g = gt.map(toCore);
  const boxes = (rles: RleCore[]): Float64Array => {
    const out = new Float64Array(4 * rles.length);
    for (let i = 0; i < rles.length; i++) {
      bboxCore(rles[i].counts, 0, rles[i].counts.length, rles[i].h, rles[i].w, out, 4 * i);
    }
    return out;
  };
  const flat = new Float64Array(d.length * g.length);
  rleIouInto(d, boxes(d), g, boxes(g), iscrowd, flat);
  return d.map((_, i) => flat.slice(i * g.length, (i + 1) * g.length));
}

/** Box IoU matrix [dt][gt]; a crowd gt divides by the detection's area. */
export function bboxIou(dt: Bbox[], gt: Bbox[], iscrowd: boolean[]): Float64Array[] {
  const g = gt.flat();
  return dt.map((box) => {
    const row = new Float64Array(gt.length);
    for (let j = 0; j < gt.length; j++) row[j] = boxPairIou(box, 0, g, 4 * j, !!iscrowd[j]);
    return row;
  });
}

/**
 * Turns a COCO `segmentation` (polygon list, uncompressed RLE object, compressed RLE object) into
 * an Rle; `path` is the JSON path used in error messages, e.g. `$.annotations[3].segmentation`.
 * Throws validationError(path..., reason) on malformed input or a size that is not [height, width].
 */
export function fromCocoSegmentation(seg: unknown, height: number, width: number, path: string): Rle {
  return fromCore(segmentationToCore(seg, height, width, path));
}
