import { describe, expect, it } from 'vitest';
import { decompress, iou } from '../../../src/coco/coco-rle.ts';
import { OracleJudge } from '../../../src/domains/judging/oracle-judge.ts';
import type { GroundTruthInstance, Instance, JudgeInput } from '../../../src/domains/judging/types.ts';
import { rectInstance, rectTruth } from './fixtures.ts';

const W = 20;
const H = 20;

function input(instances: Instance[], groundTruth?: GroundTruthInstance[], w = W, h = H): JudgeInput {
  return { imageId: 1, image: Buffer.alloc(0), width: w, height: h, instances, groundTruth };
}

const pred = (rect: [number, number, number, number], categoryId = 1, score = 0.9) =>
  rectInstance(W, H, { rect, categoryId, categoryName: `class${categoryId}`, score });

describe('OracleJudge', () => {
  const oracle = new OracleJudge();

  it('approves when every object is matched by a same-class mask and nothing is extra', async () => {
    const verdict = await oracle.judge(
      input(
        [pred([0, 0, 10, 10]), pred([12, 12, 18, 18], 2)],
        [rectTruth(W, H, [0, 0, 10, 10]), rectTruth(W, H, [12, 12, 18, 19], 2)],
      ),
    );
    expect(verdict.verdict).toBe('approve');
    expect(verdict.instances.map((v) => v.verdict)).toEqual(['correct', 'correct']);
    expect(verdict).toMatchObject({ missedObjects: 0, reviewSeconds: 3, judge: { kind: 'oracle' } });
  });

  it('approves an image with neither predictions nor objects', async () => {
    expect((await oracle.judge(input([], []))).verdict).toBe('approve');
  });

  it('is an error, not a rejection, without ground truth', async () => {
    const verdict = await oracle.judge(input([pred([0, 0, 5, 5])]));
    expect(verdict).toMatchObject({ verdict: 'error', error: { code: 'no_ground_truth', retryable: false } });
    expect(verdict.reviewSeconds).toBe(0);
  });

  it('calls a prediction on nothing not_an_object', async () => {
    const verdict = await oracle.judge(input([pred([0, 0, 5, 5])], []));
    expect(verdict.verdict).toBe('reject');
    expect(verdict.instances[0].verdict).toBe('not_an_object');
  });

  it('counts unmatched objects as missed', async () => {
    const verdict = await oracle.judge(
      input([pred([0, 0, 10, 10])], [rectTruth(W, H, [0, 0, 10, 10]), rectTruth(W, H, [12, 0, 20, 8])]),
    );
    expect(verdict).toMatchObject({ verdict: 'reject', missedObjects: 1 });
    expect(verdict.reason).toMatch(/1 of 2 ground-truth object\(s\) matched .*; 1 missed/);
  });

  it('calls a good mask with the wrong class wrong_class', async () => {
    const verdict = await oracle.judge(
      input([pred([0, 0, 10, 10], 2)], [rectTruth(W, H, [0, 0, 10, 10], 1)]),
    );
    expect(verdict).toMatchObject({ verdict: 'reject', missedObjects: 1 });
    expect(verdict.instances[0].verdict).toBe('wrong_class');
  });

  it('calls a same-class mask below the IoU threshold bad_mask, and the threshold is configurable', async () => {
    const case_ = input([pred([0, 0, 10, 5])], [rectTruth(W, H, [0, 0, 10, 10])]); // IoU 0.5
    const strict = await oracle.judge(case_);
    expect(strict.instances[0]).toMatchObject({ verdict: 'bad_mask', note: 'best IoU 0.50' });
    expect(strict.verdict).toBe('reject');
    expect((await new OracleJudge({ iouThreshold: 0.5 }).judge(case_)).verdict).toBe('approve');
  });

  it('calls a second prediction of an already matched object a duplicate', async () => {
    const verdict = await oracle.judge(
      input([pred([0, 0, 10, 10], 1, 0.9), pred([0, 0, 10, 9], 1, 0.8)], [rectTruth(W, H, [0, 0, 10, 10])]),
    );
    expect(verdict.verdict).toBe('reject');
    expect(verdict.instances[1]).toMatchObject({
      verdict: 'not_an_object',
      note: 'duplicate, already matched by #1',
    });
    expect(verdict.missedObjects).toBe(0);
  });

  it('never counts crowd regions as missed, and by default refuses predictions inside them', async () => {
    const truths = [rectTruth(W, H, [0, 0, 10, 10]), rectTruth(W, H, [10, 10, 20, 20], 1, true)];
    const predictions = [pred([0, 0, 10, 10]), pred([12, 12, 16, 16])];
    const strict = await oracle.judge(input(predictions, truths));
    expect(strict).toMatchObject({ verdict: 'reject', missedObjects: 0 });
    expect(strict.instances[1]).toMatchObject({
      verdict: 'bad_mask',
      note: 'inside a crowd region: cannot be verified',
    });
    const lenient = await new OracleJudge({ ignoreCrowdPredictions: true }).judge(input(predictions, truths));
    expect(lenient.verdict).toBe('approve');
    expect((await oracle.judge(input([pred([0, 0, 10, 10])], truths))).verdict).toBe('approve');
  });

  it('is an error when masks and image differ in size', async () => {
    const verdict = await oracle.judge(input([pred([0, 0, 5, 5])], [rectTruth(W + 1, H, [0, 0, 5, 5])]));
    expect(verdict).toMatchObject({ verdict: 'error', error: { code: 'bad_input' } });
  });

  it('charges the configured review time', async () => {
    const verdict = await new OracleJudge({ reviewSecondsPerImage: 5 }).judge(input([], []));
    expect(verdict.reviewSeconds).toBe(5);
  });
});

describe('greedy versus optimal matching', () => {
  // Two overlapping objects: g1 (10x10) and g2, its left 7 columns. p1 (higher score) fits both, p2 only g1.
  const w = 12;
  const h = 10;
  const g1 = rectTruth(w, h, [0, 0, 10, 10]);
  const g2 = rectTruth(w, h, [0, 0, 7, 10]);
  const p1 = rectInstance(w, h, { rect: [0, 0, 9, 10], score: 0.9 });
  const p2 = rectInstance(w, h, { rect: [2, 0, 12, 10], score: 0.8 });
  const crafted = input([p1, p2], [g1, g2], w, h);

  it('has the intended IoUs', () => {
    const m = iou(
      [p1, p2].map((p) => decompress(p.segmentation)),
      [g1, g2].map((g) => decompress(g.segmentation)),
      [false, false],
    );
    expect(m[0][0]).toBeCloseTo(0.9);
    expect(m[0][1]).toBeCloseTo(70 / 90);
    expect(m[1][0]).toBeCloseTo(80 / 120);
    expect(m[1][1]).toBeCloseTo(50 / 120);
  });

  it('greedy lets p1 take g1, leaving p2 and g2 unmatched: reject', async () => {
    const verdict = await new OracleJudge({ matching: 'greedy' }).judge(crafted);
    expect(verdict).toMatchObject({ verdict: 'reject', missedObjects: 1 });
    expect(verdict.instances.map((v) => v.verdict)).toEqual(['correct', 'not_an_object']);
  });

  it('hungarian pairs p1-g2 and p2-g1: approve', async () => {
    const verdict = await new OracleJudge({ matching: 'hungarian' }).judge(crafted);
    expect(verdict).toMatchObject({ verdict: 'approve', missedObjects: 0 });
    expect(verdict.instances.map((v) => v.note)).toEqual(['IoU 0.78', 'IoU 0.67']);
  });
});
