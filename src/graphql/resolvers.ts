import type { IResolvers } from 'mercurius';
import { AppError, validationError } from '../errors/problem.ts';
import type { Image, ImageFilter, LabelSource, PoolState, Split } from '../services/image.service.ts';
import type { Pass, PassImageState, PassStatus } from '../services/pass.service.ts';
import type { CategoryInput } from '../services/project.service.ts';
import { PRESETS, type Preset, type TrainingStatus, type WarmStart } from '../services/training.service.ts';
import { connection, type GqlContext, pageArgs, principalOf, projectAccess, toId } from './context.ts';
import { projectRuns, runMutations, runTypes } from './runs.ts';
import { DateTimeScalar, JsonScalar } from './scalars.ts';

// biome-ignore lint/suspicious/noExplicitAny: arguments arrive validated against the SDL (schema/schema.graphql)
type Args = Record<string, any>;
type Resolver<P = unknown> = (parent: P, args: Args, c: GqlContext) => unknown;
type Paging = { first?: number | null; after?: string | null };

/** Null for what does not exist (GraphQL style); every other error, forbidden included, stays an error. */
async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof AppError && err.kind === 'not-found') return null;
    throw err;
  }
}

const definedOnly = <T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], null> } =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as never;

/** The fields the caller gave, null included: null clears a nullable field, as in REST. */
const given = (input: Args, ...keys: string[]): Args =>
  Object.fromEntries(keys.filter((k) => Object.hasOwn(input, k)).map((k) => [k, input[k]]));

const query: Record<string, Resolver> = {
  projects: (_root, args: Paging, c) => {
    const scope = principalOf(c).projectId;
    return c.services.projects.list(pageArgs(args), scope === null ? undefined : [scope]).then(connection);
  },
  project: (_root, { id }, c) => orNull(c.services.projects.get(projectAccess(c, id))),
  image: (_root, { projectId, id }, c) =>
    orNull(c.services.images.get(projectAccess(c, projectId), toId(id, 'id'))),
  trainingJob: (_root, { projectId, id }, c) =>
    orNull(c.services.training.get(projectAccess(c, projectId), toId(id, 'id'))),
  modelVersion: (_root, { projectId, id }, c) =>
    orNull(c.services.modelVersions.find(projectAccess(c, projectId), toId(id, 'id'))),
  pass: (_root, { projectId, id }, c) =>
    orNull(c.services.passes.get(projectAccess(c, projectId), toId(id, 'id'))),
  run: (_root, { projectId, id }, c) =>
    orNull(c.services.runs.get(projectAccess(c, projectId), toId(id, 'id'))),
};

type ProjectParent = { id: number };

const project: Record<string, Resolver<ProjectParent>> = {
  images: async (p, args, c) => {
    const filter: ImageFilter = definedOnly({
      split: args.filter?.split as Split | undefined,
      poolState: args.filter?.poolState as PoolState | undefined,
      labelSource: args.filter?.labelSource as ImageFilter['labelSource'],
    });
    const page = await c.services.images.list(p.id, filter, pageArgs(args));
    // totalCount costs a count(*): resolved only when the query asks for it.
    return { ...connection(page), totalCount: () => c.services.images.count(p.id, filter) };
  },
  labels: (p, args, c) =>
    c.services.labels
      .list(
        p.id,
        definedOnly({
          imageId: args.filter?.imageId == null ? undefined : toId(args.filter.imageId, 'filter.imageId'),
          source: args.filter?.source as LabelSource | undefined,
        }),
        pageArgs(args),
      )
      .then(connection),
  modelVersions: (p, args, c) => c.services.modelVersions.list(p.id, pageArgs(args)).then(connection),
  activeModelVersion: async (p, _args, c) => (await c.services.modelVersions.active(p.id)) ?? null,
  trainingJobs: (p, args, c) =>
    c.services.training
      .list(p.id, definedOnly({ status: args.status as TrainingStatus | undefined }), pageArgs(args))
      .then(connection),
  passes: (p, args, c) =>
    c.services.passes
      .list(p.id, definedOnly({ status: args.status as PassStatus | undefined }), pageArgs(args))
      .then(connection),
  runs: projectRuns,
};

const pass: Record<string, Resolver<Pass>> = {
  selection: (p) => p.images,
  images: async (p, args, c) => {
    const page = await c.services.passes.listImages(
      p.projectId,
      p.id,
      definedOnly({ state: args.state as PassImageState | undefined }),
      pageArgs(args),
    );
    // Where the loaders below look this pass's predictions up.
    const nodes = page.data.map((i) => ({ ...i, passId: p.id, projectId: p.projectId }));
    return connection({ ...page, data: nodes });
  },
};

/** A stored verdict (src/judges/types.ts): its usual fields typed, and all of it as `raw`. */
const verdict: Record<string, Resolver<Record<string, unknown>>> = {
  raw: (v) => v,
};

const image: Record<string, Resolver<Image>> = {
  originalUrl: (i) => `/v1/projects/${i.projectId}/images/${i.id}/original`,
};

const mutation: Record<string, Resolver> = {
  createProject: (_root, { input }, c) => {
    c.services.auth.assertAdmin(principalOf(c));
    checkName(input.name, 'input.name');
    return c.services.projects.create({
      name: input.name,
      description: input.description ?? null,
      categories: categoriesInput(input.categories ?? [], 'input.categories'),
    });
  },
  updateProject: (_root, { id, input }, c) => {
    if (input.name != null) checkName(input.name, 'input.name');
    return c.services.projects.update(projectAccess(c, id), {
      ...definedOnly({ name: input.name }),
      ...given(input, 'description'),
    });
  },
  deleteProject: async (_root, { id }, c) => {
    c.services.auth.assertAdmin(principalOf(c));
    await c.services.projects.delete(toId(id, 'id'));
    return true;
  },
  addCategories: (_root, { projectId, categories }, c) =>
    c.services.projects.addCategories(projectAccess(c, projectId), categoriesInput(categories, 'categories')),
  updateCategory: (_root, { projectId, id, input }, c) => {
    if (input.name != null) checkName(input.name, 'input.name');
    if (input.color != null) checkColor(input.color, 'input.color');
    return c.services.projects.updateCategory(projectAccess(c, projectId), toId(id, 'id'), {
      ...definedOnly({ name: input.name }),
      ...given(input, 'supercategory', 'color'),
    });
  },
  deleteCategory: async (_root, { projectId, id }, c) => {
    await c.services.projects.deleteCategory(projectAccess(c, projectId), toId(id, 'id'));
    return true;
  },
  updateImages: (_root, { projectId, ids, split, poolState }, c) => {
    const project = projectAccess(c, projectId);
    if (ids.length === 0 || ids.length > 10_000) throw validationError('ids', 'give 1 to 10000 ids');
    const imageIds = (ids as string[]).map((id, i) => toId(id, `ids[${i}]`));
    return c.services.images.updateMany(project, imageIds, definedOnly({ split, poolState }));
  },
  createLabels: (_root, { projectId, imageId, labels }, c) =>
    c.services.labels.create(
      projectAccess(c, projectId),
      toId(imageId, 'imageId'),
      (labels as Args[]).map((l, i) => {
        if (l.source === 'approved_prediction')
          throw validationError(`labels[${i}].source`, 'approved_prediction is set only by accepting a pass');
        return {
          categoryId: toId(l.categoryId, `labels[${i}].categoryId`),
          segmentation: l.segmentation,
          ...definedOnly({ iscrowd: l.iscrowd, source: l.source, provenance: l.provenance }),
        };
      }),
    ),
  deleteLabel: async (_root, { projectId, id }, c) => {
    await c.services.labels.delete(projectAccess(c, projectId), toId(id, 'id'));
    return true;
  },
  createTrainingJob: (_root, { projectId, input }, c) => {
    const project = projectAccess(c, projectId);
    if (!PRESETS.includes(input.preset))
      throw validationError('input.preset', `one of ${PRESETS.join(', ')}`);
    return c.services.training.create(project, {
      preset: input.preset as Preset,
      hyper: input.hyper ?? undefined,
      warmStart: warmStartOf(input),
      seed: input.seed ?? undefined,
    });
  },
  cancelTrainingJob: (_root, { projectId, id }, c) =>
    c.services.training.cancel(projectAccess(c, projectId), toId(id, 'id')),
  activateModelVersion: (_root, { projectId, id }, c) =>
    c.services.modelVersions.activate(projectAccess(c, projectId), toId(id, 'id')),
  ...runMutations,
};

function warmStartOf(input: Args): WarmStart {
  if (input.warmStartModelVersionId != null)
    return { modelVersionId: toId(input.warmStartModelVersionId, 'input.warmStartModelVersionId') };
  const warmStart = input.warmStart ?? 'scratch';
  if (!['scratch', 'coco', 'active', 'base'].includes(warmStart))
    throw validationError('input.warmStart', 'one of scratch, coco, active, base');
  return warmStart;
}

function checkName(name: string, field: string): void {
  if (name.length < 1 || name.length > 200) throw validationError(field, 'must be 1 to 200 characters');
}

function checkColor(color: string, field: string): void {
  if (!/^#[0-9a-fA-F]{6}$/.test(color)) throw validationError(field, 'must be #rrggbb');
}

/** The checks REST's schema makes on categories. */
function categoriesInput(input: Args[], field: string): CategoryInput[] {
  if (input.length > 1000) throw validationError(field, 'at most 1000 categories');
  return input.map((c, i) => {
    checkName(c.name, `${field}[${i}].name`);
    if (c.color != null) checkColor(c.color, `${field}[${i}].color`);
    return { name: c.name, supercategory: c.supercategory ?? null, color: c.color ?? null };
  });
}

/** Queries, mutations and the fields that are not batched (see loaders.ts for those). */
export const resolvers: IResolvers = {
  DateTime: DateTimeScalar,
  JSON: JsonScalar,
  Query: query as IResolvers['Query'],
  Mutation: mutation as IResolvers['Mutation'],
  Project: project as IResolvers['Project'],
  Image: image as IResolvers['Image'],
  // The count is a function until asked for; graphql-jit (Mercurius's JIT) does not call a function-valued
  // property the way graphql-js's default resolver does, so this field says so.
  ImageConnection: { totalCount: (c: { totalCount: () => Promise<number> }) => c.totalCount() },
  Pass: pass as IResolvers['Pass'],
  Verdict: verdict as IResolvers['Verdict'],
  ...(runTypes as IResolvers),
};
