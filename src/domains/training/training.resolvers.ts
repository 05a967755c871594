import { validationError } from '../../errors/problem.ts';
import { connection, pageArgs, projectAccess, toId } from '../../graphql/context.ts';
import { type Args, definedOnly, orNull, type Resolver } from '../../graphql/resolver-kit.ts';
import { PRESETS, type Preset, type TrainingStatus, type WarmStart } from './training.service.ts';

export const trainingResolvers = {
  Query: {
    trainingJob: ((_root, { projectId, id }, c) =>
      orNull(c.services.training.get(projectAccess(c, projectId), toId(id, 'id')))) as Resolver,
  },
  Project: {
    trainingJobs: ((p, args, c) =>
      c.services.training
        .list(p.id, definedOnly({ status: args.status as TrainingStatus | undefined }), pageArgs(args))
        .then(connection)) as Resolver<{ id: number }>,
  },
  Mutation: {
    createTrainingJob: ((_root, { projectId, input }, c) => {
      const project = projectAccess(c, projectId);
      if (!PRESETS.includes(input.preset))
        throw validationError('input.preset', `one of ${PRESETS.join(', ')}`);
      return c.services.training.create(project, {
        preset: input.preset as Preset,
        hyper: input.hyper ?? undefined,
        warmStart: warmStartOf(input),
        seed: input.seed ?? undefined,
      });
    }) as Resolver,
    cancelTrainingJob: ((_root, { projectId, id }, c) =>
      c.services.training.cancel(projectAccess(c, projectId), toId(id, 'id'))) as Resolver,
  },
};

function warmStartOf(input: Args): WarmStart {
  if (input.warmStartModelVersionId != null)
    return { modelVersionId: toId(input.warmStartModelVersionId, 'input.warmStartModelVersionId') };
  const warmStart = input.warmStart ?? 'scratch';
  if (!['scratch', 'coco', 'active', 'base'].includes(warmStart))
    throw validationError('input.warmStart', 'one of scratch, coco, active, base');
  return warmStart;
}
