import { describe, expect, it } from 'vitest';
import { renderSynthImage } from '../../src/dataset/render.ts';
import { CATEGORIES, familyCategories, PRETRAIN_SHAPE_NAMES } from '../../src/dataset/synth.ts';

const render = (index: number) =>
  renderSynthImage(101, index, { difficulty: 'easy', size: 96, family: 'pretrain' });

describe('the pretraining shape family', () => {
  it("has classes disjoint from the built-in dataset's, numbered 1..n", () => {
    const names = familyCategories('pretrain').map((c) => c.name);
    expect(names).toEqual([...PRETRAIN_SHAPE_NAMES]);
    expect(names.filter((n) => CATEGORIES.some((c) => c.name === n))).toEqual([]);
    expect(familyCategories('builtin')).toEqual(CATEGORIES);
  });

  it('renders every one of its classes with non-empty masks, deterministically', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const img = render(i);
      for (const inst of img.instances) {
        seen.add(inst.categoryId);
        expect(inst.mask.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(20);
      }
    }
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(render(3).rgb.equals(render(3).rgb)).toBe(true);
  });

  it('never repeats a built-in image for the same seed and index', () => {
    const builtin = renderSynthImage(101, 0, { difficulty: 'easy', size: 96 });
    expect(render(0).rgb.equals(builtin.rgb)).toBe(false);
  });

  it('refuses an unknown family', () => {
    expect(() => renderSynthImage(1, 0, { family: 'coco' as never })).toThrow(/unknown shape family "coco"/);
  });
});
