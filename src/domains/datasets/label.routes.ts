import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { Id, list, PageQuery, ProjectParams, page, ref, responses, StringEnum } from '../../http/schemas.ts';
import { LabelSchema, LabelSourceSchema } from './dataset.schemas.ts';

const LabelRef = ref(LabelSchema);
const LabelPage = page('LabelPage', LabelRef);
const LabelList = list('LabelList', LabelRef);

const LabelInput = Type.Object(
  {
    categoryId: Id,
    segmentation: Type.Unknown({
      description:
        'COCO segmentation: polygons [[x1,y1,...]], uncompressed RLE {size,counts:[...]}, or compressed RLE',
    }),
    iscrowd: Type.Optional(Type.Boolean()),
    source: Type.Optional(StringEnum(['human', 'import'], { default: 'human' })),
    provenance: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

export const labelRoutes = (ctx: AppContext) => async (app: App) => {
  const labels = ctx.services.labels;
  app.post(
    '/projects/:projectId/images/:imageId/labels',
    {
      schema: {
        operationId: 'createLabels',
        tags: ['labels'],
        summary: 'Add instance labels to an image; bbox and area are derived from the mask',
        params: Type.Object({ projectId: Id, imageId: Id }),
        body: Type.Object({ labels: Type.Array(LabelInput, { minItems: 1, maxItems: 1000 }) }),
        response: responses({ 201: ref(LabelList) }),
      },
    },
    async (request, reply) =>
      reply.status(201).send({
        data: await labels.create(request.params.projectId, request.params.imageId, request.body.labels),
      }),
  );
  app.get(
    '/projects/:projectId/labels',
    {
      schema: {
        operationId: 'listLabels',
        tags: ['labels'],
        summary: 'List labels, by image and source',
        params: ProjectParams,
        querystring: Type.Object({
          ...PageQuery,
          imageId: Type.Optional(Id),
          source: Type.Optional(LabelSourceSchema),
        }),
        response: responses({ 200: ref(LabelPage) }),
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return labels.list(request.params.projectId, filter, { limit, cursor });
    },
  );
  app.delete(
    '/projects/:projectId/labels/:labelId',
    {
      schema: {
        operationId: 'deleteLabel',
        tags: ['labels'],
        summary: 'Delete a label',
        params: Type.Object({ projectId: Id, labelId: Id }),
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await labels.delete(request.params.projectId, request.params.labelId);
      return reply.status(204).send(null);
    },
  );
};
