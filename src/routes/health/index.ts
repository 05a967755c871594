import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import { migrationsApplied } from '../../db/database.ts';
import type { App } from '../../http/app-type.ts';
import { component, ref } from '../schemas.ts';

/** A health check answers quickly even when the database hangs rather than refuses. */
const HEALTH_QUERY_MS = 2_000;

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
};

const HealthStatus = component(
  Type.Object(
    { status: Type.String(), detail: Type.Optional(Type.String({ description: 'Why it is unavailable' })) },
    { $id: 'HealthStatus' },
  ),
);
const Status = ref(HealthStatus);

export const healthRoutes = (ctx: AppContext) => async (app: App) => {
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
      // A process whose database is gone answers every data request with 500: it is not healthy.
      try {
        await withTimeout(ctx.database.pool.query('select 1'), HEALTH_QUERY_MS);
        return { status: 'ok' };
      } catch (err) {
        return reply
          .status(503)
          .send({ status: 'unavailable', detail: `database unreachable: ${(err as Error).message}` });
      }
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
      try {
        if (await migrationsApplied(ctx.database.db)) return { status: 'ready' };
        return reply.status(503).send({ status: 'unavailable', detail: 'migrations are not applied' });
      } catch (err) {
        return reply.status(503).send({ status: 'unavailable', detail: (err as Error).message });
      }
    },
  );
};
