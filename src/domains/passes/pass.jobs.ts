import type { AppContext } from '../../context.ts';
import type { JobContext, JobKinds } from '../../worker/worker.ts';
import { nudgeRun } from '../runs/run.jobs.ts';
import type { PassSlot } from './pass-runner.ts';

export function passJobKinds(ctx: AppContext): Pick<JobKinds, 'pass.predict' | 'pass.judge'> {
  return {
    'pass.predict': {
      handle: async (payload, job) => {
        const outcome = await ctx.services.passRunner.predict(payload.passId, passSlot(ctx, job));
        job.log(`pass ${payload.passId}: ${outcome}`);
      },
      // One round for both pass jobs: claims of pass_images (to predict or to judge) that nobody
      // heartbeats are taken over by a re-sent job, and passes whose last write missed completing them
      // complete.
      recover: async (staleAfterMs) => {
        const kicked = await ctx.services.passRunner.maintain(staleAfterMs);
        return kicked.length > 0 ? `re-sent jobs of stalled pass(es) ${kicked.join(', ')}` : undefined;
      },
    },
    'pass.judge': {
      handle: async (payload, job) => {
        const outcome = await ctx.services.passRunner.judge(payload.passId, passSlot(ctx, job));
        job.log(`pass ${payload.passId}: ${outcome}`);
        await nudgeRun(ctx, { passId: payload.passId }, job);
      },
      // Recovered with pass.predict's round (above).
    },
  };
}

function passSlot(ctx: AppContext, job: JobContext): PassSlot {
  return {
    workerId: job.workerId,
    staleAfterMs: ctx.config.worker.staleAfterMs,
    signal: job.signal,
    log: job.log,
  };
}
