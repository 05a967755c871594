import { describe, expect, it } from 'vitest';
import { assignSplits, DEFAULT_SPLITS, parseSplits, splitCounts } from '../../src/dataset/splits.ts';

describe('parseSplits', () => {
  it('parses and normalises weights; a missing split gets 0', () => {
    expect(parseSplits('train=0.7,val=0.1,test=0.2')).toEqual({ train: 0.7, val: 0.1, test: 0.2 });
    expect(parseSplits('train=8, test=2')).toEqual({ train: 0.8, val: 0, test: 0.2 });
    expect(parseSplits('test=1')).toEqual({ train: 0, val: 0, test: 1 });
  });

  it.each(['', 'train', 'train=', 'train=x', 'holdout=1', 'train=-1', 'train=0,val=0', 'train=1=2'])(
    'rejects "%s"',
    (text) => {
      expect(() => parseSplits(text)).toThrow(RangeError);
    },
  );
});

describe('splitCounts', () => {
  it('sums to n exactly, by largest remainder', () => {
    expect(splitCounts(10, DEFAULT_SPLITS)).toEqual({ train: 7, val: 1, test: 2 });
    expect(splitCounts(24, DEFAULT_SPLITS)).toEqual({ train: 17, val: 2, test: 5 });
    expect(splitCounts(1, DEFAULT_SPLITS)).toEqual({ train: 1, val: 0, test: 0 });
    for (let n = 1; n < 200; n++) {
      const c = splitCounts(n, { train: 0.6, val: 0.15, test: 0.25 });
      expect(c.train + c.val + c.test).toBe(n);
      expect(Math.abs(c.train - 0.6 * n)).toBeLessThan(1);
    }
  });
});

describe('assignSplits', () => {
  it('is seeded, exact and shuffled', () => {
    const a = assignSplits(100, 5, DEFAULT_SPLITS);
    expect(assignSplits(100, 5, DEFAULT_SPLITS)).toEqual(a);
    expect(assignSplits(100, 6, DEFAULT_SPLITS)).not.toEqual(a);
    expect(a.filter((s) => s === 'train')).toHaveLength(70);
    expect(a.filter((s) => s === 'val')).toHaveLength(10);
    expect(a.slice(0, 70).every((s) => s === 'train')).toBe(false);
  });
});
