import type { AppContext } from '../../context.ts';
import type { JobKinds } from '../../worker/worker.ts';

export function integrationJobKinds(ctx: AppContext): Pick<JobKinds, 'cvat.import'> {
  return {
    'cvat.import': {
      // The cvat_imports row decides; pg-boss re-sends a message whose worker died (expiry), so no recover.
      handle: async (payload) => {
        await ctx.services.cvat.runImport(payload.importId);
      },
    },
  };
}
