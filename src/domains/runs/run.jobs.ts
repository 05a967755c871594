import type { AppContext } from '../../context.ts';
import type { JobContext, JobKinds } from '../../worker/worker.ts';

export function runJobKinds(ctx: AppContext): Pick<JobKinds, 'run.step'> {
  return {
    'run.step': {
      handle: async (payload, job) => {
        // On the last try pg-boss allows this message, an error of no known kind fails the run.
        const lastTry = job.job.retryCount >= job.job.retryLimit;
        const outcome = await ctx.services.runSteps.step(payload.runId, { lastTry });
        job.log(`run ${payload.runId}: ${outcome}`);
      },
      // Steps of runs gone quiet, and evaluation messages a run waits on, died with their worker.
      recover: async (staleAfterMs) => {
        const nudged = await ctx.services.runSteps.maintain(staleAfterMs);
        return nudged.length > 0 ? `re-sent steps of stalled run(s) ${nudged.join(', ')}` : undefined;
      },
    },
  };
}

/** A run waiting on this child takes its next step now rather than at its next look; best effort. */
export async function nudgeRun(
  ctx: AppContext,
  child: { trainingJobId?: number; evaluationId?: number; passId?: number },
  job: JobContext,
): Promise<void> {
  await ctx.services.runSteps
    .childFinished(child)
    .catch((err: Error) => job.log(`run nudge failed: ${err.message}`));
}
