import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import type { AppContext } from '../../../context.ts';
import { DateTime, Id, PageQuery, page, responses } from '../../schemas.ts';

const KeyInfo = Type.Object({
  id: Id,
  name: Type.String(),
  prefix: Type.String(),
  projectId: Type.Union([Id, Type.Null()], { description: 'null for admin keys' }),
  createdAt: DateTime,
  revokedAt: Type.Union([DateTime, Type.Null()]),
});

export const apiKeyRoutes = (ctx: AppContext) => async (app: App) => {
  const auth = ctx.services.auth;
  app.post(
    '/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key (admin); the key is shown only in this response',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            projectId: Type.Optional(Type.Union([Id, Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: responses({ 201: Type.Object({ key: Type.String(), info: KeyInfo }) }),
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
        tags: ['api-keys'],
        summary: 'List API keys (admin); the keys themselves are never stored',
        querystring: Type.Object(PageQuery),
        response: responses({ 200: page(KeyInfo) }),
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
