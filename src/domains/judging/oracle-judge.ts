import { decompress, iou, type Rle } from '../../coco/coco-rle.ts';
import { type SelectedInstance, selectInstances } from '../../overlay/select-instances.ts';
import { type Assignment, type MatchingMethod, match } from './matching.ts';
import type { GroundTruthInstance, InstanceVerdict, Judge, JudgeInput, Verdict } from './types.ts';

export interface OracleJudgeOptions {
  /** Mask IoU a same-class prediction needs to count as the object (the study: 0.6). */
  iouThreshold?: number;
  /** 'greedy' reproduces the study; 'hungarian' is the order-independent optimum. */
  matching?: MatchingMethod;
  /** The ONE score threshold; inputs arrive filtered by it, so 0 judges all of them. */
  scoreThreshold?: number;
  /** Below this IoU with every object, a prediction is 'not_an_object' rather than a 'bad_mask'. */
  minOverlapIou?: number;
  /** The simulated human's seconds per yes/no check (the study: 3 s). */
  reviewSecondsPerImage?: number;
  /**
   * A prediction inside a same-class crowd region can be neither verified nor counted as wrong.
   * false (default): it blocks approval as 'bad_mask', since it would become an unverified label;
   * true: it is excused, as COCO evaluation ignores it.
   */
  ignoreCrowdPredictions?: boolean;
}

export type OracleSettings = Required<OracleJudgeOptions>;

export const ORACLE_DEFAULTS: OracleSettings = {
  iouThreshold: 0.6,
  matching: 'greedy',
  scoreThreshold: 0,
  minOverlapIou: 0.1,
  reviewSecondsPerImage: 3,
  ignoreCrowdPredictions: false,
};

/** The study's simulated human: judges predictions against the ground truth. */
export class OracleJudge implements Judge {
  readonly kind = 'oracle';
  readonly settings: OracleSettings;

  constructor(options: OracleJudgeOptions = {}) {
    this.settings = { ...ORACLE_DEFAULTS, ...stripUndefined(options) };
  }

  async judge(input: JudgeInput): Promise<Verdict> {
    return oracleVerdict(input, this.settings);
  }
}

interface Comparison {
  selected: SelectedInstance[];
  truths: GroundTruthInstance[];
  ious: Float64Array[];
  assignment: Assignment;
}

export function oracleVerdict(input: JudgeInput, settings: OracleSettings): Verdict {
  const started = performance.now();
  const judge = { kind: 'oracle' as const, config: { ...settings } };
  const fail = (code: string, message: string): Verdict => ({
    verdict: 'error',
    instances: [],
    reason: `${code}: ${message}`,
    judge,
    latencyMs: Math.round(performance.now() - started),
    reviewSeconds: 0,
    error: { code, message, retryable: false },
  });
  if (!input.groundTruth)
    return fail('no_ground_truth', `image ${input.imageId} has no ground truth to judge against`);
  const selected = selectInstances(input.instances, settings.scoreThreshold);
  const sizeProblem = checkSizes(input, selected);
  if (sizeProblem) return fail('bad_input', sizeProblem);
  const comparison = compare(selected, input.groundTruth, settings);
  const instances = selected.map((_, d) => instanceVerdict(comparison, d, settings));
  const missed = comparison.truths.filter((t, g) => !t.iscrowd && !comparison.assignment.includes(g)).length;
  const unmatched = instances.filter((v) => v.verdict !== 'correct');
  return {
    verdict: missed === 0 && unmatched.length === 0 ? 'approve' : 'reject',
    instances,
    missedObjects: missed,
    reason: explain(comparison, missed, unmatched, settings),
    judge,
    latencyMs: Math.round(performance.now() - started),
    reviewSeconds: settings.reviewSecondsPerImage,
  };
}

function checkSizes(input: JudgeInput, selected: SelectedInstance[]): string | undefined {
  const masks = [
    ...selected.map((s) => ({ what: `instance #${s.index}`, size: s.instance.segmentation.size })),
    ...(input.groundTruth ?? []).map((t, g) => ({ what: `ground truth ${g}`, size: t.segmentation.size })),
  ];
  const wrong = masks.find(({ size }) => size[0] !== input.height || size[1] !== input.width);
  return (
    wrong &&
    `${wrong.what} mask is ${wrong.size[1]}x${wrong.size[0]}, image is ${input.width}x${input.height}`
  );
}

function compare(selected: SelectedInstance[], truths: GroundTruthInstance[], s: OracleSettings): Comparison {
  const dt: Rle[] = selected.map((x) => decompress(x.instance.segmentation));
  const gt: Rle[] = truths.map((t) => decompress(t.segmentation));
  const ious = iou(
    dt,
    gt,
    truths.map((t) => t.iscrowd),
  );
  // Crowd regions are never targets: they only excuse predictions that fall inside them (as COCO eval does).
  const assignment = match(
    {
      ious: ious.map((row) => row.map((v, g) => (truths[g].iscrowd ? -1 : v))),
      predictionClass: selected.map((x) => x.instance.categoryId),
      truthClass: truths.map((t) => t.categoryId),
      predictionScore: selected.map((x) => x.instance.score),
      threshold: s.iouThreshold,
    },
    s.matching,
  );
  return { selected, truths, ious, assignment };
}

/** Why a prediction is (not) right, from its best overlaps with the ground truth. */
function instanceVerdict(c: Comparison, d: number, s: OracleSettings): InstanceVerdict {
  const index = c.selected[d].index;
  const cls = c.selected[d].instance.categoryId;
  const g = c.assignment[d];
  if (g >= 0) return { index, verdict: 'correct', note: `IoU ${c.ious[d][g].toFixed(2)}` };
  const crowd = best(c, d, (t) => t.iscrowd && t.categoryId === cls);
  if (crowd.iou >= s.iouThreshold) {
    return s.ignoreCrowdPredictions
      ? { index, verdict: 'correct', note: 'inside a crowd region (ignored)' }
      : { index, verdict: 'bad_mask', note: 'inside a crowd region: cannot be verified' };
  }
  const any = best(c, d, (t) => !t.iscrowd);
  const same = best(c, d, (t) => !t.iscrowd && t.categoryId === cls);
  const owner = same.g >= 0 ? c.assignment.indexOf(same.g) : -1;
  const taken = owner >= 0 ? `, already matched by #${c.selected[owner].index}` : '';
  if (any.g >= 0 && any.iou >= s.iouThreshold && c.truths[any.g].categoryId !== cls) {
    return {
      index,
      verdict: 'wrong_class',
      note: `IoU ${any.iou.toFixed(2)} with a category ${c.truths[any.g].categoryId} object`,
    };
  }
  if (same.iou >= s.iouThreshold) return { index, verdict: 'not_an_object', note: `duplicate${taken}` };
  if (same.iou >= s.minOverlapIou)
    return { index, verdict: 'bad_mask', note: `best IoU ${same.iou.toFixed(2)}${taken}` };
  if (any.g >= 0 && any.iou >= s.minOverlapIou) {
    return {
      index,
      verdict: 'wrong_class',
      note: `IoU ${any.iou.toFixed(2)} with a category ${c.truths[any.g].categoryId} object`,
    };
  }
  return { index, verdict: 'not_an_object', note: `best IoU ${Math.max(0, any.iou).toFixed(2)}` };
}

function best(
  c: Comparison,
  d: number,
  accept: (t: GroundTruthInstance) => boolean,
): { g: number; iou: number } {
  let found = { g: -1, iou: -1 };
  c.truths.forEach((t, g) => {
    if (accept(t) && c.ious[d][g] > found.iou) found = { g, iou: c.ious[d][g] };
  });
  return found;
}

function explain(c: Comparison, missed: number, unmatched: InstanceVerdict[], s: OracleSettings): string {
  const objects = c.truths.filter((t) => !t.iscrowd).length;
  const head = `${objects - missed} of ${objects} ground-truth object(s) matched (${s.matching}, IoU >= ${s.iouThreshold})`;
  if (missed === 0 && unmatched.length === 0) return `${head}; no extra predictions.`;
  const parts = [head];
  if (missed > 0) parts.push(`${missed} missed`);
  if (unmatched.length > 0)
    parts.push(unmatched.map((v) => `#${v.index} ${v.verdict} (${v.note})`).join(', '));
  return `${parts.join('; ')}.`;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
