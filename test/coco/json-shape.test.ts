import { describe, expect, it } from 'vitest';
import { firstTooDeep } from '../../src/coco/json-shape.ts';

describe('firstTooDeep', () => {
  it('accepts a COCO instances file at its natural depth of 5', () => {
    const coco = { annotations: [{ segmentation: [[1, 2, 3, 4, 5, 6]], bbox: [1, 2, 3, 4] }], info: {} };
    expect(firstTooDeep(coco, 5)).toBeUndefined();
    expect(firstTooDeep(coco, 4)).toBe('$.annotations[0].segmentation[0]');
  });

  it('names odd keys as JSON strings', () => {
    expect(firstTooDeep({ 'a b': { c: [{}] } }, 3)).toBe('$["a b"].c[0]');
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(firstTooDeep({ x: deep }, 8)).toBe(`$.x${'[0]'.repeat(7)}`);
  });
});
