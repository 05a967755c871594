import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { component, DateTime, Id, ProjectParams, ref, responses, StringEnum } from '../../http/schemas.ts';

const Preset = StringEnum(['tiny', 'small', 'resnet50-fpn']);
const OnJobCompleted = Type.Object(
  {
    train: Type.Boolean({ description: 'Start a training job once the annotations are in' }),
    preset: Type.Optional(Preset),
    hyper: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    warmStart: Type.Optional(
      Type.Union([
        StringEnum(['scratch', 'coco', 'base', 'active']),
        Type.Object({ modelVersionId: Id }, { additionalProperties: false }),
      ]),
    ),
  },
  { additionalProperties: false },
);

const CvatConnectionSchema = component(
  Type.Object(
    {
      projectId: Id,
      baseUrl: Type.String(),
      authHeader: Type.Union([Type.Object({ name: Type.String(), hint: Type.String() }), Type.Null()]),
      onJobCompleted: OnJobCompleted,
      createdAt: DateTime,
      updatedAt: DateTime,
    },
    {
      $id: 'CvatConnection',
      description: "A project's CVAT server; the token and webhook secret are not shown",
    },
  ),
);
const CvatConnectionCreated = component(
  Type.Intersect(
    [
      ref(CvatConnectionSchema),
      Type.Object({
        webhookSecret: Type.String({
          description:
            "Give it to CVAT's webhook as its secret; shown this once (connect again for a new one)",
        }),
      }),
    ],
    { $id: 'CvatConnectionCreated' },
  ),
);
const CvatImportSchema = component(
  Type.Object(
    {
      id: Id,
      projectId: Id,
      cvatJobId: Type.Integer(),
      status: StringEnum(['queued', 'running', 'succeeded', 'failed']),
      result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
      error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
      createdAt: DateTime,
      finishedAt: Type.Union([DateTime, Type.Null()]),
    },
    {
      $id: 'CvatImport',
      description: "A completed CVAT job's annotations pulled in, and the training it started",
    },
  ),
);
const CvatWebhookOutcome = component(
  Type.Object(
    {
      action: StringEnum(['pong', 'ignored', 'queued']),
      reason: Type.Optional(Type.String()),
      importId: Type.Optional(Id),
    },
    { $id: 'CvatWebhookOutcome' },
  ),
);

export const cvatRoutes = (ctx: AppContext) => async (app: App) => {
  const cvat = ctx.services.cvat;
  app.put(
    '/projects/:projectId/cvat',
    {
      schema: {
        operationId: 'connectCvat',
        tags: ['integrations'],
        summary: 'Connect the project to a CVAT server (replaces the connection and its webhook secret)',
        description:
          "baseUrl must pass the URL guard: a CVAT on a private network must be in the project's URL allow-list. " +
          'authHeader is how we call its REST API, e.g. `Authorization: Token <personal access token>`.',
        params: ProjectParams,
        body: Type.Object(
          {
            baseUrl: Type.String({ format: 'uri', maxLength: 2048 }),
            authHeader: Type.Optional(
              Type.Union([
                Type.Object(
                  {
                    name: Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", maxLength: 100 }),
                    value: Type.String({ minLength: 1, maxLength: 8192 }),
                  },
                  { additionalProperties: false },
                ),
                Type.Null(),
              ]),
            ),
            onJobCompleted: Type.Optional(OnJobCompleted),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: ref(CvatConnectionCreated) }),
      },
    },
    async (request) => cvat.connect(request.params.projectId, request.body),
  );
  app.get(
    '/projects/:projectId/cvat',
    {
      schema: {
        operationId: 'getCvatConnection',
        tags: ['integrations'],
        summary: "The project's CVAT connection",
        params: ProjectParams,
        response: responses({ 200: ref(CvatConnectionSchema) }),
      },
    },
    async (request) => cvat.get(request.params.projectId),
  );
  app.delete(
    '/projects/:projectId/cvat',
    {
      schema: {
        operationId: 'disconnectCvat',
        tags: ['integrations'],
        summary: 'Remove the CVAT connection; its webhook is refused from then on',
        params: ProjectParams,
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await cvat.disconnect(request.params.projectId);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/projects/:projectId/cvat/imports',
    {
      schema: {
        operationId: 'listCvatImports',
        tags: ['integrations'],
        summary: 'The latest 100 imports of completed CVAT jobs, newest first',
        params: ProjectParams,
        response: responses({ 200: Type.Object({ data: Type.Array(ref(CvatImportSchema)) }) }),
      },
    },
    async (request) => ({ data: await cvat.listImports(request.params.projectId) }),
  );
  app.get(
    '/projects/:projectId/cvat/imports/:importId',
    {
      schema: {
        operationId: 'getCvatImport',
        tags: ['integrations'],
        summary: 'One import of a completed CVAT job',
        params: Type.Object({ projectId: Id, importId: Id }),
        response: responses({ 200: ref(CvatImportSchema) }),
      },
    },
    async (request) => cvat.getImport(request.params.projectId, request.params.importId),
  );
  // CVAT signs the raw body: this scope keeps it as bytes, and CVAT sends no API key (the signature is the key).
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    scope.post(
      '/projects/:projectId/cvat/webhook',
      {
        schema: {
          operationId: 'receiveCvatWebhook',
          tags: ['integrations'],
          summary: "CVAT's webhook (signed with X-Signature-256, no API key)",
          description:
            'Point a CVAT project webhook here with content type application/json, the secret from connectCvat, and ' +
            'the "job" events. `update:job` to state completed queues an import of the job\'s annotations ' +
            "(COCO 1.0 through CVAT's REST API) as human labels, then training when the connection says so; " +
            '`ping` answers pong; other events are ignored. A wrong or missing signature answers 401.',
          security: [],
          params: ProjectParams,
          headers: Type.Object({ 'x-signature-256': Type.Optional(Type.String()) }),
          response: responses({ 200: ref(CvatWebhookOutcome), 202: ref(CvatWebhookOutcome) }),
        },
      },
      async (request, reply) => {
        const { projectId } = request.params as { projectId: number };
        const signature = request.headers['x-signature-256'];
        const outcome = await cvat.receiveWebhook(
          projectId,
          request.body as Buffer,
          Array.isArray(signature) ? signature[0] : signature,
        );
        return reply.status(outcome.action === 'queued' ? 202 : 200).send(outcome);
      },
    );
  });
};
