import { type ApiClient, unwrap } from '../client/api-client.ts';
import { isTerminal, type RunIteration, type RunView } from './run-view.ts';

export interface RunProgress {
  /** Share of the run done, 0..1, for a progress bar. */
  fraction: number;
  /** What it is doing, without numbers that change every poll: a line is printed when it changes. */
  phase: string;
  /** The phase with live detail (training iteration, percent). */
  detail: string;
}

/** Where each step of an iteration starts and ends on the iteration's share of the bar (training dominates). */
const STEP_SPAN: Record<string, [number, number]> = {
  select: [0, 0.05],
  pass: [0, 0.2],
  train: [0.2, 0.85],
  evaluate: [0.85, 0.97],
  close: [0.97, 1],
};

/** A run's progress from its GET, plus its training job's when it is training (one more GET). */
export async function runProgress(
  api: ApiClient,
  run: RunView,
  plannedIterations: number,
): Promise<RunProgress> {
  const total = plannedIterations + 1;
  if (isTerminal(run)) {
    const phase = `${run.status}${run.stopReason ? ` (${run.stopReason})` : ''}`;
    return { fraction: 1, phase, detail: phase };
  }
  const current = currentIteration(run.iterations);
  if (!current || run.status === 'queued') return { fraction: 0, phase: run.status, detail: run.status };
  const done = run.iterations.filter((it) => it.status === 'completed' || it.status === 'stopped').length;
  const step = current.step ?? 'select';
  const [from, to] = STEP_SPAN[step] ?? [0, 1];
  let within = from;
  let detail = '';
  if (step === 'train' && current.trainingJobId) {
    const job = await unwrap(
      api.typed.GET('/v1/projects/{projectId}/training-jobs/{jobId}', {
        params: { path: { projectId: run.projectId, jobId: current.trainingJobId } },
      }),
    ).catch(() => undefined);
    const p = job?.progress;
    if (p?.iteration !== undefined && p.totalIterations) {
      within = from + (to - from) * Math.min(1, p.iteration / p.totalIterations);
      detail = ` ${p.iteration}/${p.totalIterations}`;
    } else if (job?.status === 'queued') detail = ' (waiting for a worker slot)';
  }
  const paused = run.status === 'paused' ? ' [paused]' : '';
  const phase = `iteration ${current.iteration}/${plannedIterations}: ${step}${paused}`;
  return { fraction: Math.min(1, (done + within) / total), phase, detail: phase + detail };
}

function currentIteration(iterations: RunIteration[]): RunIteration | undefined {
  const sorted = [...iterations].sort((a, b) => a.iteration - b.iteration);
  return sorted.find((it) => it.status === 'running' || it.status === 'pending') ?? sorted.at(-1);
}
