import type { AppContext } from '../../context.ts';
import type { JobKinds } from '../../worker/worker.ts';

export function exportJobKinds(ctx: AppContext): Pick<JobKinds, 'export.coco'> {
  return {
    'export.coco': {
      // The export row decides; pg-boss retries a message whose worker died (expiry), so no recover.
      handle: async (payload) => {
        await ctx.services.exports.run(payload.exportId);
      },
    },
  };
}
