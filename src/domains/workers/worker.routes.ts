import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { component, DateTime, list, ref, responses } from '../../http/schemas.ts';

const CurrentJob = Type.Object(
  {
    slot: Type.Integer({ description: '-1 for jobs that take no device slot' }),
    device: Type.String(),
    queue: Type.String(),
    queueJobId: Type.String(),
    startedAt: DateTime,
    trainingJobId: Type.Optional(Type.Integer()),
    trainerPid: Type.Optional(Type.Integer()),
  },
  { additionalProperties: true },
);

const WorkerSchema = component(
  Type.Object(
    {
      id: Type.String(),
      hostname: Type.String(),
      pid: Type.Integer(),
      devices: Type.Array(Type.String(), { description: '`cpu` or `cuda:<index>`' }),
      slots: Type.Integer(),
      freeSlots: Type.Integer(),
      queues: Type.Array(Type.String()),
      currentJobs: Type.Array(CurrentJob),
      startedAt: DateTime,
      lastHeartbeatAt: DateTime,
    },
    { $id: 'Worker' },
  ),
);
const WorkerList = list('WorkerList', ref(WorkerSchema));

export const workerRoutes = (ctx: AppContext) => async (app: App) => {
  app.get(
    '/workers',
    {
      schema: {
        operationId: 'listWorkers',
        tags: ['workers'],
        summary: 'Live workers, their slots, devices and current jobs (admin)',
        description:
          'A worker is live while it heartbeats; one silent longer than the stale timeout is left out.',
        response: responses({ 200: ref(WorkerList) }),
      },
    },
    async (request) => {
      ctx.services.auth.assertAdmin(request.principal);
      return { data: await ctx.services.workers.listLive(ctx.config.worker.staleAfterMs) };
    },
  );
};
