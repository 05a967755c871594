import { Ajv } from 'ajv';
import { AppError, type InvalidParam } from '../../errors/problem.ts';
import { connection, type GqlContext, pageArgs, projectAccess, toId } from '../../graphql/context.ts';
import { type Args, orNull, type Resolver } from '../../graphql/resolver-kit.ts';
import { componentSchemas } from '../../http/schemas.ts';
import { CreateRunBody } from './run.schemas.ts';
import type { CreateRunInput, Run, RunIteration, RunStatus } from './run.service.ts';

type Query<O> = { obj: O; params: Record<string, never> };

/** A run's iteration as GraphQL hands it on: with its run, which the service's view leaves out. */
export type IterationNode = RunIteration & { runId: number };

/**
 * REST's request schema for runs, compiled as Fastify compiles it (first error per branch), so a
 * GraphQL request is refused exactly when the same body would be.
 */
// The body refers to shared components (JudgeConfig) by $ref, as Fastify's validator resolves them.
const ajv = new Ajv({ allErrors: false, strict: false });
for (const schema of componentSchemas()) ajv.addSchema(schema as object);
const validateBody = ajv.compile(CreateRunBody as object);

/** The input's fields, as the REST body names them; what a service error names is moved under `input`. */
const INPUT_FIELDS = new Set(Object.keys(CreateRunBody.properties));

/** GraphQL's input as REST's body: nulls mean "not given" (the defaults of docs/runs.md apply). */
function bodyOf(input: Args): Record<string, unknown> {
  const strip = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, strip(v)]),
    );
  };
  // judge and training.hyper are JSON: passed on as they came, nulls included.
  const { judge, training, ...rest } = input;
  const body = strip(rest) as Record<string, unknown>;
  if (judge != null) body.judge = judge;
  if (training != null) {
    const { hyper, ...others } = training;
    body.training = { ...(strip(others) as object), ...(hyper != null && { hyper }) };
  }
  return body;
}

/** The body checked against REST's schema; every offending field named as `input.<path>`. */
export function createRunInput(input: Args): CreateRunInput {
  const body = bodyOf(input);
  if (validateBody(body)) return body as CreateRunInput;
  const params = (validateBody.errors ?? []).map((e) => {
    const parts = e.instancePath.split('/').filter(Boolean);
    const extra = e.params as Record<string, unknown>;
    if (typeof extra.missingProperty === 'string') parts.push(extra.missingProperty);
    if (typeof extra.additionalProperty === 'string') parts.push(extra.additionalProperty);
    const path = parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
    return { name: `input${path}`, reason: e.message ?? 'is invalid' };
  });
  const unique = params.filter((p, i) => params.findIndex((q) => q.name === p.name) === i);
  throw new AppError('validation', `input is not valid: ${unique.map((p) => p.name).join(', ')}`, unique);
}

/** The service's checks against the project name body fields (`initialLabels.fraction`): here they are under `input`. */
async function underInput<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    if (!(err instanceof AppError) || err.kind !== 'validation') throw err;
    const params: InvalidParam[] = err.invalidParams.map((p) =>
      INPUT_FIELDS.has(p.name.split(/[.[]/)[0]) ? { ...p, name: `input.${p.name}` } : p,
    );
    throw new AppError(err.kind, err.message, params);
  }
}

const withRunId = (run: Run, iterations: RunIteration[]): IterationNode[] =>
  iterations.map((it) => ({ ...it, runId: run.id }));

const projectRuns: Resolver<{ id: number }> = (p, args, c) =>
  c.services.runs
    .list(p.id, args.status ? { status: args.status as RunStatus } : {}, pageArgs(args))
    .then(connection);

const runMutations: Record<string, Resolver> = {
  createRun: (_root, { projectId, input }, c) => {
    const project = projectAccess(c, projectId);
    return underInput(c.services.runs.create(project, createRunInput(input)));
  },
  pauseRun: (_root, { projectId, id }, c) =>
    c.services.runs.pause(projectAccess(c, projectId), toId(id, 'id')),
  resumeRun: (_root, { projectId, id }, c) =>
    c.services.runs.resume(projectAccess(c, projectId), toId(id, 'id')),
  cancelRun: (_root, { projectId, id }, c) =>
    c.services.runs.cancel(projectAccess(c, projectId), toId(id, 'id')),
};

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Field resolvers that need no database. */
const runTypes = {
  Run: {
    plannedIterations: (r: Run) => r.config.iterations,
    learningCurveSvgUrl: (r: Run) => `/v1/projects/${r.projectId}/runs/${r.id}/learning-curve.svg`,
    learningCurvePngUrl: (r: Run) => `/v1/projects/${r.projectId}/runs/${r.id}/learning-curve.png`,
  },
  RunMetrics: {
    segmAP: (m: Args) => num(m.segmAP),
    segmAP50: (m: Args) => num(m.segmAP50),
    segmAP75: (m: Args) => num(m.segmAP75),
    bboxAP: (m: Args) => num(m.bboxAP),
    perCategory: (m: Args) => (Array.isArray(m.perCategory) ? m.perCategory : []),
    raw: (m: Args) => m,
  },
};

export const runResolvers = {
  Query: {
    run: ((_root, { projectId, id }, c) =>
      orNull(c.services.runs.get(projectAccess(c, projectId), toId(id, 'id')))) as Resolver,
  },
  Project: { runs: projectRuns },
  Mutation: runMutations,
  ...runTypes,
};

/** Loads for many ids at once; null ids (a child not created yet) stay null. */
async function byIdsOrNull<O, T extends { id: number }>(
  queries: Query<O>[],
  idOf: (o: O) => number | null,
  load: (ids: number[]) => Promise<T[]>,
): Promise<(T | null)[]> {
  const ids = [...new Set(queries.map((q) => idOf(q.obj)).filter((id): id is number => id !== null))];
  const byId = new Map((ids.length > 0 ? await load(ids) : []).map((row) => [row.id, row]));
  return queries.map(({ obj }) => {
    const id = idOf(obj);
    return id === null ? null : (byId.get(id) ?? null);
  });
}

const uncached = <Q>(loader: (queries: Q[], c: GqlContext) => Promise<unknown[]>) => ({
  loader: loader as never,
  opts: { cache: false },
});

/**
 * A page of runs costs one query for every run's iterations, one for their ledgers, and one per
 * kind of child asked for, whatever the page size (see loaders.ts).
 */
export const runLoaders = {
  Run: {
    iterations: uncached(async (queries: Query<Run>[], c) => {
      // Query.run's view has them already; a page of runs does not.
      const missing = queries.filter((q) => !q.obj.iterations).map((q) => q.obj.id);
      const loaded = missing.length > 0 ? await c.services.runs.iterationsOfRuns(missing) : new Map();
      return queries.map(({ obj }) => withRunId(obj, obj.iterations ?? loaded.get(obj.id) ?? []));
    }),
    costs: uncached(async (queries: Query<Run>[], c) => {
      const ledgers = await c.services.runs.ledgersOfRuns([...new Set(queries.map((q) => q.obj.id))]);
      return queries.map(({ obj }) => ledgers.get(obj.id) ?? []);
    }),
  },
  RunIteration: {
    modelVersion: uncached((queries: Query<IterationNode>[], c) =>
      byIdsOrNull(
        queries,
        (it) => it.modelVersionId,
        (ids) => c.services.modelVersions.byIds(ids),
      ),
    ),
    trainingJob: uncached((queries: Query<IterationNode>[], c) =>
      byIdsOrNull(
        queries,
        (it) => it.trainingJobId,
        (ids) => c.services.training.byIds(ids),
      ),
    ),
    pass: uncached((queries: Query<IterationNode>[], c) =>
      byIdsOrNull(
        queries,
        (it) => it.passId,
        (ids) => c.services.passes.byIds(ids),
      ),
    ),
  },
};
