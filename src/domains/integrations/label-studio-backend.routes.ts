import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { Id, responses } from '../../http/schemas.ts';

const Params = Type.Object({ projectId: Id });
const Json = Type.Record(Type.String(), Type.Unknown());
const security: { [scheme: string]: string[] }[] = [{ basicAuth: [] }, { bearerAuth: [] }];
const tags = ['integrations'];

/**
 * Label Studio's ML backend protocol (label-studio-ml-backend `label_studio_ml/api.py`) at a per-project
 * base path: give Label Studio `<this API>/integrations/label-studio/<projectId>/` with HTTP Basic auth
 * (any user, a project key as password). Thin: the service does the work; access to the project is
 * checked on the validated projectId like every route.
 */
export const labelStudioBackendRoutes = (ctx: AppContext) => async (app: App) => {
  const ls = () => ctx.services.labelStudio;
  const base = '/integrations/label-studio/:projectId';
  const health = {
    schema: {
      tags,
      security,
      summary: 'ML backend health: {"status": "UP", "model_class": ...}',
      params: Params,
      response: responses({ 200: Json }),
    },
  };
  app.get(
    `${base}/`, // The same answer as /health; hidden from the document, whose paths have no trailing slash.
    { schema: { ...health.schema, hide: true } },
    async (r) => ls().health(r.params.projectId),
  );
  app.get(`${base}/health`, { schema: { ...health.schema, operationId: 'labelStudioHealth' } }, async (r) =>
    ls().health(r.params.projectId),
  );
  app.get(
    `${base}/metrics`,
    {
      schema: {
        tags,
        security,
        operationId: 'labelStudioMetrics',
        summary: 'ML backend metrics (none: {})',
        params: Params,
        response: responses({ 200: Json }),
      },
    },
    async () => ({}),
  );
  app.post(
    `${base}/setup`,
    {
      schema: {
        tags,
        security,
        operationId: 'labelStudioSetup',
        summary:
          'Reads the labelling config (BrushLabels/PolygonLabels, their labels); answers {"model_version"}',
        params: Params,
        body: Json,
        response: responses({ 200: Json }),
      },
    },
    async (r) => ls().setup(r.params.projectId, r.body),
  );
  app.post(
    `${base}/predict`,
    {
      bodyLimit: ctx.config.coco.maxBytes,
      schema: {
        tags,
        security,
        operationId: 'labelStudioPredict',
        summary:
          'Predicts Label Studio tasks: {"results": [{result, score, model_version}]}, one per task in order',
        params: Params,
        body: Json,
        response: responses({ 200: Json }),
      },
    },
    async (r) => ls().predict(r.params.projectId, r.body, (line) => r.log.warn(line)),
  );
  app.post(
    `${base}/webhook`,
    {
      schema: {
        tags,
        security,
        operationId: 'labelStudioWebhook',
        summary: 'START_TRAINING and ANNOTATION_* pull annotations as human labels and may start training',
        params: Params,
        body: Json,
        response: responses({ 200: Json, 201: Json, 503: Json }),
      },
    },
    async (r, reply) => {
      const answer = await ls().webhook(r.params.projectId, r.body);
      return reply.status(answer.status === 'ok' ? 201 : 200).send(answer);
    },
  );
  app.post(
    `${base}/train`,
    {
      bodyLimit: ctx.config.coco.maxBytes,
      schema: {
        tags,
        security,
        operationId: 'labelStudioTrain',
        summary:
          'The legacy training call (annotated tasks inline), for Label Studio without START_TRAINING webhooks',
        params: Params,
        body: Json,
        response: responses({ 201: Json }),
      },
    },
    async (r, reply) => reply.status(201).send(await ls().trainWithTasks(r.params.projectId, r.body)),
  );
};
