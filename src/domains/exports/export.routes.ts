import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import {
  COCO_FILE,
  component,
  DateTime,
  file,
  Id,
  PageQuery,
  ProjectParams,
  page,
  ref,
  responses,
  StringEnum,
} from '../../http/schemas.ts';
import { LabelSourceSchema, PoolStateSchema, SplitSchema } from '../datasets/dataset.schemas.ts';

const ExportSchema = component(
  Type.Object(
    {
      id: Id,
      projectId: Id,
      format: Type.String(),
      filter: Type.Record(Type.String(), Type.Unknown()),
      status: StringEnum(['queued', 'ready', 'failed']),
      sha256: Type.Union([Type.String(), Type.Null()]),
      bytes: Type.Union([Type.Integer(), Type.Null()]),
      error: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
      createdAt: DateTime,
      finishedAt: Type.Union([DateTime, Type.Null()]),
    },
    { $id: 'Export', description: 'A COCO export written in the background' },
  ),
);
const ExportRef = ref(ExportSchema);
const ExportPage = page('ExportPage', ExportRef);
const ExportParams = Type.Object({ projectId: Id, exportId: Id });

export const exportRoutes = (ctx: AppContext) => async (app: App) => {
  const exports = ctx.services.exports;
  app.post(
    '/projects/:projectId/exports',
    {
      schema: {
        operationId: 'createExport',
        tags: ['exports'],
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
        response: responses({ 202: ExportRef }),
      },
    },
    async (request, reply) =>
      reply.status(202).send(await exports.create(request.params.projectId, request.body)),
  );
  app.get(
    '/projects/:projectId/exports',
    {
      schema: {
        operationId: 'listExports',
        tags: ['exports'],
        summary: 'List exports',
        params: ProjectParams,
        querystring: Type.Object(PageQuery),
        response: responses({ 200: ref(ExportPage) }),
      },
    },
    async (request) => exports.list(request.params.projectId, request.query),
  );
  app.get(
    '/projects/:projectId/exports/:exportId',
    {
      schema: {
        operationId: 'getExport',
        tags: ['exports'],
        summary: 'Get an export',
        params: ExportParams,
        response: responses({ 200: ExportRef }),
      },
    },
    async (request) => exports.get(request.params.projectId, request.params.exportId),
  );
  app.get(
    '/projects/:projectId/exports/:exportId/coco.json',
    {
      schema: {
        operationId: 'downloadExport',
        tags: ['exports'],
        summary: 'Download a ready export',
        params: ExportParams,
        response: responses({
          200: file('The COCO instances file (streamed)', ['application/json'], COCO_FILE),
        }),
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
