import { connection, pageArgs, projectAccess, toId } from '../../graphql/context.ts';
import { definedOnly, orNull, type Resolver } from '../../graphql/resolver-kit.ts';
import type { Pass, PassImageState, PassStatus } from './pass.service.ts';

export const passResolvers = {
  Query: {
    pass: ((_root, { projectId, id }, c) =>
      orNull(c.services.passes.get(projectAccess(c, projectId), toId(id, 'id')))) as Resolver,
  },
  Project: {
    passes: ((p, args, c) =>
      c.services.passes
        .list(p.id, definedOnly({ status: args.status as PassStatus | undefined }), pageArgs(args))
        .then(connection)) as Resolver<{ id: number }>,
  },
  Pass: {
    selection: ((p) => p.images) as Resolver<Pass>,
    images: (async (p, args, c) => {
      const page = await c.services.passes.listImages(
        p.projectId,
        p.id,
        definedOnly({ state: args.state as PassImageState | undefined }),
        pageArgs(args),
      );
      // Where the loaders (src/graphql/loaders.ts) look this pass's predictions up.
      const nodes = page.data.map((i) => ({ ...i, passId: p.id, projectId: p.projectId }));
      return connection({ ...page, data: nodes });
    }) as Resolver<Pass>,
  },
  /** A stored verdict (src/domains/judging/types.ts): its usual fields typed, and all of it as `raw`. */
  Verdict: {
    raw: ((v) => v) as Resolver<Record<string, unknown>>,
  },
};
