import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { component, ref } from '../../http/schemas.ts';
import { HealthService } from './health.service.ts';

const HealthStatus = component(
  Type.Object(
    { status: Type.String(), detail: Type.Optional(Type.String({ description: 'Why it is unavailable' })) },
    { $id: 'HealthStatus' },
  ),
);
const Status = ref(HealthStatus);

export const healthRoutes = (ctx: AppContext) => async (app: App) => {
  const health = new HealthService(ctx.database);
  app.get(
    '/health',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'The process is up and reaches its database',
        security: [],
        response: { 200: Status, 503: Status },
      },
    },
    async (_request, reply) => {
      const live = await health.live();
      return live.ok
        ? { status: 'ok' }
        : reply.status(503).send({ status: 'unavailable', detail: live.detail });
    },
  );
  app.get(
    '/ready',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'The database is reachable and migrated',
        security: [],
        response: { 200: Status, 503: Status },
      },
    },
    async (_request, reply) => {
      const ready = await health.ready();
      return ready.ok
        ? { status: 'ready' }
        : reply.status(503).send({ status: 'unavailable', detail: ready.detail });
    },
  );
};
