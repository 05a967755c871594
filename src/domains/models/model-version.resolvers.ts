import { connection, pageArgs, projectAccess, toId } from '../../graphql/context.ts';
import { orNull, type Resolver } from '../../graphql/resolver-kit.ts';

export const modelVersionResolvers = {
  Query: {
    modelVersion: ((_root, { projectId, id }, c) =>
      orNull(c.services.modelVersions.find(projectAccess(c, projectId), toId(id, 'id')))) as Resolver,
  },
  Project: {
    modelVersions: ((p, args, c) =>
      c.services.modelVersions.list(p.id, pageArgs(args)).then(connection)) as Resolver<{ id: number }>,
    activeModelVersion: (async (p, _args, c) =>
      (await c.services.modelVersions.active(p.id)) ?? null) as Resolver<{ id: number }>,
  },
  Mutation: {
    activateModelVersion: ((_root, { projectId, id }, c) =>
      c.services.modelVersions.activate(projectAccess(c, projectId), toId(id, 'id'))) as Resolver,
  },
};
