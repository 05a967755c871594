import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import { AppError, validationError } from '../../errors/problem.ts';
import type { App } from '../../http/app-type.ts';
import { MAX_ID } from '../../http/ids.ts';
import { component, Id, ref, StringEnum, uploadResponses } from '../../http/schemas.ts';
import { BboxSchema, RleSchema } from '../datasets/dataset.schemas.ts';
import { JudgeConfigSchema } from '../passes/pass.schemas.ts';
import type { PredictInput, VersionRef } from './predict.service.ts';

const Rate = Type.Number({ minimum: 0, maximum: 1 });

const options = {
  judge: Type.Optional(ref(JudgeConfigSchema)),
  scoreThreshold: Type.Optional({
    ...Rate,
    description: "Keep detections scoring at least this; default the model's",
  }),
  overlay: Type.Optional(
    Type.Boolean({ description: 'Also return the Set-of-Mark overlay (as a data: URL) the judge is shown' }),
  ),
};

/** The same options as multipart fields (not a component: the document shows the multipart body). */
const PredictOptions = Type.Object(options, { additionalProperties: false });

export const PredictUrlBody = component(
  Type.Object(
    {
      url: Type.String({ minLength: 1, maxLength: 4096, description: 'http(s) URL of the image' }),
      ...options,
    },
    {
      $id: 'PredictUrlBody',
      additionalProperties: false,
      description: 'Predict an image fetched from a URL',
    },
  ),
);

export const PredictedInstanceSchema = component(
  Type.Object(
    {
      categoryId: Id,
      categoryName: Type.String(),
      score: Type.Number(),
      bbox: BboxSchema,
      segmentation: ref(RleSchema),
      area: Type.Number({ description: 'Mask pixels' }),
    },
    { $id: 'PredictedInstance', description: 'One detection: class, score, box and mask (COCO RLE)' },
  ),
);

export const PredictResultSchema = component(
  Type.Object(
    {
      modelVersionId: Id,
      width: Type.Integer({ description: 'after EXIF orientation' }),
      height: Type.Integer({ description: 'after EXIF orientation' }),
      scoreThreshold: Type.Number(),
      detections: Type.Array(ref(PredictedInstanceSchema)),
      judgement: Type.Optional(
        Type.Object({
          verdict: StringEnum(['approve', 'reject', 'abstain', 'error']),
          approvalConfidence: Type.Union([Rate, Type.Null()], {
            description:
              'How sure the judge is that the predictions should be approved (1 - confidence for a rejection)',
          }),
          reason: Type.String(),
          missedObjects: Type.Union([Type.Integer(), Type.Null()]),
          judge: Type.Record(Type.String(), Type.Unknown()),
          latencyMs: Type.Number(),
          error: Type.Union([
            Type.Object({ code: Type.String(), message: Type.String(), retryable: Type.Boolean() }),
            Type.Null(),
          ]),
        }),
      ),
      verdicts: Type.Optional(
        Type.Array(
          Type.Object({
            detection: Type.Integer({ minimum: 0, description: 'Index into detections' }),
            verdict: StringEnum(['correct', 'wrong_class', 'bad_mask', 'not_an_object']),
            note: Type.Optional(Type.String()),
          }),
          { description: "The judge's per-instance verdicts, when a judge was asked" },
        ),
      ),
      overlayUrl: Type.Optional(
        Type.String({ description: 'data:image/png;base64,... when overlay was asked' }),
      ),
    },
    { $id: 'PredictResult', description: 'The detections of one image, and the judgement when asked' },
  ),
);

const PredictParams = Type.Object({
  projectId: Id,
  version: Type.String({
    pattern: '^([1-9][0-9]{0,15}|active)$',
    description: 'A model version id, or `active`',
  }),
});

export const predictRoutes = (ctx: AppContext) => async (app: App) => {
  app.post(
    '/projects/:projectId/model-versions/:version/predict',
    {
      config: {
        // Both forms in the document: the transform in http/openapi-document.ts passes `content` through.
        multipartBody: {
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: {
                  image: { type: 'string', format: 'binary', description: 'JPEG, PNG, WebP or TIFF' },
                  judge: { type: 'string', description: 'JSON: a JudgeConfig (vlm or accept-all)' },
                  scoreThreshold: { type: 'number', minimum: 0, maximum: 1 },
                  overlay: { type: 'boolean' },
                },
                required: ['image'],
              },
            },
            'application/json': { schema: ref(PredictUrlBody) },
          },
        },
      },
      schema: {
        operationId: 'predictImage',
        tags: ['models'],
        summary: 'Predict one image now with a model version (or `active`), optionally judged',
        description:
          'Send multipart/form-data with an `image` part, or application/json `PredictUrlBody` ({"url": ...}); the ' +
          'URL is fetched through the same guard as webhooks (no private targets unless the operator allows them, no ' +
          'redirects). `judge` may be `vlm` or `accept-all`: the oracle judges need ground truth, which an image ' +
          'from outside the project lacks. The model is loaded once per version and kept.',
        params: PredictParams,
        response: uploadResponses({ 200: ref(PredictResultSchema) }),
      },
    },
    async (request) => {
      const { projectId } = request.params;
      // The path first: a malformed version is a 400 whatever the body.
      const version = versionRef(request.params.version);
      const input = request.isMultipart()
        ? await multipartInput(request)
        : jsonInput(request.body, request.compileValidationSchema(ref(PredictUrlBody)));
      return ctx.services.predict.predict(projectId, version, input);
    },
  );
};

function versionRef(raw: string): VersionRef {
  const id = raw === 'active' ? 'active' : Number(raw);
  if (id !== 'active' && !(id <= MAX_ID)) {
    // Like every id in a path: a malformed one is a bad request (400), not an invalid body.
    const reason = `must be an id written in plain digits (1 to ${MAX_ID}) or "active"; got "${raw}"`;
    throw new AppError('bad-request', `version ${reason}`, [{ name: 'version', reason }]);
  }
  return id;
}

type Validate = ((data: unknown) => boolean) & {
  errors?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] | null;
};

function jsonInput(body: unknown, validate: Validate): PredictInput {
  if (body === undefined || body === null)
    throw validationError('body', 'send multipart/form-data with an image part, or JSON with a url');
  if (!validate(body)) {
    const errors = (validate.errors ?? []).map((e) => {
      const path = e.instancePath.replace(/^\//, '').split('/').filter(Boolean);
      // A missing property is reported on its parent; name the property itself.
      if (typeof e.params?.missingProperty === 'string') path.push(e.params.missingProperty);
      return { name: path.join('.') || 'body', reason: e.message ?? 'is invalid' };
    });
    throw new AppError('validation', errors.map((e) => `${e.name} ${e.reason}`).join('; '), errors);
  }
  return body as PredictInput;
}

/** The image part's bytes and the option fields, checked with the JSON body's schema. */
async function multipartInput(request: FastifyRequest): Promise<PredictInput> {
  const input: PredictInput & Record<string, unknown> = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname === 'image' && !input.image) input.image = await part.toBuffer();
      else part.file.resume();
    } else if (part.fieldname === 'judge') input.judge = parseJson(String(part.value), 'judge');
    else if (part.fieldname === 'scoreThreshold')
      input.scoreThreshold = numberField(part.value, 'scoreThreshold');
    else if (part.fieldname === 'overlay') input.overlay = String(part.value) === 'true';
  }
  if (!input.image) throw validationError('image', 'missing the image part');
  const { image, ...rest } = input;
  jsonInput(rest, request.compileValidationSchema(PredictOptions) as Validate);
  return input;
}

function parseJson<T>(text: string, field: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw validationError(field, `is not JSON: ${(err as Error).message}`);
  }
}

function numberField(value: unknown, field: string): number {
  const n = Number(value);
  if (String(value).trim() === '' || !Number.isFinite(n)) throw validationError(field, 'must be a number');
  return n;
}
