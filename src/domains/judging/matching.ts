export type MatchingMethod = 'greedy' | 'hungarian';

export interface MatchProblem {
  /** IoU [prediction][ground truth]. */
  ious: ArrayLike<number>[];
  predictionClass: readonly number[];
  truthClass: readonly number[];
  predictionScore: readonly number[];
  /** A pair can match only with the same class and IoU >= this. */
  threshold: number;
}

/** For each prediction, the index of its ground truth, or -1. */
export type Assignment = Int32Array;

export function match(problem: MatchProblem, method: MatchingMethod): Assignment {
  return method === 'greedy' ? matchGreedy(problem) : matchOptimal(problem);
}

const eligible = (p: MatchProblem, d: number, g: number): boolean =>
  p.predictionClass[d] === p.truthClass[g] && p.ious[d][g] >= p.threshold;

/**
 * The study's matching: predictions by descending score each take the best still-free
 * same-class ground truth. Order-dependent: an early prediction can take the object a later
 * one needed (see matchOptimal).
 */
export function matchGreedy(problem: MatchProblem): Assignment {
  const nd = problem.ious.length;
  const taken = new Uint8Array(problem.truthClass.length);
  const assignment = new Int32Array(nd).fill(-1);
  const order = [...Array(nd).keys()].sort(
    (a, b) => problem.predictionScore[b] - problem.predictionScore[a] || a - b,
  );
  for (const d of order) {
    let best = -1;
    for (let g = 0; g < problem.truthClass.length; g++) {
      if (!taken[g] && eligible(problem, d, g) && (best < 0 || problem.ious[d][g] > problem.ious[d][best]))
        best = g;
    }
    if (best >= 0) {
      taken[best] = 1;
      assignment[d] = best;
    }
  }
  return assignment;
}

/**
 * Maximum-cardinality matching over eligible pairs, ties broken by the largest total IoU
 * (Hungarian algorithm). Each eligible pair weighs `bonus + IoU` with bonus larger than any
 * possible IoU total, so one more match always beats any IoU gain.
 */
export function matchOptimal(problem: MatchProblem): Assignment {
  const nd = problem.ious.length;
  const ng = problem.truthClass.length;
  const assignment = new Int32Array(nd).fill(-1);
  if (nd === 0 || ng === 0) return assignment;
  const n = Math.max(nd, ng);
  const bonus = Math.min(nd, ng) + 1;
  const cost = (d: number, g: number): number =>
    d < nd && g < ng && eligible(problem, d, g) ? -(bonus + problem.ious[d][g]) : 0;
  const rowToCol = hungarianMin(n, cost);
  for (let d = 0; d < nd; d++) {
    const g = rowToCol[d];
    if (g < ng && eligible(problem, d, g)) assignment[d] = g;
  }
  return assignment;
}

/** Minimum-cost perfect assignment on an n x n matrix (potentials, O(n^3)); row -> column. */
function hungarianMin(n: number, cost: (row: number, col: number) => number): Int32Array {
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const colRow = new Int32Array(n + 1); // column j (1-based) -> row (1-based), 0 = free
  const way = new Int32Array(n + 1);
  for (let row = 1; row <= n; row++) {
    colRow[0] = row;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = colRow[j0];
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const reduced = cost(i0 - 1, j - 1) - u[i0] - v[j];
        if (reduced < minv[j]) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[colRow[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (colRow[j0] !== 0);
    do {
      const j1 = way[j0];
      colRow[j0] = colRow[j1];
      j0 = j1;
    } while (j0);
  }
  const rowCol = new Int32Array(n);
  for (let j = 1; j <= n; j++) rowCol[colRow[j] - 1] = j - 1;
  return rowCol;
}
