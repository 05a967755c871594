import type { AppContext } from '../../context.ts';
import type { JobKinds } from '../../worker/worker.ts';
import { nudgeRun } from '../runs/run.jobs.ts';

export function evaluationJobKinds(ctx: AppContext): Pick<JobKinds, 'evaluation.run'> {
  return {
    'evaluation.run': {
      handle: async (payload, job) => {
        await ctx.services.evaluations.run(payload.evaluationId);
        await nudgeRun(ctx, { evaluationId: payload.evaluationId }, job);
      },
      // No recover of its own: the evaluation row decides, pg-boss retries a failed message, and a message
      // lost with its worker is re-sent by run.step's recover for the run waiting on it.
    },
  };
}
