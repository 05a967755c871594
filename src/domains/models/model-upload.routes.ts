import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { component, DateTime, Id, ProjectParams, ref, uploadResponses } from '../../http/schemas.ts';
import type { ReceivedUpload } from './model-upload.service.ts';

const UploadedVersion = component(
  Type.Object(
    {
      id: Id,
      projectId: Id,
      preset: Type.String({ description: '`uploaded`' }),
      onnxSha256: Type.String(),
      onnxBytes: Type.Integer(),
      metadata: Type.Record(Type.String(), Type.Unknown(), {
        description: 'categories [{label, id, name}], scoreThreshold, maskThreshold',
      }),
      active: Type.Boolean(),
      createdAt: DateTime,
    },
    { $id: 'UploadedModelVersion', description: 'The model version an upload created' },
  ),
);

const MAX_MODEL_BYTES = 2 * 1024 ** 3;

export const modelUploadRoutes = (ctx: AppContext) => async (app: App) => {
  const uploads = ctx.services.modelUploads;
  app.post(
    '/projects/:projectId/model-versions/upload',
    {
      config: {
        multipartBody: {
          type: 'object',
          properties: {
            model: { type: 'string', format: 'binary', description: 'torchvision Mask R-CNN ONNX export' },
            metadata: {
              type: 'string',
              description:
                'JSON: {"categories": [{"label": 1, "categoryId": 7}], "scoreThreshold": 0.5, "maskThreshold": 0.5}',
            },
          },
          required: ['model', 'metadata'],
        },
      },
      schema: {
        operationId: 'uploadModelVersion',
        tags: ['models'],
        summary: 'Upload your own Mask R-CNN (ONNX) as a model version',
        description:
          "torchvision's export form: one float32 CHW RGB image in [0, 1] in; boxes, labels (int64), scores and " +
          'masks [N,1,H,W] out. Accepted only after onnxruntime loaded it and ran it once on a small image; a file ' +
          'that fails is refused with 422 naming `model`. The metadata maps model labels to project categories.',
        params: ProjectParams,
        response: uploadResponses({ 201: ref(UploadedVersion) }),
      },
    },
    async (request, reply) => {
      const version = await uploads.upload(request.params.projectId, async () => {
        const received: ReceivedUpload = {};
        for await (const part of request.parts({ limits: { fileSize: MAX_MODEL_BYTES } })) {
          if (part.type === 'field') {
            if (part.fieldname === 'metadata') received.metadata = String(part.value);
          } else if (part.fieldname === 'model' && !received.staged) {
            received.staged = await uploads.stage(part.file);
            received.fileName = part.filename;
          } else {
            part.file.resume();
          }
        }
        return received;
      });
      return reply
        .status(201)
        .header('location', `/v1/projects/${version.projectId}/model-versions/${version.id}`)
        .send(version);
    },
  );
};
