import type { AppContext } from '../context.ts';
import { resolveDevices } from './devices.ts';
import { jobHandlers } from './handlers.ts';
import { Worker } from './worker.ts';

export interface StartWorkerOptions {
  /** `cpu`, `all`, `0,1`; default config.worker.devices. */
  devices?: string;
  slots?: number;
  queues?: string[];
  log?: (line: string) => void;
}

/** A worker on a context's queue and database, serving every registry job with the app's handlers. */
export async function startWorker(ctx: AppContext, options: StartWorkerOptions = {}): Promise<Worker> {
  const { worker: config } = ctx.config;
  const devices = await resolveDevices(options.devices ?? config.devices);
  const { trainingJobs, workers } = ctx.services;
  await workers.prune();
  const swept = await ctx.services.trainingRunner.sweepScratch();
  if (swept.length > 0) options.log?.(`removed the folders of ended training job(s) ${swept.join(', ')}`);
  return Worker.start({
    queue: ctx.queue,
    registry: workers,
    handlers: jobHandlers(ctx),
    queues: options.queues ?? config.queues,
    devices,
    slots: options.slots ?? config.slots,
    heartbeatMs: config.heartbeatMs,
    pollMs: config.pollMs,
    maintenance: async () => {
      const requeued = await trainingJobs.requeueOrphans(config.staleAfterMs);
      if (requeued.length > 0)
        options.log?.(`re-queued training job(s) ${requeued.join(', ')} of stopped workers`);
      const kicked = await ctx.services.passRunner.maintain(config.staleAfterMs);
      if (kicked.length > 0) options.log?.(`re-sent jobs of stalled pass(es) ${kicked.join(', ')}`);
      const nudged = await ctx.services.runSteps.maintain(config.staleAfterMs);
      if (nudged.length > 0) options.log?.(`re-sent steps of stalled run(s) ${nudged.join(', ')}`);
    },
    log: options.log,
  });
}
