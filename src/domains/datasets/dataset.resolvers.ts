import { validationError } from '../../errors/problem.ts';
import { connection, pageArgs, projectAccess, toId } from '../../graphql/context.ts';
import { type Args, definedOnly, orNull, type Resolver } from '../../graphql/resolver-kit.ts';
import type { Image, ImageFilter, LabelSource, PoolState, Split } from './image.service.ts';

type ProjectParent = { id: number };

export const datasetResolvers = {
  Query: {
    image: ((_root, { projectId, id }, c) =>
      orNull(c.services.images.get(projectAccess(c, projectId), toId(id, 'id')))) as Resolver,
  },
  Project: {
    images: (async (p, args, c) => {
      const filter: ImageFilter = definedOnly({
        split: args.filter?.split as Split | undefined,
        poolState: args.filter?.poolState as PoolState | undefined,
        labelSource: args.filter?.labelSource as ImageFilter['labelSource'],
      });
      const page = await c.services.images.list(p.id, filter, pageArgs(args));
      // totalCount costs a count(*): resolved only when the query asks for it.
      return { ...connection(page), totalCount: () => c.services.images.count(p.id, filter) };
    }) as Resolver<ProjectParent>,
    labels: ((p, args, c) =>
      c.services.labels
        .list(
          p.id,
          definedOnly({
            imageId: args.filter?.imageId == null ? undefined : toId(args.filter.imageId, 'filter.imageId'),
            source: args.filter?.source as LabelSource | undefined,
          }),
          pageArgs(args),
        )
        .then(connection)) as Resolver<ProjectParent>,
  },
  // The count is a function until asked for; graphql-jit (Mercurius's JIT) does not call a function-valued
  // property the way graphql-js's default resolver does, so this field says so.
  ImageConnection: {
    totalCount: ((c) => c.totalCount()) as Resolver<{ totalCount: () => Promise<number> }>,
  },
  Image: {
    originalUrl: ((i) => `/v1/projects/${i.projectId}/images/${i.id}/original`) as Resolver<Image>,
  },
  Mutation: {
    updateImages: ((_root, { projectId, ids, split, poolState }, c) => {
      const project = projectAccess(c, projectId);
      if (ids.length === 0 || ids.length > 10_000) throw validationError('ids', 'give 1 to 10000 ids');
      const imageIds = (ids as string[]).map((id, i) => toId(id, `ids[${i}]`));
      return c.services.images.updateMany(project, imageIds, definedOnly({ split, poolState }));
    }) as Resolver,
    createLabels: ((_root, { projectId, imageId, labels }, c) =>
      c.services.labels.create(
        projectAccess(c, projectId),
        toId(imageId, 'imageId'),
        (labels as Args[]).map((l, i) => {
          if (l.source === 'approved_prediction')
            throw validationError(
              `labels[${i}].source`,
              'approved_prediction is set only by accepting a pass',
            );
          return {
            categoryId: toId(l.categoryId, `labels[${i}].categoryId`),
            segmentation: l.segmentation,
            ...definedOnly({ iscrowd: l.iscrowd, source: l.source, provenance: l.provenance }),
          };
        }),
      )) as Resolver,
    deleteLabel: (async (_root, { projectId, id }, c) => {
      await c.services.labels.delete(projectAccess(c, projectId), toId(id, 'id'));
      return true;
    }) as Resolver,
  },
};
