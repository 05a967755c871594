import type { AppContext } from '../../context.ts';
import type { JobKinds } from '../../worker/worker.ts';
import { nudgeRun } from '../runs/run.jobs.ts';

export function trainingJobKinds(ctx: AppContext): Pick<JobKinds, 'train.run'> {
  return {
    'train.run': {
      handle: async (payload, job) => {
        const outcome = await ctx.services.trainingRunner.run(payload.trainingJobId, {
          workerId: job.workerId,
          device: job.device,
          cpuSlots: job.cpuSlots,
          staleAfterMs: ctx.config.worker.staleAfterMs,
          signal: job.signal,
          log: job.log,
          annotate: job.annotate,
        });
        job.log(`training job ${payload.trainingJobId}: ${outcome}`);
        await nudgeRun(ctx, { trainingJobId: payload.trainingJobId }, job);
      },
      // A job whose worker stopped heartbeating goes back to the queue; its next claim resumes from the
      // trainer's checkpoint.
      recover: async (staleAfterMs) => {
        const requeued = await ctx.services.trainingJobs.requeueOrphans(staleAfterMs);
        return requeued.length > 0
          ? `re-queued training job(s) ${requeued.join(', ')} of stopped workers`
          : undefined;
      },
    },
  };
}
