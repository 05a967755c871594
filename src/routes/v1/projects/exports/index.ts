import { Type } from 'typebox';
import type { App } from '../../../../app.ts';
import type { AppContext } from '../../../../context.ts';
import {
  DateTime,
  Id,
  LabelSourceSchema,
  PageQuery,
  PoolStateSchema,
  ProjectParams,
  page,
  responses,
  SplitSchema,
} from '../../../schemas.ts';

const ExportSchema = Type.Object({
  id: Id,
  projectId: Id,
  format: Type.String(),
  filter: Type.Record(Type.String(), Type.Unknown()),
  status: Type.Union([Type.Literal('queued'), Type.Literal('ready'), Type.Literal('failed')]),
  sha256: Type.Union([Type.String(), Type.Null()]),
  bytes: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  createdAt: DateTime,
  finishedAt: Type.Union([DateTime, Type.Null()]),
});
const ExportParams = Type.Object({ projectId: Id, exportId: Id });

export const exportRoutes = (ctx: AppContext) => async (app: App) => {
  const exports = ctx.services.exports;
  app.post(
    '/projects/:projectId/exports',
    {
      schema: {
        tags: ['coco'],
        summary: 'Write a COCO export in the background; `export.ready` announces it',
        params: ProjectParams,
        body: Type.Object(
          {
            split: Type.Optional(SplitSchema),
            poolState: Type.Optional(PoolStateSchema),
            source: Type.Optional(LabelSourceSchema),
          },
          { additionalProperties: false },
        ),
        response: responses({ 202: ExportSchema }),
      },
    },
    async (request, reply) =>
      reply.status(202).send(await exports.create(request.params.projectId, request.body)),
  );
  app.get(
    '/projects/:projectId/exports',
    {
      schema: {
        tags: ['coco'],
        summary: 'List exports',
        params: ProjectParams,
        querystring: Type.Object(PageQuery),
        response: responses({ 200: page(ExportSchema) }),
      },
    },
    async (request) => exports.list(request.params.projectId, request.query),
  );
  app.get(
    '/projects/:projectId/exports/:exportId',
    {
      schema: {
        tags: ['coco'],
        summary: 'Get an export',
        params: ExportParams,
        response: responses({ 200: ExportSchema }),
      },
    },
    async (request) => exports.get(request.params.projectId, request.params.exportId),
  );
  app.get(
    '/projects/:projectId/exports/:exportId/coco.json',
    {
      schema: {
        tags: ['coco'],
        summary: 'Download a ready export',
        params: ExportParams,
        produces: ['application/json'],
      },
    },
    async (request, reply) => {
      const { row, stream } = await exports.download(request.params.projectId, request.params.exportId);
      return reply
        .type('application/json')
        .header('content-length', row.bytes ?? undefined)
        .header(
          'content-disposition',
          `attachment; filename="project-${row.projectId}-export-${row.id}-coco.json"`,
        )
        .send(stream);
    },
  );
};
