import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import { WEBHOOK_EVENT_TYPES } from '../../events/registry.ts';
import type { App } from '../../http/app-type.ts';
import {
  component,
  DateTime,
  Id,
  PageQuery,
  ProjectParams,
  page,
  ref,
  responses,
  StringEnum,
} from '../../http/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const EventTypeSchema = StringEnum(WEBHOOK_EVENT_TYPES, { description: 'An event type (resource.action)' });

const WebhookSchema = component(
  Type.Object(
    {
      id: Id,
      projectId: Id,
      url: Type.String(),
      description: Nullable(Type.String()),
      eventTypes: Type.Array(Type.String()),
      enabled: Type.Boolean(),
      disabledAt: Nullable(DateTime),
      disabledReason: Nullable(Type.String()),
      consecutiveFailures: Type.Integer({ description: 'Failed attempts since the last success' }),
      failingSince: Nullable(DateTime),
      secrets: Type.Array(
        Type.Object({ hint: Type.String(), createdAt: DateTime, expiresAt: Nullable(DateTime) }),
        { description: 'Secrets that sign now, newest first; an old one keeps signing until expiresAt' },
      ),
      createdAt: DateTime,
      updatedAt: DateTime,
    },
    { $id: 'Webhook', description: 'A webhook endpoint; its secrets are shown only by hint' },
  ),
);
const Endpoint = ref(WebhookSchema);
const WebhookPage = page('WebhookPage', Endpoint);

const WithSecret = component(
  Type.Intersect(
    [
      Endpoint,
      Type.Object({ secret: Type.String({ description: 'whsec_...: shown only in this response' }) }),
    ],
    { $id: 'WebhookWithSecret', description: 'A webhook endpoint with its new signing secret' },
  ),
);

const DeliveryStatus = StringEnum(['pending', 'succeeded', 'failed']);
const DeliverySchema = component(
  Type.Object(
    {
      id: Id,
      webhookId: Id,
      eventId: Id,
      eventType: Type.String(),
      redeliveryOf: Nullable(Id),
      status: DeliveryStatus,
      attempts: Type.Integer(),
      nextAttemptAt: Nullable(DateTime),
      lastAttemptAt: Nullable(DateTime),
      lastStatusCode: Nullable(Type.Integer()),
      lastError: Nullable(Type.String()),
      responseExcerpt: Nullable(Type.String({ description: 'The first kilobyte of the last response body' })),
      lastDurationMs: Nullable(Type.Integer()),
      deliveredAt: Nullable(DateTime),
      createdAt: DateTime,
      updatedAt: DateTime,
    },
    { $id: 'WebhookDelivery', description: 'One event sent to one endpoint, with its attempts' },
  ),
);
const Delivery = ref(DeliverySchema);
const DeliveryPage = page('WebhookDeliveryPage', Delivery);
const DeliveryWithPayload = component(
  Type.Intersect(
    [
      Delivery,
      Type.Object({
        payload: Type.Object(
          { type: Type.String(), timestamp: DateTime, data: Type.Record(Type.String(), Type.Unknown()) },
          { description: 'The JSON body every attempt sends' },
        ),
      }),
    ],
    { $id: 'WebhookDeliveryWithPayload', description: 'A delivery with the body it sends' },
  ),
);

const WebhookParams = Type.Object({ projectId: Id, webhookId: Id });
const DeliveryParams = Type.Object({ projectId: Id, webhookId: Id, deliveryId: Id });
const Input = {
  url: Type.String({ format: 'uri', maxLength: 2000, description: 'http(s); private addresses are refused' }),
  eventTypes: Type.Array(EventTypeSchema, { minItems: 1, maxItems: 100 }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  enabled: Type.Optional(Type.Boolean()),
};

export const webhookRoutes = (ctx: AppContext) => async (app: App) => {
  const webhooks = () => ctx.services.webhooks;
  const tags = ['webhooks'];
  app.post(
    '/projects/:projectId/webhooks',
    {
      schema: {
        operationId: 'createWebhook',
        tags,
        summary: 'Create a webhook endpoint; the response shows its signing secret, once',
        description:
          'Requests follow Standard Webhooks: headers webhook-id, webhook-timestamp and webhook-signature ' +
          '(v1,<base64 HMAC-SHA256 of "id.timestamp.body">), body {type, timestamp, data}.',
        params: ProjectParams,
        body: Type.Object(Input, { additionalProperties: false }),
        response: responses({ 201: ref(WithSecret) }),
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await webhooks().create(request.params.projectId, request.body);
      return reply.status(201).send({ ...endpoint, secret });
    },
  );
  app.get(
    '/projects/:projectId/webhooks',
    {
      schema: {
        operationId: 'listWebhooks',
        tags,
        summary: 'List webhook endpoints',
        params: ProjectParams,
        querystring: Type.Object(PageQuery),
        response: responses({ 200: ref(WebhookPage) }),
      },
    },
    async (request) => webhooks().list(request.params.projectId, request.query),
  );
  app.get(
    '/projects/:projectId/webhooks/:webhookId',
    {
      schema: {
        operationId: 'getWebhook',
        tags,
        summary: 'Get a webhook endpoint',
        params: WebhookParams,
        response: responses({ 200: Endpoint }),
      },
    },
    async (request) => webhooks().get(request.params.projectId, request.params.webhookId),
  );
  app.patch(
    '/projects/:projectId/webhooks/:webhookId',
    {
      schema: {
        operationId: 'updateWebhook',
        tags,
        summary: 'Change a webhook endpoint; enabled: true re-enables a disabled one',
        params: WebhookParams,
        body: Type.Object(
          {
            url: Type.Optional(Input.url),
            eventTypes: Type.Optional(Input.eventTypes),
            description: Input.description,
            enabled: Input.enabled,
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Endpoint }),
      },
    },
    async (request) => webhooks().update(request.params.projectId, request.params.webhookId, request.body),
  );
  app.delete(
    '/projects/:projectId/webhooks/:webhookId',
    {
      schema: {
        operationId: 'deleteWebhook',
        tags,
        summary: 'Delete a webhook endpoint and its delivery log',
        params: WebhookParams,
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await webhooks().delete(request.params.projectId, request.params.webhookId);
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/projects/:projectId/webhooks/:webhookId/rotate-secret',
    {
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary: 'Replace the signing secret; the old one keeps signing during the overlap',
        description:
          'During the overlap every request carries two signatures (space-separated in webhook-signature), ' +
          'so receivers can switch to the new secret without missing a request.',
        params: WebhookParams,
        body: Type.Optional(
          Type.Object(
            {
              overlapSeconds: Type.Optional(
                Type.Integer({ minimum: 0, maximum: 7 * 86400, description: 'Default 86400 (one day)' }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: responses({ 200: ref(WithSecret) }),
      },
    },
    async (request) => {
      const overlap = request.body?.overlapSeconds;
      const { endpoint, secret } = await webhooks().rotateSecret(
        request.params.projectId,
        request.params.webhookId,
        overlap === undefined ? undefined : overlap * 1000,
      );
      return { ...endpoint, secret };
    },
  );
  app.post(
    '/projects/:projectId/webhooks/:webhookId/ping',
    {
      schema: {
        operationId: 'pingWebhook',
        tags,
        summary: 'Send a webhook.ping event to this endpoint',
        params: WebhookParams,
        response: responses({ 202: Delivery }),
      },
    },
    async (request, reply) =>
      reply.status(202).send(await webhooks().ping(request.params.projectId, request.params.webhookId)),
  );
  app.get(
    '/projects/:projectId/webhooks/:webhookId/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        tags,
        summary: 'The delivery log of an endpoint, oldest first',
        params: WebhookParams,
        querystring: Type.Object({
          ...PageQuery,
          status: Type.Optional(DeliveryStatus),
          eventId: Type.Optional(Id),
        }),
        response: responses({ 200: ref(DeliveryPage) }),
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return webhooks().listDeliveries(request.params.projectId, request.params.webhookId, filter, {
        limit,
        cursor,
      });
    },
  );
  app.get(
    '/projects/:projectId/webhooks/:webhookId/deliveries/:deliveryId',
    {
      schema: {
        operationId: 'getWebhookDelivery',
        tags,
        summary: 'A delivery with the body it sends',
        params: DeliveryParams,
        response: responses({ 200: ref(DeliveryWithPayload) }),
      },
    },
    async (request) => {
      const { projectId, webhookId, deliveryId } = request.params;
      return webhooks().getDelivery(projectId, webhookId, deliveryId);
    },
  );
  app.post(
    '/projects/:projectId/webhooks/:webhookId/deliveries/:deliveryId/redeliver',
    {
      schema: {
        operationId: 'redeliverWebhookDelivery',
        tags,
        summary: "Send a delivery's event again, as a new delivery with the same webhook-id",
        params: DeliveryParams,
        response: responses({ 202: Delivery }),
      },
    },
    async (request, reply) => {
      const { projectId, webhookId, deliveryId } = request.params;
      return reply.status(202).send(await webhooks().redeliver(projectId, webhookId, deliveryId));
    },
  );
};
