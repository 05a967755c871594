/** What the runs API returns (docs/runs.md), as far as the CLI reads it; the rest passes through. */

export interface RunCost {
  annotationSeconds: number;
  reviewSeconds: number;
  humanHours: number;
  vlmPromptTokens?: number;
  vlmCompletionTokens?: number;
  vlmUsd?: number;
  trainingSeconds?: number;
  trainingDevice?: string | null;
  humanUsd?: number;
  computeUsd?: number;
  totalUsd?: number;
}

export interface IterationMetrics {
  segmAP: number | null;
  segmAP50: number | null;
  bboxAP?: number | null;
  perCategory?: { id: number; name: string; ap: number | null; ap50: number | null }[];
}

export interface IterationView {
  iteration: number;
  status: 'pending' | 'running' | 'completed' | 'stopped' | string;
  step?: string | null;
  trainingJobId?: number | null;
  modelVersionId?: number | null;
  evaluationId?: number | null;
  passId?: number | null;
  trainImages?: number | null;
  approved?: number | null;
  rejected?: number | null;
  abstained?: number | null;
  errors?: number | null;
  metrics?: IterationMetrics | null;
  agreement?: {
    approvalPrecision?: number | null;
    approvalRecall?: number | null;
    confusion?: Record<string, number>;
  } | null;
  cost?: RunCost | null;
  cumulativeCost?: RunCost | null;
}

export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;

export interface RunView {
  id: number;
  projectId: number;
  name?: string | null;
  status: 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled' | string;
  stopReason?: string | null;
  iterations: IterationView[];
  error?: unknown;
  [key: string]: unknown;
}

export const isTerminal = (run: Pick<RunView, 'status'>): boolean =>
  (TERMINAL_STATUSES as readonly string[]).includes(run.status);

/** An iteration whose model was evaluated: the only kind that has a point on a learning curve. */
export const isMeasured = (it: IterationView): boolean =>
  it.status === 'completed' && it.metrics !== null && it.metrics !== undefined && it.metrics.segmAP !== null;
