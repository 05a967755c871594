/**
 * What a pass job writes besides its claims: the prediction rows (with the number each drawn one has on
 * the overlay), the ground truth and the oracle's verdict beside the judge's, and a verdict's own parts
 * (who decided, a failed try, the tokens of earlier tries).
 */
import type { Executor } from '../../db/database.ts';
import type { Detection } from '../../inference/mask-rcnn.ts';
import { selectInstances } from '../../overlay/select-instances.ts';
import type { ImageRow } from '../datasets/image.repository.ts';
import * as labelRepo from '../datasets/label.repository.ts';
import { oracleVerdict } from '../judging/oracle-judge.ts';
import type { GroundTruthInstance, Judge, JudgeInput, Verdict } from '../judging/types.ts';
import type { PassImageRow, PassRow } from './pass.repository.ts';
import { oracleSettings } from './pass-judges.ts';
import type * as predictionRepo from './prediction.repository.ts';

/** A human pass's images get the oracle's verdict up front, to measure reviewers against it. */
export function humanPassOracle(
  pass: PassRow,
  image: ImageRow,
  detections: Detection[],
  truths: Map<number, GroundTruthInstance[]>,
): Verdict | undefined {
  const truth = truths.get(image.id);
  if (!truth) return undefined;
  const input = { imageId: image.id, image: Buffer.alloc(0), width: image.width, height: image.height };
  return oracleVerdict(
    { ...input, instances: detections, groundTruth: truth },
    oracleSettings(pass.judge, pass.scoreThreshold),
  );
}

/** The oracle run beside the judge on images with ground truth (the oracle judge is its own). */
export function alongsideOracle(
  pass: PassRow,
  verdict: Verdict,
  input: JudgeInput | undefined,
): Verdict | undefined {
  if (!input?.groundTruth) return undefined;
  if (pass.judge.kind === 'oracle') return verdict;
  return oracleVerdict(input, oracleSettings(pass.judge, pass.scoreThreshold));
}

/** A judge that throws is a failed try, recorded as a retryable error, never as a rejection. */
export function failedJudgement(judge: Judge, err: unknown, started: number): Verdict {
  const message = err instanceof Error ? err.message : String(err);
  return {
    verdict: 'error',
    instances: [],
    reason: `judge_failed: ${message}`,
    judge: { kind: judge.kind as Verdict['judge']['kind'], config: {} },
    latencyMs: Math.round(performance.now() - started),
    reviewSeconds: 0,
    error: { code: 'judge_failed', message, retryable: true },
  };
}

export function decider(verdict: Verdict) {
  return { kind: verdict.judge.kind, model: verdict.judge.model, promptVersion: verdict.judge.promptVersion };
}

export function predictionRows(
  pass: PassRow,
  row: PassImageRow,
  detections: Detection[],
): predictionRepo.NewPrediction[] {
  const drawn = new Map(
    selectInstances(detections, pass.scoreThreshold).map((s) => [s.sourceIndex, s.index]),
  );
  return detections.map((d, i) => ({
    projectId: pass.projectId,
    passId: pass.id,
    imageId: row.imageId,
    modelVersionId: pass.modelVersionId,
    categoryId: d.categoryId,
    score: d.score,
    bbox: d.bbox,
    rle: d.segmentation.counts,
    height: d.segmentation.size[0],
    width: d.segmentation.size[1],
    area: d.area,
    drawnIndex: drawn.get(i) ?? null,
  }));
}

/**
 * Ground truth of each image that has any: its import and human labels. An image imported or labelled
 * by a human has ground truth even with no labels (nothing there); others have none.
 */
export async function groundTruth(
  ex: Executor,
  images: ImageRow[],
): Promise<Map<number, GroundTruthInstance[]>> {
  const labels = await labelRepo.labelsOfImages(
    ex,
    images.map((i) => i.id),
  );
  const truths = new Map<number, GroundTruthInstance[]>();
  for (const image of images)
    if (image.labelSourceOfRecord === 'import' || image.labelSourceOfRecord === 'human')
      truths.set(image.id, []);
  for (const label of labels) {
    if (label.source !== 'import' && label.source !== 'human') continue;
    const list = truths.get(label.imageId) ?? [];
    list.push({
      categoryId: label.categoryId,
      segmentation: { size: [label.height, label.width], counts: label.rle },
      iscrowd: label.iscrowd,
    });
    truths.set(label.imageId, list);
  }
  return truths;
}

/**
 * A retried judgement overwrites the failed try's verdict, but the endpoint billed both: the tokens of
 * earlier tries are carried into the verdict that stands, so a run's VLM cost counts every call.
 */
export function withEarlierTokens(verdict: Verdict, earlier: unknown): Verdict {
  const before = (earlier as { tokens?: { prompt?: number; completion?: number } } | null)?.tokens;
  if (!before) return verdict;
  const now = verdict.tokens ?? { prompt: 0, completion: 0 };
  return {
    ...verdict,
    tokens: {
      prompt: now.prompt + (before.prompt ?? 0),
      completion: now.completion + (before.completion ?? 0),
    },
  };
}
