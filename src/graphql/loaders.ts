import type { MercuriusLoaders } from 'mercurius';
import type { Image, LabelSource } from '../domains/datasets/image.service.ts';
import type { Label } from '../domains/datasets/label.service.ts';
import type { Pass, PassImage, Prediction } from '../domains/passes/pass.service.ts';
import { runLoaders } from '../domains/runs/run.resolvers.ts';
import type { GqlContext } from './context.ts';
import { toId } from './context.ts';

type Query<O, P = Record<string, never>> = { obj: O; params: P };

const unique = <T>(values: T[]): T[] => [...new Set(values)];

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** A pass image as Pass.images hands it on: with its pass, for its predictions. */
type PassImageNode = PassImage & { passId: number; projectId: number };
type PredictionNode = Prediction & { projectId: number };

async function modelVersionsOf<O>(queries: Query<O>[], c: GqlContext, idOf: (o: O) => number) {
  const versions = await c.services.modelVersions.byIds(unique(queries.map((q) => idOf(q.obj))));
  const byId = new Map(versions.map((v) => [v.id, v]));
  return queries.map(({ obj }) => byId.get(idOf(obj)));
}

/**
 * Without the per-request cache: its keys would serialise each parent row, which costs more than the
 * rare repeat it saves (a page's parents are distinct).
 */
const uncached = <Q>(loader: (queries: Q[], c: GqlContext) => Promise<unknown[]>) => ({
  loader: loader as never,
  opts: { cache: false },
});

/**
 * Fields resolved for many parents at once: Mercurius collects every call of a field in one tick and
 * hands them here together, so a page of 50 images costs one query per field, not 50. Parents were
 * reached through a project the caller may see, so these look rows up by id alone.
 */
export const loaders: MercuriusLoaders<GqlContext> = {
  Image: {
    labels: uncached(async (queries: Query<Image, { source?: LabelSource | null }>[], c) => {
      const labels = await c.services.labels.ofImages(unique(queries.map((q) => q.obj.id)));
      const byImage = groupBy(labels, (l) => l.imageId);
      return queries.map(({ obj, params }) =>
        (byImage.get(obj.id) ?? []).filter((l) => !params.source || l.source === params.source),
      );
    }),
    labelCounts: uncached(async (queries: Query<Image>[], c) => {
      const counts = await c.services.labels.countsByImage(unique(queries.map((q) => q.obj.id)));
      return queries.map(({ obj }) => {
        const n = counts.get(obj.id) ?? { import: 0, human: 0, approved_prediction: 0 };
        return {
          total: n.import + n.human + n.approved_prediction,
          import: n.import,
          human: n.human,
          approvedPrediction: n.approved_prediction,
        };
      });
    }),
    predictions: uncached(async (queries: Query<Image, { passId?: string | null }>[], c) => {
      const wanted = queries.map((q) => (q.params.passId == null ? null : toId(q.params.passId, 'passId')));
      // One query: of the passes asked for, or of every pass when any parent asks for all.
      const passIds = wanted.includes(null) ? undefined : unique(wanted as number[]);
      const predictions = await c.services.passes.predictionsOfImages(
        unique(queries.map((q) => q.obj.id)),
        passIds,
      );
      const byImage = groupBy(predictions, (p) => p.imageId);
      return queries.map(({ obj }, i) =>
        (byImage.get(obj.id) ?? []).filter((p) => wanted[i] === null || p.passId === wanted[i]),
      );
    }),
  },
  Pass: {
    modelVersion: uncached((queries: Query<Pass>[], c) =>
      modelVersionsOf(queries, c, (p) => p.modelVersionId),
    ),
  },
  PassImage: {
    image: uncached(async (queries: Query<PassImageNode>[], c) => {
      const images = await c.services.images.byIds(unique(queries.map((q) => q.obj.imageId)));
      const byId = new Map(images.map((i) => [i.id, i]));
      return queries.map(({ obj }) => byId.get(obj.imageId));
    }),
    predictions: uncached(async (queries: Query<PassImageNode>[], c) => {
      const predictions = await c.services.passes.predictionsOfImages(
        unique(queries.map((q) => q.obj.imageId)),
        unique(queries.map((q) => q.obj.passId)),
      );
      const byKey = groupBy(predictions, (p) => `${p.passId}:${p.imageId}`);
      return queries.map(({ obj }) => byKey.get(`${obj.passId}:${obj.imageId}`) ?? []);
    }),
  },
  Prediction: {
    category: uncached(async (queries: Query<PredictionNode>[], c) => {
      const categories = await c.services.projects.categoriesOf(unique(queries.map((q) => q.obj.projectId)));
      const byId = new Map(categories.map((cat) => [cat.id, cat]));
      return queries.map(({ obj }) => byId.get(obj.categoryId));
    }),
    modelVersion: uncached((queries: Query<PredictionNode>[], c) =>
      modelVersionsOf(queries, c, (p) => p.modelVersionId),
    ),
  },
  Label: {
    category: uncached(async (queries: Query<Label>[], c) => {
      const categories = await c.services.projects.categoriesOf(unique(queries.map((q) => q.obj.projectId)));
      const byId = new Map(categories.map((cat) => [cat.id, cat]));
      return queries.map(({ obj }) => byId.get(obj.categoryId));
    }),
    image: uncached(async (queries: Query<Label>[], c) => {
      const images = await c.services.images.byIds(unique(queries.map((q) => q.obj.imageId)));
      const byId = new Map(images.map((i) => [i.id, i]));
      return queries.map(({ obj }) => byId.get(obj.imageId));
    }),
  },
  ...runLoaders,
};
