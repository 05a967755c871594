import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type EvalResult,
  evaluate,
  formatSummary,
  type IouType,
  loadCocoGt,
  loadCocoResults,
  type NdArray,
} from '../../src/eval/coco-eval.ts';
import { IOU_THRS, REC_THRS } from '../../src/eval/params.ts';

/** Produced by scripts/golden/make_cocoeval_fixtures.py with pycocotools. */
const dir = new URL('../fixtures/cocoeval/', import.meta.url);
const caseFiles = readdirSync(dir).filter((f) => f.endsWith('.json'));

interface Digest {
  sha256: string;
  sum: number;
  shape: number[];
}

interface Expected {
  stats: number[];
  perCategory: { id: number; name: string; ap: number; ap50: number }[];
  precision: Digest;
  recall: Digest;
  scores: Digest;
  iouThrs: number[];
  recThrs: number[];
}

interface GoldenCase {
  name: string;
  iouType: IouType;
  useCats: boolean;
  /** pycocotools params.imgIds / params.catIds, when the case sets them. */
  params?: { imgIds: number[]; catIds: number[] };
  gt: unknown;
  dt: unknown;
  expected: Expected;
}

const load = (file: string): GoldenCase => JSON.parse(readFileSync(new URL(file, dir), 'utf8'));

const run = (c: GoldenCase): EvalResult => {
  const gt = loadCocoGt(c.gt);
  return evaluate(gt, loadCocoResults(gt, c.dt, c.iouType), {
    iouType: c.iouType,
    useCats: c.useCats,
    ...c.params,
  });
};

function expectArray(actual: NdArray, expected: Digest): void {
  expect(actual.shape).toEqual(expected.shape);
  let sum = 0;
  for (const v of actual.data) sum += v;
  expect(Math.abs(sum - expected.sum)).toBeLessThan(1e-6);
  const bytes = Buffer.from(actual.data.buffer, actual.data.byteOffset, actual.data.byteLength);
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(expected.sha256);
}

describe('COCOeval against pycocotools (golden)', () => {
  it('finds the fixtures', () => {
    expect(caseFiles.length).toBeGreaterThanOrEqual(15);
  });

  it('uses np.linspace thresholds bit for bit', () => {
    const c = load(caseFiles[0]);
    expect(IOU_THRS).toEqual(c.expected.iouThrs);
    expect(REC_THRS).toEqual(c.expected.recThrs);
  });

  for (const file of caseFiles) {
    it(file.replace('.json', ''), () => {
      const c = load(file);
      const result = run(c);
      expect(result.iouType).toBe(c.iouType);
      expect(result.stats).toHaveLength(12);
      result.stats.forEach((v, i) => {
        expect(
          Math.abs(v - c.expected.stats[i]),
          `stat ${i}: ${v} vs ${c.expected.stats[i]}`,
        ).toBeLessThanOrEqual(1e-9);
      });
      expect(result.perCategory.map((p) => [p.id, p.name])).toEqual(
        c.expected.perCategory.map((p) => [p.id, p.name]),
      );
      result.perCategory.forEach((p, k) => {
        expect(Math.abs(p.ap - c.expected.perCategory[k].ap)).toBeLessThanOrEqual(1e-9);
        expect(Math.abs(p.ap50 - c.expected.perCategory[k].ap50)).toBeLessThanOrEqual(1e-9);
      });
      expectArray(result.precision, c.expected.precision);
      expectArray(result.recall, c.expected.recall);
      expectArray(result.scores, c.expected.scores);
    });
  }
});

describe('formatSummary', () => {
  it("prints pycocotools' 12 lines", () => {
    const c = load(caseFiles[0]);
    const lines = formatSummary(run(c)).split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toMatch(
      /^ Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \] = \d\.\d{3}$/,
    );
    expect(lines[6]).toMatch(
      /^ Average Recall {5}\(AR\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets= {2}1 \] = \d\.\d{3}$/,
    );
    expect(lines[9]).toContain('area= small | maxDets=100');
  });
});
