import type { AppContext } from '../../context.ts';
import type { JobKinds } from '../../worker/worker.ts';

export function webhookJobKinds(ctx: AppContext): Pick<JobKinds, 'webhook.deliver'> {
  return {
    'webhook.deliver': {
      // The delivery row schedules its own retries; pg-boss re-sends a message whose worker died.
      handle: async (payload) => {
        await ctx.services.webhookDeliveries.deliver(payload.deliveryId);
      },
    },
  };
}
