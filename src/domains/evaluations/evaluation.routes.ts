import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import {
  component,
  DateTime,
  Id,
  numbers,
  PageQuery,
  ProjectParams,
  page,
  ref,
  responses,
  StringEnum,
} from '../../http/schemas.ts';
import { RleSchema, SplitSchema } from '../datasets/dataset.schemas.ts';

const EvaluationSchema = component(
  Type.Object(
    {
      id: Id,
      projectId: Id,
      split: SplitSchema,
      iouType: StringEnum(['segm', 'bbox']),
      modelVersionId: Type.Union([Id, Type.Null()]),
      status: StringEnum(['queued', 'completed', 'failed']),
      inputs: Type.Record(Type.String(), Type.Unknown()),
      result: Type.Union([
        Type.Object(
          {
            stats: Type.Array(Type.Number(), {
              description: "the 12 COCO summary stats in pycocotools' order",
            }),
            perCategory: Type.Array(
              Type.Object({ id: Id, name: Type.String(), ap: Type.Number(), ap50: Type.Number() }),
            ),
            summary: Type.String(),
            images: Type.Integer(),
            groundTruth: Type.Integer(),
            detections: Type.Integer(),
          },
          { additionalProperties: true },
        ),
        Type.Null(),
      ]),
      resultsSha256: Type.Union([Type.String(), Type.Null()]),
      error: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
      createdAt: DateTime,
      finishedAt: Type.Union([DateTime, Type.Null()]),
    },
    { $id: 'Evaluation', description: 'A COCO evaluation: its inputs and, once completed, its stats' },
  ),
);
const Evaluation = ref(EvaluationSchema);
const EvaluationPage = page('EvaluationPage', Evaluation);

export const evaluationRoutes = (ctx: AppContext) => async (app: App) => {
  const evaluations = ctx.services.evaluations;
  app.post(
    '/projects/:projectId/evaluations',
    {
      // A COCO results list can run to tens of megabytes, as an import does: the same cap.
      bodyLimit: ctx.config.coco.maxBytes,
      schema: {
        operationId: 'createEvaluation',
        tags: ['evaluations'],
        summary: "COCO evaluation of a model version, or of COCO results, against a split's labels",
        description:
          'With `modelVersionId` the evaluation is queued (202): a worker predicts the split with onnxruntime and ' +
          "evaluates. With `results` (a COCO results list in this project's image and category ids) it is computed " +
          "at once (201). Ground truth is the split's labels of source import or human. Numbers match pycocotools.",
        params: ProjectParams,
        body: Type.Object(
          {
            split: SplitSchema,
            iouType: Type.Optional(StringEnum(['segm', 'bbox'])),
            modelVersionId: Type.Optional(Id),
            results: Type.Optional(
              Type.Array(
                Type.Object({
                  image_id: Id,
                  category_id: Id,
                  score: Type.Number(),
                  segmentation: Type.Optional(ref(RleSchema)),
                  bbox: Type.Optional(numbers<[number, number, number, number]>(4)),
                }),
                { maxItems: 1_000_000 },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: responses({ 201: Evaluation, 202: Evaluation }),
      },
    },
    async (request, reply) => {
      const row = await evaluations.create(request.params.projectId, request.body);
      return reply.status(row.status === 'queued' ? 202 : 201).send(row as never);
    },
  );
  app.get(
    '/projects/:projectId/evaluations',
    {
      schema: {
        operationId: 'listEvaluations',
        tags: ['evaluations'],
        summary: 'List evaluations',
        params: ProjectParams,
        querystring: Type.Object(PageQuery),
        response: responses({ 200: ref(EvaluationPage) }),
      },
    },
    async (request) => evaluations.list(request.params.projectId, request.query) as never,
  );
  app.get(
    '/projects/:projectId/evaluations/:evaluationId',
    {
      schema: {
        operationId: 'getEvaluation',
        tags: ['evaluations'],
        summary: 'Get an evaluation with its stats and inputs',
        params: Type.Object({ projectId: Id, evaluationId: Id }),
        response: responses({ 200: Evaluation }),
      },
    },
    async (request) => evaluations.get(request.params.projectId, request.params.evaluationId) as never,
  );
};
