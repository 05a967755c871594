import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CostCheckCache } from '../../src/graphql/cost-cache.ts';

describe('CostCheckCache', () => {
  it('runs the check once per document and variables, and again for other variables', () => {
    const cache = new CostCheckCache();
    const doc = parse('query Q($n: Int) { projects(first: $n) { edges { node { id } } } }');
    let runs = 0;
    const run = () => {
      runs++;
      return [];
    };
    cache.check(doc, { n: 5 }, run);
    cache.check(doc, { n: 5 }, run);
    expect(runs).toBe(1);
    cache.check(doc, { n: 500 }, run);
    expect(runs).toBe(2);
    cache.check(parse('query Q($n: Int) { projects(first: $n) { edges { node { id } } } }'), { n: 5 }, run);
    expect(runs).toBe(3);
  });

  it('never keeps a check of large variables', () => {
    const cache = new CostCheckCache();
    const doc = parse('query { projects { edges { node { id } } } }');
    let runs = 0;
    const big = { s: 'x'.repeat(2000) };
    for (let i = 0; i < 2; i++)
      cache.check(doc, big, () => {
        runs++;
        return [];
      });
    expect(runs).toBe(2);
  });
});
