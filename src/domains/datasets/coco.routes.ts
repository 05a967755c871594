import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import { validationError } from '../../errors/problem.ts';
import type { App } from '../../http/app-type.ts';
import { multipartFiles } from '../../http/multipart-files.ts';
import {
  COCO_FILE,
  component,
  file,
  ProjectParams,
  ref,
  responses,
  StringEnum,
  uploadResponses,
} from '../../http/schemas.ts';
import { exportStream } from '../exports/export-stream.ts';
import { LabelSourceSchema, PoolStateSchema, SplitSchema } from './dataset.schemas.ts';

const ImportResult = component(
  Type.Object(
    {
      images: Type.Integer(),
      annotations: Type.Integer(),
      categoriesCreated: Type.Array(Type.String()),
      replacedLabels: Type.Integer(),
    },
    { $id: 'CocoImportResult', description: 'What a COCO import stored' },
  ),
);

const ImportQuery = Type.Object({
  createCategories: Type.Optional(Type.Boolean({ default: false })),
  source: Type.Optional(StringEnum(['import', 'human'], { default: 'import' })),
});

export const cocoRoutes = (ctx: AppContext) => async (app: App) => {
  const coco = ctx.services.coco;
  app.post(
    '/projects/:projectId/coco-imports',
    {
      // COCO files outgrow ordinary bodies, but JSON.parse blocks the event loop (about 20 ms per MB
      // measured), so they get a cap of their own; multipart's `annotations` part is capped alike below.
      bodyLimit: ctx.config.coco.maxBytes,
      config: {
        multipartBody: {
          type: 'object',
          properties: {
            annotations: { type: 'string', format: 'binary', description: 'COCO instances JSON' },
            files: { type: 'array', items: { type: 'string', format: 'binary' } },
          },
          required: ['annotations'],
        },
      },
      schema: {
        operationId: 'importCoco',
        tags: ['coco'],
        summary: 'Import COCO instance labels, optionally with the images (multipart), in one transaction',
        description:
          'Send application/json with the COCO object, or multipart/form-data with an `annotations` part and image ' +
          'files. Images are matched by file_name. Any problem rejects the whole import and names the JSON path of ' +
          'each offending field. Re-importing replaces the labels of the same source on those images, so retries are safe.',
        params: ProjectParams,
        querystring: ImportQuery,
        response: uploadResponses({ 201: ref(ImportResult) }),
      },
    },
    async (request, reply) => {
      const { projectId } = request.params;
      if (!request.isMultipart())
        return reply.status(201).send(await coco.import(projectId, request.body, request.query));
      const { files, fields } = multipartFiles(request, {
        keepAsText: 'annotations',
        maxTextBytes: ctx.config.coco.maxBytes,
      });
      const readAnnotations = () => {
        const text = fields.get('annotations');
        if (text === undefined) throw validationError('annotations', 'missing the COCO JSON part');
        try {
          return JSON.parse(text) as unknown;
        } catch (err) {
          throw validationError('annotations', `is not JSON: ${(err as Error).message}`);
        }
      };
      const result = await coco.import(projectId, readAnnotations, { ...request.query, files });
      return reply.status(201).send(result);
    },
  );
  app.get(
    '/projects/:projectId/coco-export',
    {
      schema: {
        operationId: 'exportCoco',
        tags: ['coco'],
        summary: 'Export labels as a COCO instances file (streamed; masks as compressed RLE)',
        params: ProjectParams,
        querystring: Type.Object({
          split: Type.Optional(SplitSchema),
          poolState: Type.Optional(PoolStateSchema),
          source: Type.Optional(LabelSourceSchema),
        }),
        response: responses({
          200: file('The COCO instances file (streamed)', ['application/json'], COCO_FILE),
        }),
      },
    },
    async (request, reply) => {
      const { projectId } = request.params;
      await ctx.services.projects.get(projectId);
      const name = `project-${projectId}${request.query.split ? `-${request.query.split}` : ''}-coco.json`;
      return reply
        .type('application/json')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(exportStream(coco.export(projectId, request.query)));
    },
  );
};
