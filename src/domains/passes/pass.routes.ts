import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import {
  component,
  file,
  Id,
  list,
  PageQuery,
  ProjectParams,
  page,
  ref,
  responses,
} from '../../http/schemas.ts';
import {
  CreatePassBody,
  PassImageSchema,
  PassImageStateSchema,
  PassSchema,
  PassStatusSchema,
  PredictionSchema,
  ReviewBody,
  ReviewItemSchema,
} from './pass.schemas.ts';

const PassRef = ref(PassSchema);
const PassPage = page('PassPage', PassRef);
const PassImagePage = page('PassImagePage', ref(PassImageSchema));
const PredictionPage = page('PredictionPage', ref(PredictionSchema));
const ReviewItemList = list('ReviewItemList', ref(ReviewItemSchema));
const ReviewResult = component(
  Type.Intersect([ref(PassImageSchema), Type.Object({ labelsCreated: Type.Integer({ minimum: 0 }) })], {
    $id: 'ReviewResult',
    description: 'The reviewed image, and how many labels its verdict created',
  }),
);

const PassParams = Type.Object({ projectId: Id, passId: Id });
const PassImageParams = Type.Object({ projectId: Id, passId: Id, imageId: Id });
const ImageParams = Type.Object({ projectId: Id, imageId: Id });

export const passRoutes = (ctx: AppContext) => async (app: App) => {
  const passes = ctx.services.passes;
  app.post(
    '/projects/:projectId/passes',
    {
      schema: {
        operationId: 'createPass',
        tags: ['passes'],
        summary: 'Start a predict-and-judge pass',
        description:
          'A model version predicts on the selected images (default: the unlabelled pool of the train split) and ' +
          'a judge decides each: the oracle or a simulation of it against ground truth, a VLM, or human reviewers. ' +
          'Approved images get their drawn predictions as labels (source approved_prediction) and join the labelled ' +
          'pool. 202 with the pass; workers do the work, batch by batch, surviving restarts.',
        params: ProjectParams,
        body: CreatePassBody,
        response: responses({ 202: PassRef }),
      },
    },
    async (request, reply) => {
      const pass = await passes.create(request.params.projectId, request.body);
      return reply
        .status(202)
        .header('location', `/v1/projects/${pass.projectId}/passes/${pass.id}`)
        .send(pass);
    },
  );
  app.get(
    '/projects/:projectId/passes',
    {
      schema: {
        operationId: 'listPasses',
        tags: ['passes'],
        summary: 'List passes',
        params: ProjectParams,
        querystring: Type.Object({ ...PageQuery, status: Type.Optional(PassStatusSchema) }),
        response: responses({ 200: ref(PassPage) }),
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      return passes.list(request.params.projectId, { status }, { limit, cursor });
    },
  );
  app.get(
    '/projects/:projectId/passes/:passId',
    {
      schema: {
        operationId: 'getPass',
        tags: ['passes'],
        summary: 'A pass with its progress, counts and (once completed) agreement with the oracle',
        params: PassParams,
        response: responses({ 200: PassRef }),
      },
    },
    async (request) => passes.get(request.params.projectId, request.params.passId),
  );
  app.post(
    '/projects/:projectId/passes/:passId/cancel',
    {
      schema: {
        operationId: 'cancelPass',
        tags: ['passes'],
        summary: 'Cancel a pass',
        description: 'No image of it is predicted, judged or accepted afterwards. 409 when it already ended.',
        params: PassParams,
        response: responses({ 200: PassRef }),
      },
    },
    async (request) => passes.cancel(request.params.projectId, request.params.passId),
  );
  app.get(
    '/projects/:projectId/passes/:passId/images',
    {
      schema: {
        operationId: 'listPassImages',
        tags: ['passes'],
        summary: "List a pass's images with their state and verdicts",
        params: PassParams,
        querystring: Type.Object({ ...PageQuery, state: Type.Optional(PassImageStateSchema) }),
        response: responses({ 200: ref(PassImagePage) }),
      },
    },
    async (request) => {
      const { limit, cursor, state } = request.query;
      return passes.listImages(request.params.projectId, request.params.passId, { state }, { limit, cursor });
    },
  );
  app.get(
    '/projects/:projectId/passes/:passId/images/:imageId',
    {
      schema: {
        operationId: 'getPassImage',
        tags: ['passes'],
        summary: 'One image of a pass: state, verdicts and exactly the instances its overlay draws',
        params: PassImageParams,
        response: responses({ 200: ref(PassImageSchema) }),
      },
    },
    async (request) => {
      const { projectId, passId, imageId } = request.params;
      return passes.image(projectId, passId, imageId);
    },
  );
  app.get(
    '/projects/:projectId/passes/:passId/images/:imageId/overlay.png',
    {
      schema: {
        operationId: 'getPassImageOverlay',
        tags: ['passes'],
        summary: "The Set-of-Mark overlay the judge saw, at the pass's threshold",
        description:
          'Each drawn instance filled, outlined and labelled "<number> <class>". Deterministic bytes.',
        params: PassImageParams,
        response: responses({
          200: file('The overlay (PNG); x-drawn-instances: how many it draws', ['image/png']),
        }),
      },
    },
    async (request, reply) => {
      const { projectId, passId, imageId } = request.params;
      return sendOverlay(reply, await passes.overlay(projectId, passId, imageId));
    },
  );
  app.get(
    '/projects/:projectId/predictions/:predictionId/overlay.png',
    {
      schema: {
        operationId: 'getPredictionOverlay',
        tags: ['passes'],
        summary: 'The Set-of-Mark overlay a prediction was judged on (its image in its pass)',
        params: Type.Object({ projectId: Id, predictionId: Id }),
        response: responses({
          200: file('The overlay (PNG); x-drawn-instances: how many it draws', ['image/png']),
        }),
      },
    },
    async (request, reply) => {
      return sendOverlay(
        reply,
        await passes.overlayOfPrediction(request.params.projectId, request.params.predictionId),
      );
    },
  );
  app.get(
    '/projects/:projectId/images/:imageId/predictions',
    {
      schema: {
        operationId: 'listImagePredictions',
        tags: ['passes'],
        summary: "An image's predictions, of one pass or of all",
        params: ImageParams,
        querystring: Type.Object({ ...PageQuery, passId: Type.Optional(Id) }),
        response: responses({ 200: ref(PredictionPage) }),
      },
    },
    async (request) => {
      const { limit, cursor, passId } = request.query;
      return passes.predictions(
        request.params.projectId,
        request.params.imageId,
        { passId },
        { limit, cursor },
      );
    },
  );
  reviewRoutes(app, ctx);
};

/** The PNG with the number of drawn instances in a header, so a client can check it against the listing. */
function sendOverlay(reply: FastifyReply, overlay: { png: Buffer; drawn: unknown[] }): FastifyReply {
  return reply
    .type('image/png')
    .header('x-drawn-instances', String(overlay.drawn.length))
    .header('cache-control', 'private, max-age=3600')
    .send(overlay.png);
}

function reviewRoutes(app: App, ctx: AppContext): void {
  const reviews = ctx.services.passReviews;
  app.get(
    '/projects/:projectId/passes/:passId/review/next',
    {
      schema: {
        operationId: 'leaseReviewItems',
        tags: ['passes'],
        summary: 'Lease the next images awaiting human review',
        description:
          'Images of a human pass, and images a machine judge abstained on, the lowest judge confidence first ' +
          '(then by image id). Each is leased to the calling API key (asking again returns its live leases ' +
          'first); other keys do not get it until the lease runs out.',
        params: PassParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 1 })),
        }),
        response: responses({ 200: ref(ReviewItemList) }),
      },
    },
    async (request) => {
      const { projectId, passId } = request.params;
      const data = await reviews.next(projectId, passId, request.principal.keyId, request.query.limit ?? 1);
      return { data };
    },
  );
  app.post(
    '/projects/:projectId/passes/:passId/review/:imageId',
    {
      schema: {
        operationId: 'submitReview',
        tags: ['passes'],
        summary: 'Record a reviewer verdict on a leased image',
        description:
          "An approval makes the drawn predictions the image's labels, in the same transaction. 409 when the image " +
          'is not leased to this API key or was already judged. Review time is recorded (default: since the lease).',
        params: PassImageParams,
        body: ReviewBody,
        response: responses({ 200: ref(ReviewResult) }),
      },
    },
    async (request) => {
      const { projectId, passId, imageId } = request.params;
      return reviews.submit(projectId, passId, imageId, request.principal.keyId, request.body);
    },
  );
  app.delete(
    '/projects/:projectId/passes/:passId/review/:imageId',
    {
      schema: {
        operationId: 'withdrawReview',
        tags: ['passes'],
        summary: "Undo this key's verdict on an image while its lease lasts",
        description:
          'The image awaits review again, still leased to the calling key, and the labels an approval made are ' +
          'deleted (the image returns to the unlabelled pool). 409 when the verdict is not this key’s, its lease ' +
          'has run out, or the pass is no longer running.',
        params: PassImageParams,
        response: responses({ 200: ref(ReviewItemSchema) }),
      },
    },
    async (request) => {
      const { projectId, passId, imageId } = request.params;
      return reviews.withdraw(projectId, passId, imageId, request.principal.keyId);
    },
  );
}
