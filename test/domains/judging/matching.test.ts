import { describe, expect, it } from 'vitest';
import { type MatchProblem, matchGreedy, matchOptimal } from '../../../src/domains/judging/matching.ts';

/** Every injective assignment, scored by (matches, total IoU): the reference the Hungarian must hit. */
function bruteForce(p: MatchProblem): { matches: number; total: number } {
  const nd = p.ious.length;
  const ng = p.truthClass.length;
  let best = { matches: 0, total: 0 };
  const used = new Array(ng).fill(false);
  const walk = (d: number, matches: number, total: number): void => {
    if (d === nd) {
      if (matches > best.matches || (matches === best.matches && total > best.total + 1e-12))
        best = { matches, total };
      return;
    }
    walk(d + 1, matches, total);
    for (let g = 0; g < ng; g++) {
      if (used[g] || p.predictionClass[d] !== p.truthClass[g] || p.ious[d][g] < p.threshold) continue;
      used[g] = true;
      walk(d + 1, matches + 1, total + p.ious[d][g]);
      used[g] = false;
    }
  };
  walk(0, 0, 0);
  return best;
}

function score(p: MatchProblem, assignment: Int32Array) {
  let matches = 0;
  let total = 0;
  assignment.forEach((g, d) => {
    if (g < 0) return;
    matches++;
    total += p.ious[d][g];
  });
  return { matches, total };
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('matchOptimal', () => {
  it('finds the maximum-cardinality, maximum-IoU matching on random problems', () => {
    const random = lcg(42);
    for (let trial = 0; trial < 300; trial++) {
      const nd = 1 + Math.floor(random() * 6);
      const ng = 1 + Math.floor(random() * 6);
      const problem: MatchProblem = {
        ious: Array.from({ length: nd }, () => Array.from({ length: ng }, () => random())),
        predictionClass: Array.from({ length: nd }, () => Math.floor(random() * 2)),
        truthClass: Array.from({ length: ng }, () => Math.floor(random() * 2)),
        predictionScore: Array.from({ length: nd }, () => random()),
        threshold: 0.4,
      };
      const got = score(problem, matchOptimal(problem));
      const want = bruteForce(problem);
      expect(got.matches).toBe(want.matches);
      expect(got.total).toBeCloseTo(want.total, 9);
      expect(score(problem, matchGreedy(problem)).matches).toBeLessThanOrEqual(want.matches);
    }
  });

  it('matches nothing across classes or below the threshold', () => {
    const problem: MatchProblem = {
      ious: [
        [0.9, 0.5],
        [0.95, 0.1],
      ],
      predictionClass: [1, 2],
      truthClass: [2, 1],
      predictionScore: [0.9, 0.8],
      threshold: 0.6,
    };
    expect([...matchOptimal(problem)]).toEqual([-1, 0]);
    expect([...matchGreedy(problem)]).toEqual([-1, 0]);
  });

  it('handles empty sides', () => {
    const empty = { ious: [], predictionClass: [], truthClass: [1], predictionScore: [], threshold: 0.5 };
    expect([...matchOptimal(empty)]).toEqual([]);
    const noTruth = {
      ious: [[]],
      predictionClass: [1],
      truthClass: [],
      predictionScore: [1],
      threshold: 0.5,
    };
    expect([...matchOptimal(noTruth)]).toEqual([-1]);
  });
});
