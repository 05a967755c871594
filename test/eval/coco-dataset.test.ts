import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/problem.ts';
import { evaluate, loadCocoGt, loadCocoResults } from '../../src/eval/coco-eval.ts';
import { formatFixed3 } from '../../src/eval/numpy.ts';

const square = (x: number, y: number, s: number): number[][] => [[x, y, x + s, y, x + s, y + s, x, y + s]];

function gtJson(): Record<string, unknown> {
  return {
    images: [
      { id: 1, width: 40, height: 30 },
      { id: 2, width: 40, height: 30 },
    ],
    categories: [
      { id: 7, name: 'cat' },
      { id: 9, name: 'dog' },
    ],
    annotations: [
      {
        id: 1,
        image_id: 1,
        category_id: 7,
        segmentation: square(2, 2, 10),
        area: 100,
        bbox: [2, 2, 10, 10],
        iscrowd: 0,
      },
      {
        id: 2,
        image_id: 2,
        category_id: 9,
        segmentation: square(5, 5, 8),
        area: 64,
        bbox: [5, 5, 8, 8],
        iscrowd: 0,
      },
    ],
  };
}

function validationOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError && e.kind === 'validation') return e;
    throw e;
  }
  throw new Error('expected a validation error');
}

describe('loadCocoGt', () => {
  it.each([
    [(g: Record<string, unknown[]>) => delete (g as Record<string, unknown>).images, '$.images', 'required'],
    [
      (g: Record<string, unknown[]>) => (g.images[1] = { id: 1, width: 40, height: 30 }),
      '$.images[1].id',
      'duplicate',
    ],
    [
      (g: Record<string, unknown[]>) => (g.images[0] = { id: 1, width: -1, height: 30 }),
      '$.images[0].width',
      'non-negative',
    ],
    [(g: Record<string, unknown[]>) => (g.categories[1] = { id: 7 }), '$.categories[1].id', 'duplicate'],
    [
      (g: Record<string, unknown[]>) => ((g.annotations[1] as Record<string, unknown>).id = 1),
      '$.annotations[1].id',
      'duplicate',
    ],
    [
      (g: Record<string, unknown[]>) => ((g.annotations[0] as Record<string, unknown>).image_id = 5),
      '$.annotations[0].image_id',
      'not in $.images',
    ],
    [
      (g: Record<string, unknown[]>) => ((g.annotations[0] as Record<string, unknown>).category_id = 5),
      '$.annotations[0].category_id',
      'not in $.categories',
    ],
    [
      (g: Record<string, unknown[]>) => ((g.annotations[0] as Record<string, unknown>).bbox = [1, 2, 3]),
      '$.annotations[0].bbox',
      '[x, y, width, height]',
    ],
    [
      (g: Record<string, unknown[]>) => ((g.annotations[1] as Record<string, unknown>).iscrowd = 2),
      '$.annotations[1].iscrowd',
      '0 or 1',
    ],
    [
      (g: Record<string, unknown[]>) => ((g.annotations[1] as Record<string, unknown>).area = 'big'),
      '$.annotations[1].area',
      'number',
    ],
    [(g: Record<string, unknown[]>) => (g.annotations[0] = 3), '$.annotations[0]', 'object'],
  ])('rejects malformed input with its JSON path (%#)', (mutate, name, reason) => {
    const g = gtJson() as Record<string, unknown[]>;
    mutate(g);
    const err = validationOf(() => loadCocoGt(g));
    expect(err.invalidParams[0].name).toBe(name);
    expect(err.invalidParams[0].reason).toContain(reason);
  });

  it('reports a malformed segmentation with its path when evaluating segm', () => {
    const g = gtJson() as Record<string, unknown[]>;
    (g.annotations[1] as Record<string, unknown>).segmentation = { size: [30, 41], counts: 'abc' };
    const gt = loadCocoGt(g);
    const dt = loadCocoResults(gt, [{ image_id: 2, category_id: 9, bbox: [5, 5, 8, 8], score: 0.5 }], 'segm');
    const err = validationOf(() => evaluate(gt, dt, { iouType: 'segm' }));
    expect(err.invalidParams[0].name).toBe('$.annotations[1].segmentation.size');
    // bbox evaluation never looks at the masks
    expect(evaluate(gt, loadCocoResults(gt, [], 'bbox'), { iouType: 'bbox' }).stats[0]).toBe(0);
  });
});

describe('loadCocoResults', () => {
  const gt = loadCocoGt(gtJson());

  it.each([
    [{}, '$', 'must be an array'],
    [
      [{ image_id: 3, category_id: 7, bbox: [0, 0, 1, 1], score: 1 }],
      '$[0].image_id',
      'not in the ground truth',
    ],
    [[{ image_id: 1, category_id: 7, bbox: [0, 0, 1, 1] }], '$[0].score', 'required'],
    [[{ image_id: 1, category_id: 7, score: 1 }], '$[0]', 'bbox or a segmentation'],
    [
      [
        { image_id: 1, category_id: 7, bbox: [0, 0, 1, 1], score: 1 },
        { image_id: 1, category_id: 7, score: 1 },
      ],
      '$[1].bbox',
      'required',
    ],
    [
      [{ image_id: 1, category_id: 7, segmentation: { size: [30, 40], counts: [5] }, score: 1 }],
      '$[0].segmentation.counts',
      'add up to 5',
    ],
  ])('rejects %j', (json, name, reason) => {
    const err = validationOf(() => loadCocoResults(gt, json, 'segm'));
    expect(err.invalidParams[0].name).toBe(name);
    expect(err.invalidParams[0].reason).toContain(reason);
  });

  it('evaluates an empty result list (pycocotools cannot) as AP 0', () => {
    const r = evaluate(gt, loadCocoResults(gt, [], 'segm'), { iouType: 'segm' });
    expect(r.stats.slice(0, 3)).toEqual([0, 0, 0]);
    expect(r.perCategory.map((c) => c.ap)).toEqual([0, 0]);
  });

  it('perfect detections give AP 1; unknown categories are ignored like pycocotools does', () => {
    const dt = loadCocoResults(
      gt,
      [
        { image_id: 1, category_id: 7, segmentation: square(2, 2, 10), score: 0.9 },
        { image_id: 2, category_id: 9, segmentation: square(5, 5, 8), score: 0.8 },
        { image_id: 2, category_id: 1234, segmentation: square(20, 5, 8), score: 0.99 },
      ],
      'segm',
    );
    const r = evaluate(gt, dt, { iouType: 'segm' });
    // precision is tp / (tp + fp + np.spacing(1)) in pycocotools too
    expect(r.stats[0]).toBe(1 / (1 + 2 ** -52));
    expect(r.stats[3]).toBe(r.stats[0]); // both are small
    expect(r.stats[4]).toBe(-1); // no medium ground truth
    expect(r.precision.shape).toEqual([10, 101, 2, 4, 3]);
    expect(r.recall.shape).toEqual([10, 2, 4, 3]);
  });

  it('refuses results loaded against another ground truth', () => {
    const other = loadCocoGt(gtJson());
    const err = validationOf(() => evaluate(other, loadCocoResults(gt, [], 'bbox'), { iouType: 'bbox' }));
    expect(err.message).toContain('different ground truth');
  });
});

describe("formatFixed3 (Python's '{:0.3f}')", () => {
  it('rounds exact ties to even like Python', () => {
    expect(formatFixed3(0.0625)).toBe('0.062');
    expect(formatFixed3(0.1875)).toBe('0.188');
    expect(formatFixed3(-1)).toBe('-1.000');
    expect(formatFixed3(0.4343688638094579)).toBe('0.434');
  });
});
