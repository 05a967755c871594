import type { AppContext } from '../context.ts';
import { evaluationJobKinds } from '../domains/evaluations/evaluation.jobs.ts';
import { exportJobKinds } from '../domains/exports/export.jobs.ts';
import { integrationJobKinds } from '../domains/integrations/integration.jobs.ts';
import { passJobKinds } from '../domains/passes/pass.jobs.ts';
import { runJobKinds } from '../domains/runs/run.jobs.ts';
import { trainingJobKinds } from '../domains/training/training.jobs.ts';
import { webhookJobKinds } from '../domains/webhooks/webhook.jobs.ts';
import type { JobKinds } from './worker.ts';

/** Every job kind of the registry, each declared by its domain's `*.jobs.ts` with its handler and recover(). */
export function jobKinds(ctx: AppContext): JobKinds {
  return {
    ...trainingJobKinds(ctx),
    ...webhookJobKinds(ctx),
    ...passJobKinds(ctx),
    ...exportJobKinds(ctx),
    ...evaluationJobKinds(ctx),
    ...runJobKinds(ctx),
    ...integrationJobKinds(ctx),
  };
}
