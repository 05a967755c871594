import type { AppContext } from '../context.ts';
import type { PassSlot } from '../services/pass-runner.ts';
import type { JobContext, JobHandlers } from './worker.ts';

/** The handler of every job in the registry; the worker refuses to start if one is missing. */
export function jobHandlers(ctx: AppContext): JobHandlers {
  return {
    'train.run': async (payload, job) => {
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
    'webhook.deliver': async (payload) => {
      await ctx.services.webhookDeliveries.deliver(payload.deliveryId);
    },
    'pass.predict': async (payload, job) => {
      const outcome = await ctx.services.passRunner.predict(payload.passId, passSlot(ctx, job));
      job.log(`pass ${payload.passId}: ${outcome}`);
    },
    'cvat.import': async (payload) => {
      await ctx.services.cvat.runImport(payload.importId);
    },
    'export.coco': async (payload) => {
      await ctx.services.exports.run(payload.exportId);
    },
    'evaluation.run': async (payload, job) => {
      await ctx.services.evaluations.run(payload.evaluationId);
      await nudgeRun(ctx, { evaluationId: payload.evaluationId }, job);
    },
    'pass.judge': async (payload, job) => {
      const outcome = await ctx.services.passRunner.judge(payload.passId, passSlot(ctx, job));
      job.log(`pass ${payload.passId}: ${outcome}`);
      await nudgeRun(ctx, { passId: payload.passId }, job);
    },
    'run.step': async (payload, job) => {
      // On the last try pg-boss allows this message, an error of no known kind fails the run.
      const lastTry = job.job.retryCount >= job.job.retryLimit;
      const outcome = await ctx.services.runSteps.step(payload.runId, { lastTry });
      job.log(`run ${payload.runId}: ${outcome}`);
    },
  };
}

/** A run waiting on this child takes its next step now rather than at its next look; best effort. */
async function nudgeRun(
  ctx: AppContext,
  child: { trainingJobId?: number; evaluationId?: number; passId?: number },
  job: JobContext,
): Promise<void> {
  await ctx.services.runSteps
    .childFinished(child)
    .catch((err: Error) => job.log(`run nudge failed: ${err.message}`));
}

function passSlot(ctx: AppContext, job: JobContext): PassSlot {
  return {
    workerId: job.workerId,
    staleAfterMs: ctx.config.worker.staleAfterMs,
    signal: job.signal,
    log: job.log,
  };
}
