import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import {
  component,
  DateTime,
  file,
  Id,
  PageQuery,
  ProjectParams,
  page,
  presignedRedirect,
  ref,
  responses,
} from '../../http/schemas.ts';
import { onnxFileName } from './model-version.service.ts';

const Numbers = Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]));
const NullableId = Type.Union([Id, Type.Null()]);

const versionFields = {
  id: Id,
  projectId: Id,
  parentId: Type.Union([Id, Type.Null()], { description: 'The version this one was warm-started from' }),
  trainingJobId: NullableId,
  labelSnapshotId: NullableId,
  preset: Type.String(),
  hyper: Type.Record(Type.String(), Type.Unknown(), { description: 'Resolved hyper-parameters' }),
  metrics: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]), {
    description: 'Val metrics of the exported (best) checkpoint: segmAP, segmAP50, bboxAP, ...',
  }),
  trainingSeconds: Type.Number(),
  device: Type.String(),
  onnxSha256: Type.String(),
  onnxBytes: Type.Integer(),
  checkpointSha256: Type.Union([Type.String(), Type.Null()], {
    description: 'The PyTorch checkpoint warm starts use; null for uploaded models',
  }),
  active: Type.Boolean(),
  createdAt: DateTime,
};

const ModelVersionSummary = component(
  Type.Object(versionFields, { $id: 'ModelVersionSummary', description: 'A model version as listed' }),
);
const ModelVersionPage = page('ModelVersionPage', ref(ModelVersionSummary));

const LineageEntry = Type.Object({
  id: Id,
  parentId: NullableId,
  trainingJobId: NullableId,
  preset: Type.String(),
  metrics: Numbers,
  createdAt: DateTime,
});

const ModelVersionSchema = component(
  Type.Intersect(
    [
      ref(ModelVersionSummary),
      Type.Object({
        metadata: Type.Record(Type.String(), Type.Unknown(), {
          description: "The ONNX model's metadata.json",
        }),
        lineage: Type.Array(LineageEntry, { description: 'Ancestors by warm start, parent first' }),
      }),
    ],
    { $id: 'ModelVersion', description: 'A model version with its metadata and lineage' },
  ),
);
const ModelVersion = ref(ModelVersionSchema);

const VersionParams = Type.Object({ projectId: Id, versionId: Id });

export const modelVersionRoutes = (ctx: AppContext) => async (app: App) => {
  const versions = () => ctx.services.modelVersions;
  app.get(
    '/projects/:projectId/model-versions',
    {
      schema: {
        operationId: 'listModelVersions',
        tags: ['models'],
        summary: 'List model versions with their metrics and parents',
        params: ProjectParams,
        querystring: Type.Object(PageQuery),
        response: responses({ 200: ref(ModelVersionPage) }),
      },
    },
    async (request) => versions().list(request.params.projectId, request.query),
  );
  app.get(
    '/projects/:projectId/model-versions/:versionId',
    {
      schema: {
        operationId: 'getModelVersion',
        tags: ['models'],
        summary: 'A model version with its metadata and lineage',
        params: VersionParams,
        response: responses({ 200: ModelVersion }),
      },
    },
    async (request) => versions().get(request.params.projectId, request.params.versionId),
  );
  app.post(
    '/projects/:projectId/model-versions/:versionId/activate',
    {
      schema: {
        operationId: 'activateModelVersion',
        tags: ['models'],
        summary: "Make this the project's active model version (one per project)",
        params: VersionParams,
        response: responses({ 200: ModelVersion }),
      },
    },
    async (request) => versions().activate(request.params.projectId, request.params.versionId),
  );
  app.get(
    '/projects/:projectId/model-versions/:versionId/model.onnx',
    {
      schema: {
        operationId: 'downloadModelVersion',
        tags: ['models'],
        summary: 'Download the ONNX model',
        params: VersionParams,
        response: responses({
          200: file('The ONNX model', ['application/octet-stream']),
          302: presignedRedirect,
        }),
      },
    },
    async (request, reply) => {
      const { version, stream, url } = await versions().onnx(
        request.params.projectId,
        request.params.versionId,
      );
      if (url) return reply.redirect(url, 302);
      return reply
        .type('application/octet-stream')
        .header('content-length', version.onnxBytes)
        .header('content-disposition', `attachment; filename="${onnxFileName(version.id)}"`)
        .header('etag', `"${version.onnxSha256}"`)
        .send(stream);
    },
  );
};
