import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import {
  component,
  file,
  Id,
  list,
  PageQuery,
  ProjectParams,
  page,
  ref,
  responses,
} from '../../http/schemas.ts';
import { learningCurveSvg, svgToPng } from '../../plots/learning-curve.ts';
import {
  CostSummarySchema,
  CreateRunBody,
  RunCostSchema,
  RunIterationSchema,
  RunSchema,
  RunStatusSchema,
} from './run.schemas.ts';
import type { CurvePointData } from './run.service.ts';

const RunRef = ref(RunSchema);
const RunPage = page('RunPage', RunRef);
const RunIterationList = list('RunIterationList', ref(RunIterationSchema));
const RunCosts = component(
  Type.Object(
    { data: Type.Array(ref(RunCostSchema)), total: ref(CostSummarySchema) },
    { $id: 'RunCosts', description: 'The cost ledger of a run and its sum' },
  ),
);

const RunParams = Type.Object({ projectId: Id, runId: Id });
const RunIdsQuery = Type.Object({
  runIds: Type.String({
    pattern: '^[1-9][0-9]*(,[1-9][0-9]*){0,19}$',
    description: 'Comma-separated run ids, at most 20: one line per run',
  }),
});
const CURVE_DESCRIPTION =
  'Mask AP on the test split against cumulative human hours (annotation + review), one point per closed ' +
  'iteration, numbered.';

export const runRoutes = (ctx: AppContext) => async (app: App) => {
  const runs = () => ctx.services.runs;
  app.post(
    '/projects/:projectId/runs',
    {
      schema: {
        operationId: 'createRun',
        tags: ['runs'],
        summary: 'Start an active-learning run',
        description:
          'Iteration 0 labels the initial set and trains and evaluates a model; each further iteration predicts on ' +
          'the unlabelled train pool, judges, accepts approvals as labels, retrains and evaluates on the test split. ' +
          'Every step is a durable job. 202 with the run; 409 while the project has another active run. See docs/runs.md.',
        params: ProjectParams,
        body: CreateRunBody,
        response: responses({ 202: RunRef }),
      },
    },
    async (request, reply) => {
      const run = await runs().create(request.params.projectId, request.body);
      return reply.status(202).header('location', `/v1/projects/${run.projectId}/runs/${run.id}`).send(run);
    },
  );
  app.get(
    '/projects/:projectId/runs',
    {
      schema: {
        operationId: 'listRuns',
        tags: ['runs'],
        summary: 'List runs',
        params: ProjectParams,
        querystring: Type.Object({ ...PageQuery, status: Type.Optional(RunStatusSchema) }),
        response: responses({ 200: ref(RunPage) }),
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      return runs().list(request.params.projectId, { status }, { limit, cursor });
    },
  );
  app.get(
    '/projects/:projectId/runs/:runId',
    {
      schema: {
        operationId: 'getRun',
        tags: ['runs'],
        summary: 'A run with its iterations',
        params: RunParams,
        response: responses({ 200: RunRef }),
      },
    },
    async (request) => runs().get(request.params.projectId, request.params.runId),
  );
  for (const action of ['pause', 'resume', 'cancel'] as const)
    app.post(
      `/projects/:projectId/runs/:runId/${action}`,
      {
        schema: {
          operationId: `${action}Run`,
          tags: ['runs'],
          summary: ACTION_SUMMARIES[action],
          params: RunParams,
          response: responses({ 200: RunRef }),
        },
      },
      async (request) => runs()[action](request.params.projectId, request.params.runId),
    );
  app.get(
    '/projects/:projectId/runs/:runId/iterations',
    {
      schema: {
        operationId: 'listRunIterations',
        tags: ['runs'],
        summary: "A run's iterations: children, training-set size, verdicts, metrics, agreement and costs",
        params: RunParams,
        response: responses({ 200: ref(RunIterationList) }),
      },
    },
    async (request) => ({ data: await runs().iterations(request.params.projectId, request.params.runId) }),
  );
  app.get(
    '/projects/:projectId/runs/:runId/costs',
    {
      schema: {
        operationId: 'getRunCosts',
        tags: ['runs'],
        summary: "A run's cost ledger: one row per iteration and kind, and their sum",
        params: RunParams,
        response: responses({ 200: ref(RunCosts) }),
      },
    },
    async (request) => runs().costs(request.params.projectId, request.params.runId),
  );
  curveRoutes(app, ctx);
};

const ACTION_SUMMARIES = {
  pause: 'Pause a run: it takes no further step (children already started finish)',
  resume: 'Resume a paused run; 409 when it is not paused',
  cancel: 'Cancel a run: its running child is cancelled and the run ends; 409 when it already ended',
};

const FORMAT_SUFFIX = { svg: 'Svg', png: 'Png' } as const;
const MEDIA_TYPES = { svg: 'image/svg+xml', png: 'image/png' } as const;

function curveRoutes(app: App, ctx: AppContext): void {
  for (const format of ['svg', 'png'] as const) {
    app.get(
      `/projects/:projectId/runs/:runId/learning-curve.${format}`,
      {
        schema: {
          operationId: `getRunLearningCurve${FORMAT_SUFFIX[format]}`,
          tags: ['runs'],
          summary: `The run's learning curve (${format.toUpperCase()})`,
          description: CURVE_DESCRIPTION,
          params: RunParams,
          response: responses({ 200: file(`The curve (${format.toUpperCase()})`, [MEDIA_TYPES[format]]) }),
        },
      },
      async (request, reply) => {
        const { projectId, runId } = request.params;
        return sendCurve(reply, format, await ctx.services.runs.learningCurves(projectId, [runId]));
      },
    );
    app.get(
      `/projects/:projectId/learning-curve.${format}`,
      {
        schema: {
          operationId: `getLearningCurves${FORMAT_SUFFIX[format]}`,
          tags: ['runs'],
          summary: `Learning curves of several runs (${format.toUpperCase()})`,
          description: CURVE_DESCRIPTION,
          params: ProjectParams,
          querystring: RunIdsQuery,
          response: responses({ 200: file(`The curves (${format.toUpperCase()})`, [MEDIA_TYPES[format]]) }),
        },
      },
      async (request, reply) => {
        const ids = [...new Set(request.query.runIds.split(',').map(Number))];
        return sendCurve(
          reply,
          format,
          await ctx.services.runs.learningCurves(request.params.projectId, ids),
        );
      },
    );
  }
}

async function sendCurve(reply: FastifyReply, format: 'svg' | 'png', series: CurvePointData[]) {
  const svg = learningCurveSvg(series);
  reply.header('cache-control', 'no-cache');
  if (format === 'svg') return reply.type('image/svg+xml').send(svg);
  return reply.type('image/png').send(await svgToPng(svg));
}
