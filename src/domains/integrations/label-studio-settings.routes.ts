import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { component, DateTime, Id, ProjectParams, ref, responses, StringEnum } from '../../http/schemas.ts';
import { JudgeConfigSchema } from '../passes/pass.schemas.ts';
import { PRESETS } from '../training/training.service.ts';
import { TRAIN_EVENTS } from './label-studio-shapes.ts';

const settingsFields = {
  modelVersion: Type.Union([Id, Type.Literal('active')], {
    description: 'The model version that predicts (default: the active one)',
  }),
  output: StringEnum(['brush', 'polygon'], {
    description: 'Masks as Label Studio brush RLE (default) or polygons (outer rings, no holes)',
  }),
  scoreThreshold: Type.Number({ minimum: 0, maximum: 1 }),
  judge: ref(JudgeConfigSchema),
  trainOn: Type.Array(StringEnum([...TRAIN_EVENTS]), {
    uniqueItems: true,
    description: 'Webhook events after which a training job starts (default START_TRAINING)',
  }),
  training: Type.Object(
    {
      preset: StringEnum([...PRESETS]),
      hyper: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      seed: Type.Optional(Type.Integer({ minimum: 0 })),
      warmStart: Type.Optional(
        Type.Union([StringEnum(['scratch', 'coco', 'base', 'active']), Type.Object({ modelVersionId: Id })]),
      ),
    },
    {
      additionalProperties: false,
      description: 'The training job to start (default small, from the base model)',
    },
  ),
  valFraction: Type.Number({
    minimum: 0,
    maximum: 1,
    description: 'Share of tasks whose images join the val split (0.2)',
  }),
};

const SettingsInput = Type.Partial(Type.Object(settingsFields, { additionalProperties: false }));

const LabelStudioIntegrationSchema = component(
  Type.Object(
    {
      projectId: Id,
      url: Type.String({ description: "Label Studio's base URL" }),
      settings: Type.Object({
        ...settingsFields,
        scoreThreshold: Type.Optional(settingsFields.scoreThreshold),
        judge: Type.Optional(settingsFields.judge),
      }),
      backendPath: Type.String({
        description: 'The ML backend URL to give Label Studio, relative to this API',
      }),
      createdAt: DateTime,
      updatedAt: DateTime,
    },
    {
      $id: 'LabelStudioIntegration',
      description: "A project's Label Studio ML backend (the token is never returned)",
    },
  ),
);

const LabelStudioIntegrationInput = component(
  Type.Object(
    {
      url: Type.String({
        minLength: 1,
        maxLength: 2048,
        description: "Label Studio's base URL, e.g. http://localhost:8080",
      }),
      token: Type.String({
        minLength: 1,
        maxLength: 512,
        description: 'A Label Studio legacy API token (Authorization: Token ...)',
      }),
      settings: Type.Optional(SettingsInput),
    },
    { $id: 'LabelStudioIntegrationInput', additionalProperties: false },
  ),
);

const LabelStudioTasks = component(
  Type.Array(
    Type.Object({
      data: Type.Record(Type.String(), Type.Unknown()),
      predictions: Type.Array(
        Type.Object({
          model_version: Type.String(),
          score: Type.Number(),
          result: Type.Array(Type.Record(Type.String(), Type.Unknown())),
        }),
      ),
    }),
    { $id: 'LabelStudioTasks', description: 'Label Studio tasks with pre-annotations, for its JSON import' },
  ),
);

export const labelStudioSettingsRoutes = (ctx: AppContext) => async (app: App) => {
  const ls = () => ctx.services.labelStudio;
  const path = '/projects/:projectId/integrations/label-studio';
  app.get(
    path,
    {
      schema: {
        operationId: 'getLabelStudioIntegration',
        tags: ['integrations'],
        summary: "The project's Label Studio ML backend settings",
        params: ProjectParams,
        response: responses({ 200: ref(LabelStudioIntegrationSchema) }),
      },
    },
    async (request) => ls().get(request.params.projectId),
  );
  app.put(
    path,
    {
      schema: {
        operationId: 'putLabelStudioIntegration',
        tags: ['integrations'],
        summary: 'Connect a Label Studio (its URL and token) and set how the ML backend predicts and trains',
        params: ProjectParams,
        body: ref(LabelStudioIntegrationInput),
        response: responses({ 200: ref(LabelStudioIntegrationSchema) }),
      },
    },
    async (request) => ls().put(request.params.projectId, request.body),
  );
  app.delete(
    path,
    {
      schema: {
        operationId: 'deleteLabelStudioIntegration',
        tags: ['integrations'],
        summary: 'Disconnect Label Studio (labels it gave stay)',
        params: ProjectParams,
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await ls().delete(request.params.projectId);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/projects/:projectId/passes/:passId/label-studio-tasks',
    {
      schema: {
        operationId: 'exportPassLabelStudioTasks',
        tags: ['passes'],
        summary: "A pass's images as Label Studio tasks with its predictions as pre-annotations",
        description:
          "Import the file in Label Studio (Import > JSON). Predictions are the pass's drawn ones (above its threshold), " +
          "as brush masks or polygons; each task's score is the judge's approval confidence (the mean detection score " +
          'without a verdict). `imageUrl` is the prefix Label Studio finds the images under (the file name is appended); ' +
          "by default this API's image URL, which needs a key Label Studio does not send.",
        params: Type.Object({ projectId: Id, passId: Id }),
        querystring: Type.Object({
          output: Type.Optional(StringEnum(['brush', 'polygon'], { default: 'brush' })),
          fromName: Type.Optional(
            Type.String({ minLength: 1, maxLength: 200, description: "The mask tag's name (label)" }),
          ),
          toName: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 200,
              description: 'The Image tag name and data key (image)',
            }),
          ),
          imageUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
        }),
        response: responses({ 200: ref(LabelStudioTasks) }),
      },
    },
    async (request, reply) => {
      const { projectId, passId } = request.params;
      const apiBase = `${request.protocol}://${request.host}`;
      const tasks = await ls().tasksExport(projectId, { passId, apiBase, ...request.query });
      return reply
        .header('content-disposition', `attachment; filename="label-studio-pass-${passId}.json"`)
        .send(tasks);
    },
  );
};
