import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { file, Id, ProjectParams, responses } from '../../http/schemas.ts';
import { PoolStateSchema, SplitSchema } from '../datasets/dataset.schemas.ts';

const COCO_RESULTS = {
  type: 'array',
  items: { type: 'object', additionalProperties: true },
  description:
    'COCO results (pycocotools loadRes): image_id, category_id, segmentation (compressed RLE), bbox, score, area; ' +
    'then prediction_id, pass_id, model_version_id, drawn_index, image_verdict, instance_verdict, accepted, judge',
};
const CVAT_COCO = {
  type: 'object',
  additionalProperties: true,
  description:
    'COCO 1.0 as CVAT imports it: licenses, info, categories, images, annotations (uncompressed RLE)',
};

export const toolExportRoutes = (ctx: AppContext) => async (app: App) => {
  const service = ctx.services.toolExports;
  const send = (reply: FastifyReply, name: string, body: AsyncGenerator<string>) =>
    reply
      .type('application/json')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(Readable.from(body));
  app.get(
    '/projects/:projectId/passes/:passId/coco-results.json',
    {
      schema: {
        operationId: 'exportPassCocoResults',
        tags: ['exports'],
        summary: "A pass's predictions as COCO results with their verdicts (pycocotools loadRes, FiftyOne)",
        description:
          'Every prediction of the pass, also those under its score threshold (drawn_index null), so AP can be ' +
          'computed from it. instance_verdict is the reviewer’s per-instance verdict when there is one, else the judge’s.',
        params: Type.Object({ projectId: Id, passId: Id }),
        response: responses({ 200: file('COCO results (streamed)', ['application/json'], COCO_RESULTS) }),
      },
    },
    async (request, reply) => {
      const { projectId, passId } = request.params;
      const body = await service.passResults(projectId, passId);
      return send(reply, `project-${projectId}-pass-${passId}-coco-results.json`, body);
    },
  );
  app.get(
    '/projects/:projectId/model-versions/:versionId/coco-results.json',
    {
      schema: {
        operationId: 'exportModelVersionCocoResults',
        tags: ['exports'],
        summary: "A model version's predictions as COCO results, the latest pass per image",
        params: Type.Object({ projectId: Id, versionId: Id }),
        response: responses({ 200: file('COCO results (streamed)', ['application/json'], COCO_RESULTS) }),
      },
    },
    async (request, reply) => {
      const { projectId, versionId } = request.params;
      const body = await service.modelVersionResults(projectId, versionId);
      return send(reply, `project-${projectId}-model-version-${versionId}-coco-results.json`, body);
    },
  );
  app.get(
    '/projects/:projectId/cvat-coco-export',
    {
      schema: {
        operationId: 'exportCvatCoco',
        tags: ['exports'],
        summary: 'Labels as COCO 1.0 that CVAT imports (Upload annotations, format "COCO 1.0")',
        description:
          'Images by bare file name (CVAT matches them to the task’s frames), masks as uncompressed RLE like ' +
          'CVAT’s own export, the labels of record of each labelled image; unlabelled images have none.',
        params: ProjectParams,
        querystring: Type.Object({
          split: Type.Optional(SplitSchema),
          poolState: Type.Optional(PoolStateSchema),
        }),
        response: responses({ 200: file('COCO 1.0 (streamed)', ['application/json'], CVAT_COCO) }),
      },
    },
    async (request, reply) => {
      const { projectId } = request.params;
      await ctx.services.projects.get(projectId);
      return send(
        reply,
        `project-${projectId}-cvat-coco-1.0.json`,
        ctx.services.toolExports.cvatCoco(projectId, request.query),
      );
    },
  );
};
