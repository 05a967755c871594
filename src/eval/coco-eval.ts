/**
 * COCOeval (segm and bbox) with pycocotools' semantics, numbers equal to the last bit where
 * pycocotools' own arithmetic allows it, built for the hot path: columnar typed arrays, masks
 * rasterised once, box prefilter before mask IoU, no per-detection objects.
 *
 * API:
 *   loadCocoGt(json): CocoDataset                            validates, errors carry the JSON path
 *   loadCocoResults(gt, json, iouType): CocoResults           pycocotools' loadRes
 *   prepareSegmentations(ds): void                            optional: surface mask errors early
 *   evaluate(gt, dt, { iouType, useCats?, imgIds?, catIds? }): EvalResult
 *   formatSummary(result): string                             pycocotools' 12 summary lines
 *
 * EvalResult: stats (12 numbers, pycocotools' order, -1 where it gives -1), perCategory
 * ({ id, name, ap, ap50 }: mean of precision > -1 at area 'all', maxDets 100; -1 when none),
 * precision [T,R,K,A,M], recall [T,K,A,M], scores [T,R,K,A,M] as C-order typed arrays, params.
 */
import { validationError } from '../errors/problem.ts';
import { accumulate, type Detections, type NdArray } from './accumulate.ts';
import {
  type AnnotationTable,
  type CocoDataset,
  type CocoResults,
  type IouType,
  prepareRows,
} from './coco-dataset.ts';
import { type CellInput, CellScratch, evaluateCell } from './match.ts';
import { AREA_LBL, AREA_RNG, type EvalParams, IOU_THRS, MAX_DETS, REC_THRS, sortedUnique } from './params.ts';
import { type CategoryAp, formatSummary as formatSummaryLines, summarize } from './summary.ts';

export type { NdArray } from './accumulate.ts';
export {
  type CocoCategory,
  type CocoDataset,
  type CocoImage,
  type CocoResults,
  type IouType,
  loadCocoGt,
  loadCocoResults,
  prepareSegmentations,
} from './coco-dataset.ts';
export type { EvalParams } from './params.ts';
export type { CategoryAp } from './summary.ts';

export interface EvalOptions {
  iouType: IouType;
  /** Default true; false pools all categories like pycocotools' useCats=0. */
  useCats?: boolean;
  /** Default: every ground-truth image. */
  imgIds?: number[];
  /** Default: every ground-truth category. */
  catIds?: number[];
}

export interface EvalResult {
  iouType: IouType;
  stats: number[];
  perCategory: CategoryAp[];
  precision: NdArray;
  recall: NdArray;
  scores: NdArray;
  params: EvalParams;
}

export function evaluate(gt: CocoDataset, dt: CocoResults, options: EvalOptions): EvalResult {
  if (dt.gt !== gt) throw validationError('dt', 'results were loaded against a different ground truth');
  const params = makeParams(gt, options);
  const layout = new CellLayout(gt, params);
  const gtCells = layout.bucket(gt.annotations);
  const dtCells = layout.bucket(dt.annotations);
  const gtArea = prepareRows(
    gt,
    gt.annotations,
    params.iouType,
    gtCells.rows,
    rowsSharingCells(gtCells, dtCells),
  );
  prepareRows(gt, dt.annotations, params.iouType, dtCells.rows);
  const det = evaluateCells(layout, gt.annotations, gtArea, dt.annotations, gtCells, dtCells, params);
  const acc = accumulate(det, params.iouThrs, params.recThrs, params.maxDets, params.areaRng.length);
  const names = new Map(gt.categories.map((c) => [c.id, c.name]));
  return {
    iouType: params.iouType,
    ...summarize(acc.precision, acc.recall, params, params.useCats ? params.catIds : [-1], (id) =>
      params.useCats ? (names.get(id) ?? '') : 'all categories',
    ),
    ...acc,
    params,
  };
}

function makeParams(gt: CocoDataset, options: EvalOptions): EvalParams {
  if (options.iouType !== 'segm' && options.iouType !== 'bbox') {
    throw validationError('iouType', 'must be segm or bbox');
  }
  const known = new Set(gt.categories.map((c) => c.id));
  for (const id of options.catIds ?? []) {
    if (!known.has(id)) throw validationError('catIds', `category ${id} is not in the ground truth`);
  }
  return {
    iouType: options.iouType,
    useCats: options.useCats ?? true,
    imgIds: sortedUnique(options.imgIds ?? gt.images.map((i) => i.id)),
    catIds: sortedUnique(options.catIds ?? gt.categories.map((c) => c.id)),
    // copies: the result hands params to callers, who must not be able to change the defaults
    iouThrs: [...IOU_THRS],
    recThrs: [...REC_THRS],
    maxDets: [...MAX_DETS],
    areaRng: AREA_RNG.map(([lo, hi]) => [lo, hi]),
    areaRngLbl: [...AREA_LBL],
  };
}

/** Annotations of one table grouped by cell = (category slot, image position), category-major. */
interface Cells {
  /** Annotation rows, grouped by cell; within a cell by category position then file order. */
  rows: Int32Array;
  /** Cell c spans rows [start[c], start[c + 1]). */
  start: Int32Array;
}

/** Maps annotations to pycocotools' (imgId, catId) cells; with useCats=false one slot holds all categories. */
class CellLayout {
  readonly imgPos: Int32Array;
  readonly catPos: Map<number, number>;
  readonly nImg: number;
  readonly nSlots: number;
  readonly pooled: boolean;

  constructor(gt: CocoDataset, p: EvalParams) {
    this.imgPos = new Int32Array(gt.images.length).fill(-1);
    p.imgIds.forEach((id, pos) => {
      const i = gt.imageIndexById.get(id);
      if (i !== undefined) this.imgPos[i] = pos;
    });
    this.catPos = new Map(p.catIds.map((id, pos) => [id, pos]));
    this.nImg = p.imgIds.length;
    this.nSlots = p.useCats ? p.catIds.length : 1;
    this.pooled = !p.useCats;
  }

  bucket(t: AnnotationTable): Cells {
    const pooled = this.pooled;
    const cell = new Int32Array(t.count).fill(-1);
    const cat = new Int32Array(t.count);
    for (let i = 0; i < t.count; i++) {
      const img = this.imgPos[t.image[i]];
      const k = this.catPos.get(t.categoryId[i]);
      if (img < 0 || k === undefined) continue;
      cat[i] = k;
      cell[i] = (pooled ? 0 : k) * this.nImg + img;
    }
    // pooled cells list gt per category first (pycocotools concatenates per catId)
    const all = iota(t.count);
    const byCat = pooled ? countingSort(all, cat, this.catPos.size) : all;
    const rows = countingSort(byCat, cell, this.nSlots * this.nImg);
    const start = cellStarts(rows, cell, this.nSlots * this.nImg);
    return { rows: rows.subarray(0, start[start.length - 1]), start };
  }
}

/** Rows of `a` whose cell also holds rows of `b`: a ground truth alone in its cell is never compared. */
function rowsSharingCells(a: Cells, b: Cells): Int32Array {
  const out = new Int32Array(a.rows.length);
  let n = 0;
  for (let c = 0; c + 1 < a.start.length; c++) {
    if (b.start[c + 1] === b.start[c]) continue;
    for (let j = a.start[c]; j < a.start[c + 1]; j++) out[n++] = a.rows[j];
  }
  return out.subarray(0, n);
}

function iota(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Stable counting sort of `items` by key[item] in [0, nKeys); items with key -1 are dropped to the end. */
function countingSort(items: Int32Array, key: Int32Array, nKeys: number): Int32Array {
  const count = new Int32Array(nKeys + 1);
  for (let j = 0; j < items.length; j++) {
    const k = key[items[j]];
    if (k >= 0) count[k + 1]++;
  }
  for (let k = 0; k < nKeys; k++) count[k + 1] += count[k];
  const out = new Int32Array(items.length);
  let tail = count[nKeys];
  for (let j = 0; j < items.length; j++) {
    const k = key[items[j]];
    if (k >= 0) out[count[k]++] = items[j];
    else out[tail++] = items[j];
  }
  return out;
}

function cellStarts(rows: Int32Array, cell: Int32Array, nCells: number): Int32Array {
  const start = new Int32Array(nCells + 1);
  for (let j = 0; j < rows.length && cell[rows[j]] >= 0; j++) start[cell[rows[j]] + 1]++;
  for (let c = 0; c < nCells; c++) start[c + 1] += start[c];
  return start;
}

/** Runs evaluateImg on every cell and lays the outcomes out per category for accumulate. */
function evaluateCells(
  layout: CellLayout,
  gt: AnnotationTable,
  gtArea: Float64Array,
  dt: AnnotationTable,
  gtCells: Cells,
  dtCells: Cells,
  p: EvalParams,
): Detections {
  const maxDet = p.maxDets[p.maxDets.length - 1];
  const T = p.iouThrs.length;
  const A = p.areaRng.length;
  const nCells = layout.nSlots * layout.nImg;
  let total = 0;
  for (let c = 0; c < nCells; c++) total += Math.min(maxDet, dtCells.start[c + 1] - dtCells.start[c]);
  const det: Detections = {
    catStart: new Int32Array(layout.nSlots + 1),
    score: new Float64Array(total),
    rank: new Int32Array(total),
    outcome: new Uint8Array(total * A * T),
    npig: new Int32Array(layout.nSlots * A),
  };
  const scratch = new CellScratch();
  const sorted = new Int32Array(Math.max(1, maxCellSize(dtCells, nCells)));
  const npig = new Int32Array(A);
  // one reused description of the current cell: the loop below visits tens of thousands
  const cell: CellInput = {
    iouType: p.iouType,
    gt,
    gtArea,
    dt,
    gtRows: gtCells.rows,
    gtStart: 0,
    gtEnd: 0,
    dtRows: sorted,
    nd: 0,
    iouThrs: p.iouThrs,
    areaRng: p.areaRng,
  };
  let n = 0;
  for (let k = 0; k < layout.nSlots; k++) {
    det.catStart[k] = n;
    for (let img = 0; img < layout.nImg; img++) {
      const c = k * layout.nImg + img;
      const g0 = gtCells.start[c];
      const g1 = gtCells.start[c + 1];
      const d0 = dtCells.start[c];
      const d1 = dtCells.start[c + 1];
      if (g0 === g1 && d0 === d1) continue;
      const nd = Math.min(maxDet, sortByScore(dtCells.rows, d0, d1, dt.score, sorted));
      for (let a = 0; a < A; a++) npig[a] = 0;
      cell.gtStart = g0;
      cell.gtEnd = g1;
      cell.nd = nd;
      evaluateCell(cell, scratch, det.outcome, n * A * T, npig);
      for (let a = 0; a < A; a++) det.npig[k * A + a] += npig[a];
      for (let d = 0; d < nd; d++) {
        det.score[n + d] = dt.score[sorted[d]];
        det.rank[n + d] = d;
      }
      n += nd;
    }
  }
  det.catStart[layout.nSlots] = n;
  return det;
}

function maxCellSize(cells: Cells, nCells: number): number {
  let max = 0;
  for (let c = 0; c < nCells; c++) max = Math.max(max, cells.start[c + 1] - cells.start[c]);
  return max;
}

/** Stable sort of rows[from, to) by score descending into out; returns the count. */
function sortByScore(
  rows: Int32Array,
  from: number,
  to: number,
  score: Float64Array,
  out: Int32Array,
): number {
  const n = to - from;
  for (let i = 0; i < n; i++) {
    const r = rows[from + i];
    const s = score[r];
    let j = i;
    // insertion sort: cells are small, and strict comparison keeps equal scores in order
    while (j > 0 && score[out[j - 1]] < s) {
      out[j] = out[j - 1];
      j--;
    }
    out[j] = r;
  }
  return n;
}

/** pycocotools' summarize() printout, one line per stat. */
export function formatSummary(result: EvalResult): string {
  return formatSummaryLines(result.stats, result.params);
}
