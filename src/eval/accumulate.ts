/**
 * COCOeval.accumulate: precision/recall/scores per (threshold, recall point, category, area
 * range, maxDets) from the per-detection outcomes, with the same float operations and the same
 * stable score order (ties keep image order, then the per-image score order).
 */
import { IGNORED, TP } from './match.ts';
import { SPACING_1 } from './numpy.ts';

/** A numpy-like C-order array. */
export interface NdArray {
  shape: number[];
  data: Float64Array;
}

export interface Detections {
  /** Per category k, detections [catStart[k], catStart[k+1]) in (image, per-image score rank) order. */
  catStart: Int32Array;
  score: Float64Array;
  /** Rank of the detection within its image cell (0 = highest score). */
  rank: Int32Array;
  /** outcome[(n * A + a) * T + t] for detection n. */
  outcome: Uint8Array;
  /** Non-ignored ground truths per [k * A + a]. */
  npig: Int32Array;
}

export interface Accumulated {
  precision: NdArray;
  recall: NdArray;
  scores: NdArray;
}

interface Dims {
  T: number;
  R: number;
  K: number;
  A: number;
  M: number;
}

/** Per-category working set, sized for the largest category and reused. */
class CategoryScratch {
  /** Outcomes in score order, laid out [(a * T + t) * n + position] so curves read sequentially. */
  outcome: Uint8Array;
  score: Float64Array;
  rank: Int32Array;
  /** Positions (in score order) kept under the current maxDets. */
  sel: Int32Array;
  /** The curve at its sample-able positions (see curve): index into sel, recall, precision. */
  at: Int32Array;
  rc: Float64Array;
  pr: Float64Array;
  kept = 0;
  /** This category's precision/scores as [T, R, A, M]: the output's K stride would miss the cache on every write. */
  prec: Float64Array;
  scores: Float64Array;

  constructor(maxN: number, d: Dims) {
    this.outcome = new Uint8Array(maxN * d.A * d.T);
    this.score = new Float64Array(maxN);
    this.rank = new Int32Array(maxN);
    this.sel = new Int32Array(maxN);
    this.at = new Int32Array(maxN);
    this.rc = new Float64Array(maxN);
    this.pr = new Float64Array(maxN);
    this.prec = new Float64Array(d.T * d.R * d.A * d.M);
    this.scores = new Float64Array(d.T * d.R * d.A * d.M);
  }
}

export function accumulate(
  det: Detections,
  iouThrs: number[],
  recThrs: number[],
  maxDets: number[],
  A: number,
): Accumulated {
  const d: Dims = { T: iouThrs.length, R: recThrs.length, K: det.catStart.length - 1, A, M: maxDets.length };
  const { T, R, K, M } = d;
  const precision = new Float64Array(T * R * K * A * M);
  const scores = new Float64Array(T * R * K * A * M);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  let maxN = 0;
  for (let k = 0; k < K; k++) maxN = Math.max(maxN, det.catStart[k + 1] - det.catStart[k]);
  const s = new CategoryScratch(maxN, d);
  for (let k = 0; k < K; k++) {
    const n = gatherInScoreOrder(det, k, s, A * T);
    s.prec.fill(-1);
    s.scores.fill(-1);
    let prevNd = -1;
    for (let m = 0; m < M; m++) {
      let nd = 0;
      for (let i = 0; i < n; i++) if (s.rank[i] < maxDets[m]) s.sel[nd++] = i;
      // the same selection as the previous maxDets gives the same curves
      if (nd === prevNd) copyMaxDets(s, recall, d, k, m);
      else {
        for (let a = 0; a < A; a++) {
          const npig = det.npig[k * A + a];
          if (npig === 0) continue;
          for (let t = 0; t < T; t++) {
            recall[((t * K + k) * A + a) * M + m] = curve(s, (a * T + t) * n, nd, npig);
            sampleCurve(s, recThrs, (t * R * A + a) * M + m, A * M);
          }
        }
      }
      prevNd = nd;
    }
    scatterCategory(s, precision, scores, d, k);
  }
  return {
    precision: { shape: [T, R, K, A, M], data: precision },
    recall: { shape: [T, K, A, M], data: recall },
    scores: { shape: [T, R, K, A, M], data: scores },
  };
}

/** np.argsort(-scores, kind='mergesort') over category k: score descending, ties in storage order. */
function gatherInScoreOrder(det: Detections, k: number, s: CategoryScratch, at: number): number {
  const from = det.catStart[k];
  const n = det.catStart[k + 1] - from;
  const sc = det.score;
  const order = Array.from({ length: n }, (_, i) => from + i).sort((x, y) => sc[y] - sc[x] || x - y);
  for (let p = 0; p < n; p++) {
    const src = order[p];
    s.score[p] = sc[src];
    s.rank[p] = det.rank[src];
    for (let j = 0; j < at; j++) s.outcome[j * n + p] = det.outcome[src * at + j];
  }
  return n;
}

/**
 * One (area, threshold) curve into s.at / s.rc / s.pr, returning the recall. pycocotools computes
 * rc and pr at every detection, makes pr monotone from the right and samples the first position
 * whose rc reaches each recall point. Recall only rises at true positives, so those positions are
 * always at 0 or a true positive, and the right-to-left maximum from such a position is attained
 * at one too (a false positive or ignored detection never raises precision). Keeping only those
 * positions gives the same numbers, with two divisions per true positive instead of per detection.
 */
function curve(s: CategoryScratch, base: number, nd: number, npig: number): number {
  const { sel, rc, pr, at, outcome } = s;
  let tp = 0;
  let fp = 0;
  let k = 0;
  for (let i = 0; i < nd; i++) {
    const o = outcome[base + sel[i]];
    if (o === TP) tp++;
    else if (o !== IGNORED) fp++;
    if (o === TP || i === 0) {
      at[k] = i;
      rc[k] = tp / npig;
      pr[k++] = tp / (fp + tp + SPACING_1);
    }
  }
  for (let j = k - 1; j > 0; j--) if (pr[j] > pr[j - 1]) pr[j - 1] = pr[j];
  s.kept = k;
  return nd ? tp / npig : 0;
}

/** np.searchsorted(rc, recThrs, 'left'): precision and score at each recall point, 0 past the end. */
function sampleCurve(s: CategoryScratch, recThrs: number[], to: number, stride: number): void {
  const { rc, pr, at, sel, score, prec, scores, kept } = s;
  let j = 0;
  for (let r = 0; r < recThrs.length; r++, to += stride) {
    const thr = recThrs[r];
    while (j < kept && rc[j] < thr) j++;
    if (j < kept) {
      prec[to] = pr[j];
      scores[to] = score[sel[at[j]]];
    } else {
      prec[to] = 0;
      scores[to] = 0;
    }
  }
}

function copyMaxDets(s: CategoryScratch, recall: Float64Array, d: Dims, k: number, m: number): void {
  const { T, K, A, M } = d;
  for (let i = m; i < s.prec.length; i += M) {
    s.prec[i] = s.prec[i - 1];
    s.scores[i] = s.scores[i - 1];
  }
  for (let t = 0; t < T; t++) {
    for (let a = 0; a < A; a++) {
      const at = ((t * K + k) * A + a) * M + m;
      recall[at] = recall[at - 1];
    }
  }
}

/** Copies category k's [T, R, A, M] block into the [T, R, K, A, M] outputs. */
function scatterCategory(
  s: CategoryScratch,
  precision: Float64Array,
  scores: Float64Array,
  d: Dims,
  k: number,
): void {
  const AM = d.A * d.M;
  const TR = d.T * d.R;
  for (let tr = 0; tr < TR; tr++) {
    const to = (tr * d.K + k) * AM;
    const from = tr * AM;
    for (let j = 0; j < AM; j++) {
      precision[to + j] = s.prec[from + j];
      scores[to + j] = s.scores[from + j];
    }
  }
}
