import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { multipartFiles } from '../../http/multipart-files.ts';
import {
  component,
  file,
  Id,
  list,
  PageQuery,
  ProjectParams,
  page,
  presignedRedirect,
  ref,
  responses,
  StringEnum,
  uploadResponses,
} from '../../http/schemas.ts';
import { ImageSchema, LABEL_SOURCES, PoolStateSchema, SplitSchema } from './dataset.schemas.ts';

const ImageRef = ref(ImageSchema);
const ImagePage = page('ImagePage', ImageRef);
const ImageList = list('ImageList', ImageRef);
const ImageParams = Type.Object({ projectId: Id, imageId: Id });

const UploadedImage = component(
  Type.Intersect(
    [ImageRef, Type.Object({ duplicate: Type.Boolean({ description: 'these bytes were already stored' }) })],
    { $id: 'UploadedImage' },
  ),
);
export const ImageUploadResult = component(
  Type.Object(
    { data: Type.Array(ref(UploadedImage)), created: Type.Integer(), existing: Type.Integer() },
    { $id: 'ImageUploadResult' },
  ),
);

export const imageRoutes = (ctx: AppContext) => async (app: App) => {
  const images = ctx.services.images;
  app.post(
    '/projects/:projectId/images',
    {
      config: {
        multipartBody: {
          type: 'object',
          properties: { files: { type: 'array', items: { type: 'string', format: 'binary' } } },
          required: ['files'],
        },
      },
      schema: {
        operationId: 'uploadImages',
        tags: ['images'],
        summary: 'Upload images (multipart, many files per request, streamed)',
        description:
          'Each file must be a JPEG, PNG, WebP or TIFF that decodes completely, within the byte and pixel limits. ' +
          'Uploading the same bytes again returns the existing image, so retries are safe. A bad file rejects the ' +
          'whole request and names every bad file; nothing of the request is stored.',
        params: ProjectParams,
        querystring: Type.Object({
          split: Type.Optional(SplitSchema),
          poolState: Type.Optional(PoolStateSchema),
        }),
        response: uploadResponses({ 201: ref(ImageUploadResult) }),
      },
    },
    async (request, reply) => {
      const { files } = multipartFiles(request);
      const result = await images.upload(request.params.projectId, files, request.query);
      return reply.status(201).send({
        data: result.images.map(({ existed, ...image }) => ({ ...image, duplicate: existed })),
        created: result.created,
        existing: result.existing,
      });
    },
  );
  app.get(
    '/projects/:projectId/images',
    {
      schema: {
        operationId: 'listImages',
        tags: ['images'],
        summary: 'List images, filtered by split, pool state and label source',
        params: ProjectParams,
        querystring: Type.Object({
          ...PageQuery,
          split: Type.Optional(SplitSchema),
          poolState: Type.Optional(PoolStateSchema),
          labelSource: Type.Optional(StringEnum([...LABEL_SOURCES, 'none'])),
        }),
        response: responses({ 200: ref(ImagePage) }),
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return images.list(request.params.projectId, filter, { limit, cursor });
    },
  );
  app.patch(
    '/projects/:projectId/images',
    {
      schema: {
        operationId: 'updateImages',
        tags: ['images'],
        summary: 'Set split and/or pool state of many images',
        params: ProjectParams,
        body: Type.Object(
          {
            ids: Type.Array(Id, { minItems: 1, maxItems: 10000 }),
            split: Type.Optional(SplitSchema),
            poolState: Type.Optional(PoolStateSchema),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: ref(ImageList) }),
      },
    },
    async (request) => {
      const { ids, ...values } = request.body;
      return { data: await images.updateMany(request.params.projectId, ids, values) };
    },
  );
  app.get(
    '/projects/:projectId/images/:imageId',
    {
      schema: {
        operationId: 'getImage',
        tags: ['images'],
        summary: 'Get an image',
        params: ImageParams,
        response: responses({ 200: ImageRef }),
      },
    },
    async (request) => images.get(request.params.projectId, request.params.imageId),
  );
  app.get(
    '/projects/:projectId/images/:imageId/original',
    {
      schema: {
        operationId: 'getImageOriginal',
        tags: ['images'],
        summary: 'The original bytes as uploaded',
        params: ImageParams,
        response: responses({
          200: file('The bytes as uploaded', ['image/jpeg', 'image/png', 'image/webp', 'image/tiff']),
          302: presignedRedirect,
        }),
      },
    },
    async (request, reply) => {
      const { image, stream, url } = await images.original(request.params.projectId, request.params.imageId);
      if (url) return reply.redirect(url, 302);
      return reply
        .type(image.mimeType)
        .header('content-length', image.bytes)
        .header('etag', `"${image.sha256}"`)
        .header('cache-control', 'private, max-age=31536000, immutable')
        .send(stream);
    },
  );
};
