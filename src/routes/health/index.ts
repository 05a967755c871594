import { Type } from 'typebox';
import type { App } from '../../app.ts';
import type { AppContext } from '../../context.ts';
import { migrationsApplied } from '../../db/database.ts';

const Status = Type.Object({ status: Type.String(), detail: Type.Optional(Type.String()) });

export const healthRoutes = (ctx: AppContext) => async (app: App) => {
  app.get(
    '/health',
    { schema: { tags: ['health'], summary: 'The process is up', security: [], response: { 200: Status } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'The database is reachable and migrated',
        security: [],
        response: { 200: Status, 503: Status },
      },
    },
    async (_request, reply) => {
      try {
        if (await migrationsApplied(ctx.database.db)) return { status: 'ready' };
        return reply.status(503).send({ status: 'unavailable', detail: 'migrations are not applied' });
      } catch (err) {
        return reply.status(503).send({ status: 'unavailable', detail: (err as Error).message });
      }
    },
  );
};
