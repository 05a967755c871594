import type { AppContext } from '../context.ts';
import { resolveDevices } from './devices.ts';
import { jobKinds } from './jobs.ts';
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
  const { workers } = ctx.services;
  await workers.prune();
  const swept = await ctx.services.trainingRunner.sweepScratch();
  if (swept.length > 0) options.log?.(`removed the folders of ended training job(s) ${swept.join(', ')}`);
  return Worker.start({
    queue: ctx.queue,
    registry: workers,
    jobs: jobKinds(ctx),
    staleAfterMs: config.staleAfterMs,
    queues: options.queues ?? config.queues,
    devices,
    slots: options.slots ?? config.slots,
    heartbeatMs: config.heartbeatMs,
    pollMs: config.pollMs,
    log: options.log,
  });
}
