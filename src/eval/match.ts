/**
 * COCOeval.computeIoU + evaluateImg for one (image, category) cell: IoUs once, then greedy
 * matching per area range and IoU threshold, in pycocotools' exact order of comparisons.
 */
import { boxPairIou, intersectionArea } from '../coco/rle-core.ts';
import type { AnnotationTable } from './coco-dataset.ts';

/** Outcome of one detection at one (area range, threshold). */
export const FP = 0;
export const TP = 1;
export const IGNORED = 2;

export interface CellInput {
  iouType: 'segm' | 'bbox';
  gt: AnnotationTable;
  gtArea: Float64Array;
  dt: AnnotationTable;
  /** Rows of the cell's ground truth, in pycocotools' order. */
  gtRows: Int32Array;
  gtStart: number;
  gtEnd: number;
  /** Rows of the cell's detections sorted by score (stable), already cut to maxDets[-1]. */
  dtRows: Int32Array;
  nd: number;
  iouThrs: number[];
  areaRng: [number, number][];
}

/** Scratch buffers reused across cells so the hot loop allocates nothing. */
export class CellScratch {
  ious = new Float64Array(1024);
  gtOrder = new Int32Array(64);
  gtIg = new Uint8Array(64);
  gtCrowd = new Uint8Array(64);
  gtMatched = new Uint8Array(64);

  reserve(nd: number, ng: number): void {
    if (this.ious.length < nd * ng) this.ious = new Float64Array(nd * ng * 2);
    if (this.gtOrder.length < ng) {
      this.gtOrder = new Int32Array(ng * 2);
      this.gtIg = new Uint8Array(ng * 2);
      this.gtCrowd = new Uint8Array(ng * 2);
      this.gtMatched = new Uint8Array(ng * 2);
    }
  }
}

/** IoU matrix [d * ng + g]; segm uses the masks' own boxes as the prefilter, like rleIou. */
function computeIous(c: CellInput, s: CellScratch, ng: number): void {
  const { gt, dt, gtRows, gtStart, dtRows, nd } = c;
  const ious = s.ious;
  const segm = c.iouType === 'segm';
  const db = segm ? dt.masks.boxes : dt.bbox;
  const gb = segm ? gt.masks.boxes : gt.bbox;
  const dm = dt.masks;
  const gm = gt.masks;
  for (let d = 0; d < nd; d++) {
    const di = dtRows[d];
    for (let g = 0; g < ng; g++) {
      const gi = gtRows[gtStart + g];
      const crowd = gt.iscrowd[gi] === 1;
      let o = boxPairIou(db, 4 * di, gb, 4 * gi, crowd);
      // both masks have their image's size, so pycocotools' size-mismatch -1 cannot occur here;
      // rleIou counts the union pixel by pixel, the same integer as |A| + |B| - |A ∩ B|
      if (segm && o > 0) {
        const inter = intersectionArea(
          dm.data,
          dm.start[di],
          dm.length[di],
          gm.data,
          gm.start[gi],
          gm.length[gi],
        );
        const union = crowd ? dm.area[di] : dm.area[di] + gm.area[gi] - inter;
        o = inter === 0 ? 0 : inter / union;
      }
      ious[d * ng + g] = o;
    }
  }
}

/**
 * Writes the outcome of each detection into out[(d * A + a) * T + t] (d in score order) and
 * returns the number of non-ignored ground truths per area range into npig[a].
 */
export function evaluateCell(
  c: CellInput,
  s: CellScratch,
  out: Uint8Array,
  outOffset: number,
  npig: Int32Array,
): void {
  const ng = c.gtEnd - c.gtStart;
  const { nd, iouThrs, areaRng, gt, dt, gtArea, gtRows, gtStart, dtRows } = c;
  const T = iouThrs.length;
  const A = areaRng.length;
  s.reserve(nd, ng);
  const hasIous = nd > 0 && ng > 0;
  if (hasIous) computeIous(c, s, ng);
  const { ious, gtOrder, gtIg, gtCrowd, gtMatched } = s;
  for (let a = 0; a < A; a++) {
    const [lo, hi] = areaRng[a];
    if (!hasIous) {
      // nothing to match: every detection is a false positive unless its area is out of range
      for (let g = 0; g < ng; g++) {
        const gi = gtRows[gtStart + g];
        if (!(gt.iscrowd[gi] === 1 || gtArea[gi] < lo || gtArea[gi] > hi)) npig[a]++;
      }
      for (let d = 0; d < nd; d++) {
        const outcome = dt.area[dtRows[d]] < lo || dt.area[dtRows[d]] > hi ? IGNORED : FP;
        const at = outOffset + (d * A + a) * T;
        for (let t = 0; t < T; t++) out[at + t] = outcome;
      }
      continue;
    }
    // gt sorted ignore-last (stable): gtOrder[k] is the cell position of the k-th gt
    let k = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let g = 0; g < ng; g++) {
        const gi = gtRows[gtStart + g];
        const ig = gt.iscrowd[gi] === 1 || gtArea[gi] < lo || gtArea[gi] > hi ? 1 : 0;
        if (ig !== pass) continue;
        gtOrder[k] = g;
        gtIg[k] = ig;
        gtCrowd[k] = gt.iscrowd[gi];
        k++;
      }
    }
    let kept = 0;
    for (let g = 0; g < ng; g++) if (!gtIg[g]) kept++;
    npig[a] += kept;
    for (let t = 0; t < T; t++) {
      for (let g = 0; g < ng; g++) gtMatched[g] = 0;
      const thr = Math.min(iouThrs[t], 1 - 1e-10);
      for (let d = 0; d < nd; d++) {
        const di = dtRows[d];
        const areaOut = dt.area[di] < lo || dt.area[di] > hi;
        let m = -1;
        let best = thr;
        const row = d * ng;
        for (let g = 0; g < ng; g++) {
          if (gtMatched[g] && !gtCrowd[g]) continue;
          if (m > -1 && !gtIg[m] && gtIg[g]) break;
          const v = ious[row + gtOrder[g]];
          if (v < best) continue;
          best = v;
          m = g;
        }
        let outcome: number;
        if (m === -1) outcome = areaOut ? IGNORED : FP;
        else {
          gtMatched[m] = 1;
          // dtMatches holds the gt id, so a match to gt id 0 reads as no match downstream
          const matched = gt.id[gtRows[gtStart + gtOrder[m]]] !== 0;
          const ignored = gtIg[m] === 1 || (!matched && areaOut);
          outcome = ignored ? IGNORED : matched ? TP : FP;
        }
        out[outOffset + (d * A + a) * T + t] = outcome;
      }
    }
  }
}
