import type { PlannedRun } from './plan.ts';
import { type IterationView, isMeasured, type RunView } from './run-view.ts';

/** One run of the experiment as results.json keeps it: the plan's coordinates and the API's run. */
export interface RunResult {
  key: string;
  group: string;
  judge: string;
  kind: PlannedRun['kind'];
  fraction: number;
  seed: number;
  /** Iterations planned after iteration 0. */
  plannedIterations: number;
  projectId: number;
  runId: number;
  status: RunView['status'];
  stopReason: string | null;
  iterations: IterationView[];
}

export interface Stat {
  mean: number | null;
  /** Sample standard deviation (n - 1); null with fewer than two values. */
  std: number | null;
}

export interface SummaryRow {
  group: string;
  judge: string;
  kind: PlannedRun['kind'];
  fraction: number;
  iteration: number;
  /** Runs contributing to this iteration. */
  n: number;
  /** Of those, runs that stopped earlier and contribute their last measured iteration (see summarize). */
  carried: number;
  segmAP: Stat;
  segmAP50: Stat;
  /** Cumulative human hours (annotation + review) up to this iteration. */
  humanHours: Stat;
  trainImages: Stat;
  /** Images approved (and rejected) by this iteration's pass; 0 for a carried run. */
  approved: Stat;
  rejected: Stat;
  approvedCumulative: Stat;
  /**
   * Images that gave labels in this iteration's pass: the approved ones and, under 'instance' acceptance,
   * the rejected ones with at least one accepted mask; 0 for a carried run.
   */
  accepted: Stat;
  /** Of the judge's approvals, the share the oracle approves (agreement), where measured. */
  approvalPrecision: Stat;
  /** Mean AP per category name, for what the model lacks. */
  perCategoryAP: Record<string, number | null>;
}

export function stat(values: number[]): Stat {
  if (values.length === 0) return { mean: null, std: null };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return { mean, std: null };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** One run's value at iteration k, or why it has none. */
interface Point {
  it: IterationView;
  carried: boolean;
  approvedCumulative: number;
}

/**
 * A run's point at iteration k. A run that finished (succeeded) before reaching k stopped by a stop
 * condition: its labels and model no longer change, so its last measured iteration stands for every
 * later one (with no approvals and no more hours). Leaving it out would make the later means those
 * of the runs that happened to go on, a different population at each iteration. A run still going,
 * or one that failed or was cancelled, has no value past what it measured.
 */
function pointAt(run: RunResult, k: number): Point | undefined {
  const measured = run.iterations.filter(isMeasured).sort((a, b) => a.iteration - b.iteration);
  const upTo = measured.filter((it) => it.iteration <= k);
  const approvedCumulative = upTo.reduce((a, it) => a + (it.approved ?? 0), 0);
  const exact = measured.find((it) => it.iteration === k);
  if (exact) return { it: exact, carried: false, approvedCumulative };
  const last = upTo.at(-1);
  if (run.status !== 'succeeded' || !last || k > run.plannedIterations) return undefined;
  return { it: last, carried: true, approvedCumulative };
}

const num = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Mean and std per group (judge x fraction, or the supervised baseline) and iteration. */
export function summarize(results: RunResult[]): SummaryRow[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of results) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  const rows: SummaryRow[] = [];
  for (const [group, runs] of groups) {
    const last = Math.max(...runs.map((r) => r.plannedIterations));
    for (let k = 0; k <= last; k++) {
      const points = runs.map((r) => pointAt(r, k)).filter((p): p is Point => p !== undefined);
      if (points.length === 0) continue;
      const pick = (f: (p: Point) => number | null | undefined) => stat(points.map(f).filter(num));
      rows.push({
        group,
        judge: runs[0].judge,
        kind: runs[0].kind,
        fraction: runs[0].fraction,
        iteration: k,
        n: points.length,
        carried: points.filter((p) => p.carried).length,
        segmAP: pick((p) => p.it.metrics?.segmAP),
        segmAP50: pick((p) => p.it.metrics?.segmAP50),
        humanHours: pick((p) => p.it.cumulativeCost?.humanHours),
        trainImages: pick((p) => p.it.trainImages),
        approved: pick((p) => (p.carried ? 0 : (p.it.approved ?? 0))),
        rejected: pick((p) => (p.carried ? 0 : (p.it.rejected ?? 0))),
        approvedCumulative: pick((p) => p.approvedCumulative),
        accepted: pick((p) => (p.carried ? 0 : (p.it.accepted ?? p.it.approved ?? 0))),
        approvalPrecision: pick((p) =>
          p.carried || p.it.iteration === 0 ? null : p.it.agreement?.approvalPrecision,
        ),
        perCategoryAP: perCategory(points),
      });
    }
  }
  return rows;
}

function perCategory(points: Point[]): Record<string, number | null> {
  const byName = new Map<string, number[]>();
  for (const p of points)
    for (const c of p.it.metrics?.perCategory ?? [])
      if (num(c.ap)) byName.set(c.name, [...(byName.get(c.name) ?? []), c.ap]);
  return Object.fromEntries([...byName].map(([name, aps]) => [name, stat(aps).mean]));
}

/** One row per run x iteration, flat, for results.csv. */
export interface ResultRow {
  key: string;
  group: string;
  judge: string;
  fraction: number;
  seed: number;
  runId: number;
  projectId: number;
  runStatus: string;
  stopReason: string | null;
  iteration: IterationView;
}

export const resultRows = (results: RunResult[]): ResultRow[] =>
  results.flatMap((r) =>
    [...r.iterations]
      .sort((a, b) => a.iteration - b.iteration)
      .map((iteration) => ({
        key: r.key,
        group: r.group,
        judge: r.judge,
        fraction: r.fraction,
        seed: r.seed,
        runId: r.runId,
        projectId: r.projectId,
        runStatus: r.status,
        stopReason: r.stopReason,
        iteration,
      })),
  );
