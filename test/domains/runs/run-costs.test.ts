/** The ledger's arithmetic and the run's pure decisions: cost parts, sums, plateau, the seeded fraction. */
import { describe, expect, it } from 'vitest';
import {
  annotationCost,
  DEFAULT_COST_SETTINGS,
  humanHours,
  lostSeconds,
  reviewCost,
  sumCosts,
  trainingAttemptsCost,
  trainingCost,
  vlmCost,
} from '../../../src/domains/runs/run-costs.ts';
import { metricsOf, plateaued, sampleFraction } from '../../../src/domains/runs/run-rules.ts';

const s = { ...DEFAULT_COST_SETTINGS, humanUsdPerHour: 36, computeUsdPerHour: { cpu: 0.5, gpu: 3 } };

describe('cost parts', () => {
  it('charges annotation per image and per instance, at the human rate', () => {
    const part = annotationCost(10, 25, { ...s, annotationSecondsPerInstance: 4 });
    expect(part).toMatchObject({ kind: 'annotation', quantity: 10, unit: 'images', seconds: 900 });
    expect(part.usd).toBeCloseTo(9, 12);
  });

  it('charges review per image, or the measured seconds when given', () => {
    expect(reviewCost(7, s)).toMatchObject({ seconds: 21, quantity: 7 });
    expect(reviewCost(7, s, 50)).toMatchObject({ seconds: 50, detail: { measured: true } });
  });

  it('adds the marking of wrong masks on images accepted in part, also for settings stored without it', () => {
    expect(reviewCost(7, s, undefined, {}, 4)).toMatchObject({
      seconds: 21 + 4 * 2,
      detail: { images: 7, flaggedInstances: 4, secondsPerFlaggedInstance: 2 },
    });
    expect(reviewCost(7, { ...s, reviewSecondsPerFlaggedInstance: 5 }, undefined, {}, 4).seconds).toBe(41);
    const { reviewSecondsPerFlaggedInstance: _, ...old } = s;
    expect(reviewCost(7, old, undefined, {}, 1).seconds).toBe(23);
    // Measured seconds of real reviewers already include their marking.
    expect(reviewCost(7, s, 50, {}, 4).seconds).toBe(50);
  });

  it('prices VLM tokens per million, input and output apart', () => {
    const part = vlmCost(2_000_000, 100_000, s);
    expect(part).toMatchObject({
      quantity: 2_100_000,
      seconds: 0,
      detail: { promptTokens: 2e6, completionTokens: 1e5 },
    });
    expect(part.usd).toBeCloseTo(2 * 2.5 + 0.1 * 10, 12);
  });

  it('prices training by device kind', () => {
    expect(trainingCost(3600, 'cpu', s).usd).toBeCloseTo(0.5, 12);
    expect(trainingCost(1800, 'cuda:1', s).usd).toBeCloseTo(1.5, 12);
  });
});

describe('training time lost to a kill', () => {
  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1) + seconds * 1000).toISOString();
  const attempt = (start: number, from: number, last: number, checkpoint?: [number, number]) => ({
    device: 'cpu',
    startIteration: start,
    startedAt: at(from),
    lastEventAt: at(last),
    ...(checkpoint && { checkpoint: { iteration: checkpoint[0], time: at(checkpoint[1]) } }),
  });

  it('charges what an attempt ran after the checkpoint the next one resumed from', () => {
    // Checkpoint at iteration 10 after 6 s, killed at 16 s; resumed at 10 and finished.
    const attempts = [attempt(0, 0, 16, [10, 6]), attempt(10, 60, 80)];
    expect(lostSeconds(attempts)).toEqual([10, 0]);
  });

  it('charges a whole attempt the next one did not resume from', () => {
    // Killed before its first checkpoint: the next attempt starts where this one did.
    expect(lostSeconds([attempt(0, 0, 9), attempt(0, 30, 50)])).toEqual([9, 0]);
    // Its checkpoint was unreadable: the next attempt started from scratch.
    expect(lostSeconds([attempt(10, 0, 20, [20, 15]), attempt(0, 30, 50)])).toEqual([20, 0]);
  });

  it('charges nothing more for one attempt, or attempts recorded before their times were', () => {
    expect(lostSeconds([attempt(0, 0, 80)])).toEqual([0]);
    const { lastEventAt, ...old } = attempt(0, 0, 16, [10, 6]);
    expect(lostSeconds([old, attempt(10, 60, 80)])).toEqual([0, 0]);
  });

  it("adds the lost seconds to the trainer's, each priced on its own device", () => {
    const attempts = [{ ...attempt(0, 0, 16, [10, 6]), device: 'cuda:0' }, attempt(10, 60, 80)];
    const part = trainingAttemptsCost(20, 'cpu', attempts, s);
    expect(part).toMatchObject({
      kind: 'training',
      seconds: 30,
      quantity: 30,
      detail: { device: 'cpu', trainerSeconds: 20, lostSeconds: 10, attempts: 2 },
    });
    expect(part.usd).toBeCloseTo((20 / 3600) * 0.5 + (10 / 3600) * 3, 12);
    // One attempt: the trainer's count, as the row always was.
    expect(trainingAttemptsCost(20, 'cpu', [attempt(0, 0, 25)], s)).toEqual(trainingCost(20, 'cpu', s));
  });
});

describe('sums', () => {
  it('adds the parts into a summary whose totals are sums of what it shows', () => {
    const sum = sumCosts([
      annotationCost(3, 0, s),
      reviewCost(10, s),
      vlmCost(1000, 200, s),
      trainingCost(60, 'cpu', s),
      trainingCost(30, 'cuda:0', s),
    ]);
    expect(sum.annotationSeconds).toBe(240);
    expect(sum.reviewSeconds).toBe(30);
    expect(sum.humanHours).toBeCloseTo(270 / 3600, 12);
    expect(sum.humanHours).toBe(humanHours(sum));
    expect(sum.vlmPromptTokens).toBe(1000);
    expect(sum.vlmCompletionTokens).toBe(200);
    expect(sum.trainingSeconds).toBe(90);
    expect(sum.trainingDevice).toBe('cpu,cuda:0');
    expect(sum.humanUsd).toBeCloseTo(sum.humanHours * 36, 12);
    expect(sum.totalUsd).toBeCloseTo(sum.humanUsd + sum.vlmUsd + sum.computeUsd, 12);
  });

  it('sums nothing to zeros', () => {
    expect(sumCosts([])).toMatchObject({ humanHours: 0, totalUsd: 0, trainingDevice: null });
  });
});

describe('run decisions', () => {
  it('sees a plateau when the last `patience` iterations did not beat the best before by minDelta', () => {
    const rule = { patience: 2, minDelta: 0.01 };
    expect(plateaued([0.1, 0.2], rule)).toBe(false);
    expect(plateaued([0.1, 0.3, 0.305, 0.302], rule)).toBe(true);
    expect(plateaued([0.1, 0.3, 0.305, 0.32], rule)).toBe(false);
    expect(plateaued([0.1, null, 0.3, 0.29, 0.3], rule)).toBe(true);
  });

  it('draws round(fraction * n) ids by seed, the same every time', () => {
    const ids = Array.from({ length: 20 }, (_, i) => i + 100);
    const a = sampleFraction(ids, 0.2, 1);
    expect(a).toHaveLength(4);
    expect(sampleFraction(ids, 0.2, 1)).toEqual(a);
    expect(sampleFraction(ids, 0.2, 2)).not.toEqual(a);
    expect(new Set(a).size).toBe(4);
    for (const id of a) expect(ids).toContain(id);
  });

  it('reads mask AP from the COCO summary, -1 meaning no ground truth', () => {
    const stats = [0.4, 0.7, 0.35, -1, 0.3, 0.5, 0.2, 0.4, 0.45, -1, 0.4, 0.5];
    expect(metricsOf({ stats, perCategory: [{ id: 1, name: 'circle', ap: -1, ap50: 0.5 }] })).toEqual({
      segmAP: 0.4,
      segmAP50: 0.7,
      segmAP75: 0.35,
      bboxAP: null,
      bboxAP50: null,
      bboxAP75: null,
      perCategory: [{ id: 1, name: 'circle', ap: null, ap50: 0.5 }],
    });
  });

  it('reads box AP from the same evaluation where it measured it', () => {
    const stats = [0.4, 0.7, 0.35, -1, 0.3, 0.5, 0.2, 0.4, 0.45, -1, 0.4, 0.5];
    const bbox = { stats: [0.5, 0.8, -1, ...stats.slice(3)], perCategory: [] };
    expect(metricsOf({ stats, perCategory: [], bbox })).toMatchObject({
      segmAP: 0.4,
      bboxAP: 0.5,
      bboxAP50: 0.8,
      bboxAP75: null,
    });
  });
});
