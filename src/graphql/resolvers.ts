import type { IResolvers } from 'mercurius';
import { datasetResolvers } from '../domains/datasets/dataset.resolvers.ts';
import { modelVersionResolvers } from '../domains/models/model-version.resolvers.ts';
import { passResolvers } from '../domains/passes/pass.resolvers.ts';
import { projectResolvers } from '../domains/projects/project.resolvers.ts';
import { runResolvers } from '../domains/runs/run.resolvers.ts';
import { trainingResolvers } from '../domains/training/training.resolvers.ts';
import { type DomainResolvers, mergeResolvers } from './resolver-kit.ts';
import { DateTimeScalar, JsonScalar } from './scalars.ts';

/**
 * Queries, mutations and the fields that are not batched (see loaders.ts for those): each domain's
 * `*.resolvers.ts` adds its fields, to its own types and to the shared ones (Query, Mutation, Project).
 */
export const resolvers: IResolvers = {
  DateTime: DateTimeScalar,
  JSON: JsonScalar,
  ...(mergeResolvers(
    projectResolvers as DomainResolvers,
    datasetResolvers as DomainResolvers,
    trainingResolvers as DomainResolvers,
    modelVersionResolvers as DomainResolvers,
    passResolvers as DomainResolvers,
    runResolvers as DomainResolvers,
  ) as IResolvers),
};
