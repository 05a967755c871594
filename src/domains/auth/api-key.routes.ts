import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { component, DateTime, Id, PageQuery, page, ref, responses } from '../../http/schemas.ts';

const ApiKey = component(
  Type.Object(
    {
      id: Id,
      name: Type.String(),
      prefix: Type.String(),
      projectId: Type.Union([Id, Type.Null()], { description: 'null for admin keys' }),
      createdAt: DateTime,
      revokedAt: Type.Union([DateTime, Type.Null()]),
    },
    { $id: 'ApiKey', description: 'An API key without the key itself, which is never stored' },
  ),
);
const KeyInfo = ref(ApiKey);
const ApiKeyPage = page('ApiKeyPage', KeyInfo);
const CreatedApiKey = component(
  Type.Object(
    { key: Type.String({ description: 'The key: shown only in this response' }), info: KeyInfo },
    { $id: 'CreatedApiKey' },
  ),
);

export const apiKeyRoutes = (ctx: AppContext) => async (app: App) => {
  const auth = ctx.services.auth;
  app.post(
    '/api-keys',
    {
      schema: {
        operationId: 'createApiKey',
        tags: ['api-keys'],
        summary: 'Create an API key (admin); the key is shown only in this response',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            projectId: Type.Optional(Type.Union([Id, Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: responses({ 201: ref(CreatedApiKey) }),
      },
    },
    async (request, reply) => {
      auth.assertAdmin(request.principal);
      if (request.body.projectId) await ctx.services.projects.get(request.body.projectId);
      const created = await auth.createKey({
        name: request.body.name,
        projectId: request.body.projectId ?? null,
      });
      return reply.status(201).send(created);
    },
  );
  app.get(
    '/api-keys',
    {
      schema: {
        operationId: 'listApiKeys',
        tags: ['api-keys'],
        summary: 'List API keys (admin); the keys themselves are never stored',
        querystring: Type.Object(PageQuery),
        response: responses({ 200: ref(ApiKeyPage) }),
      },
    },
    async (request) => {
      auth.assertAdmin(request.principal);
      return auth.listKeys(request.query);
    },
  );
  app.delete(
    '/api-keys/:keyId',
    {
      schema: {
        operationId: 'revokeApiKey',
        tags: ['api-keys'],
        summary: 'Revoke an API key (admin)',
        params: Type.Object({ keyId: Id }),
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      auth.assertAdmin(request.principal);
      await auth.revokeKey(request.params.keyId);
      return reply.status(204).send(null);
    },
  );
};
