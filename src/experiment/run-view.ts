import { type ApiClient, type paths, type Schemas, unwrap } from '../client/api-client.ts';

/** A run as the API returns it (components/schemas/Run in openapi/openapi.json, docs/runs.md). */
export type Run = Schemas['Run'];
/** One iteration of a run as the API returns it. */
export type RunIteration = Schemas['RunIteration'];
/** A run read with GET /runs/{runId}, which always includes its iterations. */
export type RunView = Run & { iterations: RunIteration[] };

/** One run with its iterations, through the typed client. */
export async function fetchRun(api: ApiClient, projectId: number, runId: number): Promise<RunView> {
  const run = await unwrap(
    api.typed.GET('/v1/projects/{projectId}/runs/{runId}', { params: { path: { projectId, runId } } }),
  );
  return { ...run, iterations: run.iterations ?? [] };
}

/** POST /runs's body as the OpenAPI describes it. */
export type CreateRunBody =
  paths['/v1/projects/{projectId}/runs']['post']['requestBody']['content']['application/json'];

/** A new run in a project, through the typed client. */
export async function createRunRequest(api: ApiClient, projectId: number, body: object): Promise<Run> {
  return unwrap(
    api.typed.POST('/v1/projects/{projectId}/runs', {
      params: { path: { projectId } },
      // The callers' bodies are built from their own config types; the service validates them.
      body: body as CreateRunBody,
    }),
  );
}

/*
 * What the experiment records of an iteration (results.json, its tables): looser than RunIteration,
 * which is assignable to it, so results written by earlier versions still read back.
 */

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
  /** Images that gave labels: the approved ones and, under 'instance' acceptance, the part-accepted ones. */
  accepted?: number | null;
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

export const isTerminal = (run: Pick<RunView, 'status'>): boolean =>
  (TERMINAL_STATUSES as readonly string[]).includes(run.status);

/** An iteration whose model was evaluated: the only kind that has a point on a learning curve. */
export const isMeasured = (it: IterationView): boolean =>
  it.status === 'completed' && it.metrics !== null && it.metrics !== undefined && it.metrics.segmAP !== null;
