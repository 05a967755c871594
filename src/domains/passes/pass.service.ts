import type pg from 'pg';
import type { BlobStore } from '../../blob/blob-store.ts';
import type { Config } from '../../config.ts';
import { type ClientTransaction, withClientTransaction } from '../../db/client-transaction.ts';
import type { Db, Executor } from '../../db/database.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from '../../db/pagination.ts';
import { AppError, conflict, notFound, validationError } from '../../errors/problem.ts';
import { type Overlay, renderOverlay } from '../../overlay/overlay.ts';
import type { Queue } from '../../queue/queue.ts';
import type { PoolState, Split } from '../datasets/image.repository.ts';
import * as imageRepo from '../datasets/image.repository.ts';
import type { AgreementReport } from '../judging/agreement.ts';
import * as modelVersionRepo from '../models/model-version.repository.ts';
import type { ProjectService } from '../projects/project.service.ts';
import type { PassAcceptance, PassCounts, PassImageRow, PassRow, PassStatus } from './pass.repository.ts';
import * as repo from './pass.repository.ts';
import { type JudgeConfig, resolveJudge } from './pass-judges.ts';
import { categoryNames, toInstances } from './pass-outcome.ts';
import type { PredictionRow } from './prediction.repository.ts';
import * as predictionRepo from './prediction.repository.ts';

export type { PassImageState, PassStatus } from './pass.repository.ts';

/** Images a predict or judge job takes at once. */
export const PASS_BATCH = 8;
/** Predict jobs sent when a pass starts; each sends the next while it finds a full batch. */
const PREDICT_FANOUT = 4;

export interface CreatePassInput {
  modelVersionId?: number;
  images?: { filter?: { split?: Split; poolState?: PoolState }; ids?: number[] };
  judge: JudgeConfig;
  scoreThreshold?: number;
  /** What becomes labels: 'image' (default, the study's rule) or 'instance' (see PassAcceptance). */
  acceptance?: PassAcceptance;
  retry?: { maxAttempts?: number; baseDelayMs?: number };
}

export interface Pass {
  id: number;
  projectId: number;
  modelVersionId: number;
  status: PassStatus;
  scoreThreshold: number;
  acceptance: PassAcceptance;
  judge: Record<string, unknown>;
  images: Record<string, unknown>;
  retry: { maxAttempts: number; baseDelayMs: number };
  progress: { done: number; total: number; fraction: number };
  counts: Omit<PassCounts, 'reviewSeconds'>;
  /** Human seconds this pass cost: the simulated reviewer's per-image charge plus real reviews. */
  reviewSeconds: number;
  agreement: AgreementReport | null;
  error: { code: string; message: string } | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

/** A prediction as the API shows it. */
export interface Prediction {
  id: number;
  passId: number;
  imageId: number;
  modelVersionId: number;
  categoryId: number;
  categoryName: string;
  score: number;
  bbox: [number, number, number, number];
  segmentation: { size: [number, number]; counts: string };
  area: number;
  drawnIndex: number | null;
  createdAt: Date;
}

export interface PassImage {
  /** The worklist row: the key of the list's cursors (REST's schema leaves it out). */
  id: number;
  imageId: number;
  state: PassImageRow['state'];
  verdict: PassImageRow['verdict'];
  abstained: boolean;
  accepted: boolean;
  tries: number;
  attempt: number;
  reviewSeconds: number;
  judgeVerdict: Record<string, unknown> | null;
  reviewVerdict: Record<string, unknown> | null;
  oracleVerdict: Record<string, unknown> | null;
  error: PassImageRow['error'];
  judgedAt: Date | null;
  /** Exactly the instances the overlay draws and the judge is told about, by their drawn number. */
  instances?: Prediction[];
}

const EMPTY_COUNTS: PassCounts = {
  images: 0,
  pending: 0,
  predicted: 0,
  approved: 0,
  rejected: 0,
  abstained: 0,
  errored: 0,
  awaitingReview: 0,
  accepted: 0,
  reviewSeconds: 0,
};

/** Predict-and-judge passes as the API sees them; the work itself is PassRunner's, on the workers. */
export class PassService {
  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly queue: Queue,
    private readonly blobs: BlobStore,
    private readonly projects: ProjectService,
    private readonly vlm: Config['vlm'],
  ) {}

  /** Records the pass and its worklist and sends its first jobs, in one transaction. */
  async create(
    projectId: number,
    input: CreatePassInput,
    options: { tx?: ClientTransaction } = {},
  ): Promise<Pass> {
    await this.projects.get(projectId);
    const version = await this.modelVersion(projectId, input.modelVersionId);
    const scoreThreshold = input.scoreThreshold ?? defaultThreshold(version.metadata);
    const judge = resolveJudge(input.judge, this.vlm);
    const selection = await this.selection(projectId, input.images);
    const retry = {
      maxAttempts: input.retry?.maxAttempts ?? 3,
      baseDelayMs: input.retry?.baseDelayMs ?? 5000,
    };
    // Inside the caller's transaction when given one (a run records the pass's id with it).
    const inTransaction = <T>(fn: (tx: ClientTransaction) => Promise<T>) =>
      options.tx ? fn(options.tx) : withClientTransaction(this.pool, fn);
    const id = await inTransaction(async ({ db, client }) => {
      const pass = await repo.insertPass(db, {
        projectId,
        modelVersionId: version.id,
        judge: judge.stored,
        judgeSecret: judge.secret,
        scoreThreshold,
        acceptance: input.acceptance ?? 'image',
        selection,
        retry,
      });
      const filter = imageRepo.imageFilterSql(projectId, selection as imageRepo.ImageFilter);
      const images = await repo.insertPassImages(db, pass, filter);
      if (images === 0) throw validationError('images', 'no image matches; a pass needs at least one');
      const jobs = Math.min(Math.ceil(images / PASS_BATCH), PREDICT_FANOUT);
      for (let i = 0; i < jobs; i++)
        await this.queue.send('pass.predict', { passId: pass.id }, { tx: client });
      return pass.id;
    });
    if (options.tx) {
      const row = (await repo.findPass(options.tx.db, projectId, id))!;
      return toPass(row, (await repo.passCounts(options.tx.db, [id])).get(id));
    }
    return this.get(projectId, id);
  }

  async list(projectId: number, filter: { status?: PassStatus }, page: PageRequest): Promise<Page<Pass>> {
    await this.projects.get(projectId);
    const limit = pageLimit(page.limit);
    const rows = await repo.listPasses(this.db, projectId, filter, {
      afterId: decodeCursor(page.cursor),
      limit: limit + 1,
    });
    const result = toPage(rows, limit);
    const counts = await repo.passCounts(
      this.db,
      result.data.map((p) => p.id),
    );
    return { nextCursor: result.nextCursor, data: result.data.map((p) => toPass(p, counts.get(p.id))) };
  }

  async get(projectId: number, id: number): Promise<Pass> {
    const pass = await this.find(projectId, id);
    return toPass(pass, (await repo.passCounts(this.db, [id])).get(id));
  }

  /** Passes by id with their counts, for batched readers (GraphQL loaders) that reached them through a project. */
  async byIds(ids: number[]): Promise<Pass[]> {
    const rows = await repo.passesByIds(this.db, ids);
    const counts = await repo.passCounts(
      this.db,
      rows.map((p) => p.id),
    );
    return rows.map((p) => toPass(p, counts.get(p.id)));
  }

  /** Queued and running images are left where they are; no job takes or finishes any of them again. */
  async cancel(projectId: number, id: number): Promise<Pass> {
    const cancelled = await repo.cancelPass(this.db, projectId, id);
    const pass = await this.get(projectId, id);
    if (!cancelled && pass.status !== 'cancelled') throw conflict(`pass ${id} has already ${pass.status}`);
    return pass;
  }

  async listImages(
    projectId: number,
    passId: number,
    filter: { state?: PassImageRow['state'] },
    page: PageRequest,
  ): Promise<Page<PassImage>> {
    await this.find(projectId, passId);
    const limit = pageLimit(page.limit);
    const rows = await repo.listPassImages(this.db, passId, filter, {
      afterId: decodeCursor(page.cursor),
      limit: limit + 1,
    });
    const result = toPage(rows, limit);
    return { nextCursor: result.nextCursor, data: result.data.map((r) => toPassImage(r)) };
  }

  /** One image of a pass with its verdicts and the instances drawn on its overlay. */
  async image(projectId: number, passId: number, imageId: number): Promise<PassImage> {
    const { pass, row } = await this.findImage(projectId, passId, imageId);
    const drawn = await predictionRepo.predictionsOf(this.db, pass.id, [imageId], { drawnOnly: true });
    const names = await categoryNames(this.db, projectId);
    return toPassImage(
      row,
      drawn.map((p) => toPrediction(p, names)),
    );
  }

  /** The Set-of-Mark overlay at the pass's threshold: the same bytes every time for the same predictions. */
  async overlay(projectId: number, passId: number, imageId: number): Promise<Overlay> {
    const { pass, row } = await this.findImage(projectId, passId, imageId);
    if (!row.predictedAt) throw conflict(`image ${imageId} has no predictions in pass ${passId} yet`);
    const image = await imageRepo.findImage(this.db, projectId, imageId);
    if (!image) throw notFound('image', imageId);
    const rows = await predictionRepo.predictionsOf(this.db, pass.id, [imageId]);
    const instances = toInstances(rows, await categoryNames(this.db, projectId));
    return renderOverlay({
      image: await this.blobs.read(image.sha256),
      instances,
      scoreThreshold: pass.scoreThreshold,
    });
  }

  /** The overlay a prediction was judged on: its image in its pass, every drawn instance numbered. */
  async overlayOfPrediction(projectId: number, predictionId: number): Promise<Overlay> {
    const prediction = await predictionRepo.findPrediction(this.db, projectId, predictionId);
    if (!prediction) throw notFound('prediction', predictionId);
    return this.overlay(projectId, prediction.passId, prediction.imageId);
  }

  async predictions(
    projectId: number,
    imageId: number,
    filter: { passId?: number },
    page: PageRequest,
  ): Promise<Page<Prediction>> {
    if (!(await imageRepo.findImage(this.db, projectId, imageId))) throw notFound('image', imageId);
    const limit = pageLimit(page.limit);
    const rows = await predictionRepo.listPredictions(
      this.db,
      projectId,
      { imageId, passId: filter.passId },
      { afterId: decodeCursor(page.cursor), limit: limit + 1 },
    );
    const result = toPage(rows, limit);
    const names = await categoryNames(this.db, projectId);
    return { nextCursor: result.nextCursor, data: result.data.map((p) => toPrediction(p, names)) };
  }

  /**
   * Predictions of many images (of the given passes only, when given) in one query, plus one for the
   * category names, whatever their project: for batch loaders below an authorised parent.
   */
  async predictionsOfImages(
    imageIds: number[],
    passIds?: number[],
  ): Promise<(Prediction & { projectId: number })[]> {
    const rows = await predictionRepo.predictionsOfImages(this.db, imageIds, passIds);
    if (rows.length === 0) return [];
    const projectIds = [...new Set(rows.map((p) => p.projectId))];
    const names = new Map((await this.projects.categoriesOf(projectIds)).map((c) => [c.id, c.name]));
    return rows.map((p) => ({ ...toPrediction(p, names), projectId: p.projectId }));
  }

  async find(projectId: number, id: number): Promise<PassRow> {
    const pass = await repo.findPass(this.db, projectId, id);
    if (!pass) throw notFound('pass', id);
    return pass;
  }

  private async findImage(projectId: number, passId: number, imageId: number) {
    const pass = await this.find(projectId, passId);
    const row = await repo.findPassImage(this.db, passId, imageId);
    if (!row) throw notFound(`image in pass ${passId}`, imageId);
    return { pass, row };
  }

  private async modelVersion(projectId: number, id: number | undefined) {
    const version =
      id === undefined
        ? await modelVersionRepo.findActiveModelVersion(this.db, projectId)
        : await modelVersionRepo.findModelVersion(this.db, projectId, id);
    if (!version)
      throw validationError(
        'modelVersionId',
        id === undefined
          ? 'the project has no active model version'
          : `model version ${id} is not in this project`,
      );
    return version;
  }

  /** Explicit ids must all be images of the project; by default, the unlabelled pool of the train split. */
  private async selection(
    projectId: number,
    images: CreatePassInput['images'],
  ): Promise<Record<string, unknown>> {
    const ids = images?.ids ? [...new Set(images.ids)] : undefined;
    if (ids) await assertImagesExist(this.db, projectId, ids);
    const filter = images?.filter ?? (ids ? {} : { split: 'train', poolState: 'unlabeled' });
    return { ...filter, ...(ids && { ids }) };
  }
}

async function assertImagesExist(ex: Executor, projectId: number, ids: number[]): Promise<void> {
  const found = new Set((await imageRepo.findImagesByIds(ex, projectId, ids)).map((i) => i.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0)
    throw new AppError(
      'validation',
      `${missing.length} image id(s) are not in project ${projectId}`,
      missing
        .slice(0, 50)
        .map((id) => ({ name: `images.ids[${ids.indexOf(id)}]`, reason: `image ${id} does not exist` })),
    );
}

function defaultThreshold(metadata: Record<string, unknown>): number {
  const value = metadata.scoreThreshold;
  return typeof value === 'number' && value >= 0 && value <= 1 ? value : 0.5;
}

function toPass(row: PassRow, counts: PassCounts = EMPTY_COUNTS): Pass {
  const { reviewSeconds, ...rest } = counts;
  const done = counts.approved + counts.rejected + counts.errored;
  return {
    id: row.id,
    projectId: row.projectId,
    modelVersionId: row.modelVersionId,
    status: row.status,
    scoreThreshold: row.scoreThreshold,
    acceptance: row.acceptance,
    judge: row.judge,
    images: row.selection,
    retry: row.retry,
    progress: { done, total: counts.images, fraction: counts.images === 0 ? 0 : done / counts.images },
    counts: rest,
    reviewSeconds,
    agreement: (row.agreement as AgreementReport | null) ?? null,
    error: row.error ?? null,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    updatedAt: row.updatedAt,
  };
}

function toPassImage(row: PassImageRow, instances?: Prediction[]): PassImage {
  return {
    id: row.id,
    imageId: row.imageId,
    state: row.state,
    verdict: row.verdict,
    abstained: row.abstained,
    accepted: row.accepted,
    tries: row.tries,
    attempt: row.attempt,
    reviewSeconds: row.reviewSeconds,
    judgeVerdict: row.judgeVerdict,
    reviewVerdict: row.reviewVerdict,
    oracleVerdict: row.oracleVerdict,
    error: row.error,
    judgedAt: row.judgedAt,
    ...(instances && { instances }),
  };
}

export function toPrediction(p: PredictionRow, names: ReadonlyMap<number, string>): Prediction {
  return {
    id: p.id,
    passId: p.passId,
    imageId: p.imageId,
    modelVersionId: p.modelVersionId,
    categoryId: p.categoryId,
    categoryName: names.get(p.categoryId) ?? String(p.categoryId),
    score: p.score,
    bbox: p.bbox as [number, number, number, number],
    segmentation: { size: [p.height, p.width], counts: p.rle },
    area: p.area,
    drawnIndex: p.drawnIndex,
    createdAt: p.createdAt,
  };
}
