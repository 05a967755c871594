/**
 * COCOeval.summarize and the per-category AP people compute from the precision array. Means are
 * numpy's (pairwise summation over the selection in C order), so they match to the last bit.
 */
import type { NdArray } from './accumulate.ts';
import { formatFixed3, mean } from './numpy.ts';
import type { EvalParams } from './params.ts';

export interface CategoryAp {
  id: number;
  name: string;
  /** Mean of precision > -1 over all thresholds at area 'all', maxDets 100; -1 when there is none. */
  ap: number;
  /** The same at IoU 0.5. */
  ap50: number;
}

/** One summarize() line: a slice of precision (AP) or recall (AR). */
interface Selection {
  ap: boolean;
  /** IoU threshold, or undefined for all of them. */
  iou?: number;
  area: string;
  /** Index into maxDets. */
  maxDets: number;
}

const SELECTIONS: Selection[] = [
  { ap: true, area: 'all', maxDets: 2 },
  { ap: true, iou: 0.5, area: 'all', maxDets: 2 },
  { ap: true, iou: 0.75, area: 'all', maxDets: 2 },
  { ap: true, area: 'small', maxDets: 2 },
  { ap: true, area: 'medium', maxDets: 2 },
  { ap: true, area: 'large', maxDets: 2 },
  { ap: false, area: 'all', maxDets: 0 },
  { ap: false, area: 'all', maxDets: 1 },
  { ap: false, area: 'all', maxDets: 2 },
  { ap: false, area: 'small', maxDets: 2 },
  { ap: false, area: 'medium', maxDets: 2 },
  { ap: false, area: 'large', maxDets: 2 },
];

/** Collects values > -1 in the order visited, then takes np.mean (or -1 when empty). */
class ValidValues {
  readonly values: Float64Array;
  n = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  mean(): number {
    return this.n === 0 ? -1 : mean(this.values.subarray(0, this.n));
  }
}

function push(into: ValidValues, v: number): void {
  if (v > -1) into.values[into.n++] = v;
}

/**
 * The 12 stats of summarize() in its order, and per-category AP / AP50 from
 * precision[:, :, k, area 'all', maxDets 100], in one pass over precision in memory order.
 */
export function summarize(
  precision: NdArray,
  recall: NdArray,
  p: EvalParams,
  categoryIds: number[],
  names: (id: number) => string,
): { stats: number[]; perCategory: CategoryAp[] } {
  const [T, R, K, A, M] = precision.shape;
  const pd = precision.data;
  const rd = recall.data;
  const out = SELECTIONS.map((s) => new ValidValues(s.ap ? T * R * K : T * K));
  const offset = SELECTIONS.map((s) => p.areaRngLbl.indexOf(s.area) * M + s.maxDets);
  const takesT = SELECTIONS.map((s) => p.iouThrs.map((thr) => s.iou === undefined || thr === s.iou));
  const ap = categoryIds.map(() => new ValidValues(T * R));
  const ap50 = categoryIds.map(() => new ValidValues(R));
  const all100 = M - 1;
  for (let t = 0; t < T; t++) {
    const apStats = [0, 1, 2, 3, 4, 5].filter((i) => takesT[i][t]);
    for (let r = 0; r < R; r++) {
      for (let k = 0; k < K; k++) {
        const base = ((t * R + r) * K + k) * A * M;
        for (let j = 0; j < apStats.length; j++) push(out[apStats[j]], pd[base + offset[apStats[j]]]);
        push(ap[k], pd[base + all100]);
        if (t === 0) push(ap50[k], pd[base + all100]);
      }
    }
    for (let k = 0; k < K; k++) {
      const base = (t * K + k) * A * M;
      for (let i = 6; i < 12; i++) push(out[i], rd[base + offset[i]]);
    }
  }
  return {
    stats: out.map((v) => v.mean()),
    perCategory: categoryIds.map((id, k) => ({
      id,
      name: names(id),
      ap: ap[k].mean(),
      ap50: ap50[k].mean(),
    })),
  };
}

/** pycocotools' summarize() printout, one line per stat. */
export function formatSummary(stats: number[], p: EvalParams): string {
  const allIous = `${p.iouThrs[0].toFixed(2)}:${p.iouThrs[p.iouThrs.length - 1].toFixed(2)}`;
  return SELECTIONS.map((s, i) => {
    const title = (s.ap ? 'Average Precision' : 'Average Recall').padEnd(18);
    const kind = s.ap ? '(AP)' : '(AR)';
    const iou = (s.iou === undefined ? allIous : s.iou.toFixed(2)).padEnd(9);
    const maxDets = String(p.maxDets[s.maxDets]).padStart(3);
    return ` ${title} ${kind} @[ IoU=${iou} | area=${s.area.padStart(6)} | maxDets=${maxDets} ] = ${formatFixed3(stats[i])}`;
  }).join('\n');
}
