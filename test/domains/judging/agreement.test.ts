import { describe, expect, it } from 'vitest';
import { agreement, cohensKappa } from '../../../src/domains/judging/agreement.ts';
import type { ImageVerdictValue, InstanceVerdict, Verdict } from '../../../src/domains/judging/types.ts';

function verdict(value: ImageVerdictValue, instances: InstanceVerdict[] = []): Verdict {
  return {
    verdict: value,
    instances,
    reason: '',
    judge: { kind: 'vlm', config: {} },
    latencyMs: 0,
    reviewSeconds: 0,
  };
}

function repeat(n: number, judge: ImageVerdictValue, oracle: ImageVerdictValue) {
  return Array.from({ length: n }, (_, i) => ({
    imageId: i,
    judge: verdict(judge),
    oracle: verdict(oracle),
    drawn: [],
  }));
}

describe('agreement', () => {
  it('computes the confusion matrix, precision, recall and kappa', () => {
    const report = agreement([
      ...repeat(40, 'approve', 'approve'),
      ...repeat(10, 'approve', 'reject'),
      ...repeat(20, 'reject', 'approve'),
      ...repeat(30, 'reject', 'reject'),
    ]);
    expect(report.confusion).toEqual({
      bothApprove: 40,
      judgeApproveOracleReject: 10,
      judgeRejectOracleApprove: 20,
      bothReject: 30,
    });
    expect(report.compared).toBe(100);
    expect(report.accuracy).toBeCloseTo(0.7);
    expect(report.approvalPrecision).toBeCloseTo(0.8);
    expect(report.approvalRecall).toBeCloseTo(40 / 60);
    // p_o = 0.7, p_e = (50*60 + 50*40) / 100^2 = 0.5
    expect(report.kappa).toBeCloseTo(0.4);
  });

  it('counts abstentions and errors apart from the matrix', () => {
    const report = agreement([
      ...repeat(3, 'approve', 'approve'),
      ...repeat(2, 'abstain', 'approve'),
      ...repeat(4, 'error', 'reject'),
      ...repeat(1, 'approve', 'error'),
    ]);
    expect(report).toMatchObject({
      images: 10,
      compared: 3,
      judgeAbstained: 2,
      judgeErrors: 4,
      oracleUnavailable: 1,
    });
    expect(report.approvalRecall).toBe(1);
    expect(report.kappa).toBeNull();
  });

  it('reports nulls for an empty set', () => {
    const report = agreement([]);
    expect(report).toMatchObject({ compared: 0, accuracy: null, approvalPrecision: null, kappa: null });
  });

  it('measures per-instance agreement by class', () => {
    const report = agreement([
      {
        imageId: 1,
        judge: verdict('approve', [
          { index: 1, verdict: 'correct' },
          { index: 2, verdict: 'correct' },
        ]),
        oracle: verdict('reject', [
          { index: 1, verdict: 'correct' },
          { index: 2, verdict: 'wrong_class' },
        ]),
        drawn: [
          { index: 1, categoryName: 'bird' },
          { index: 2, categoryName: 'book' },
        ],
      },
      {
        imageId: 2,
        judge: verdict('reject', [{ index: 1, verdict: 'bad_mask' }]),
        oracle: verdict('reject', [{ index: 1, verdict: 'bad_mask' }]),
        drawn: [{ index: 1, categoryName: 'book' }],
      },
    ]);
    expect(report.perClass.bird).toMatchObject({ instances: 1, agreed: 1, agreement: 1 });
    expect(report.perClass.book).toMatchObject({ instances: 2, agreed: 1, agreement: 0.5 });
    expect(report.perClass.book.confusion.correct.wrong_class).toBe(1);
    expect(report.perClass.book.confusion.bad_mask.bad_mask).toBe(1);
  });
});

describe('cohensKappa', () => {
  it('is 1 for perfect agreement, 0 for chance, null when undefined', () => {
    expect(
      cohensKappa([
        [5, 0],
        [0, 5],
      ]),
    ).toBe(1);
    expect(
      cohensKappa([
        [25, 25],
        [25, 25],
      ]),
    ).toBe(0);
    expect(
      cohensKappa([
        [5, 0],
        [0, 0],
      ]),
    ).toBeNull();
  });
});
