import type pg from 'pg';
import { type ClientTransaction, withClientTransaction } from '../../db/client-transaction.ts';
import type { Db, Executor } from '../../db/database.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from '../../db/pagination.ts';
import { AppError, conflict, notFound, validationError } from '../../errors/problem.ts';
import type { Queue } from '../../queue/queue.ts';
import * as snapshotRepo from '../datasets/label-snapshot.repository.ts';
import type { ModelVersionRow } from '../models/model-version.repository.ts';
import type { ModelVersionService } from '../models/model-version.service.ts';
import type { ProjectService } from '../projects/project.service.ts';
import { hyperErrors } from './trainer-schemas.ts';
import type { TrainingJobView, TrainingStatus } from './training-job.repository.ts';
import * as repo from './training-job.repository.ts';
import type { TrainingProgress } from './training-progress.ts';

export type { TrainingStatus } from './training-job.repository.ts';

export const PRESETS = ['tiny', 'small', 'resnet50-fpn'] as const;
export type Preset = (typeof PRESETS)[number];

/**
 * Where the weights start: scratch, torchvision's COCO weights, the preset's pretrained base model
 * (`vlm-loop pretrain`, shipped as trainer/base/<preset>-base.pt; class heads replaced), a model version,
 * or the project's active one.
 */
export type WarmStart = 'scratch' | 'coco' | 'base' | 'active' | { modelVersionId: number };

export interface CreateTrainingJobInput {
  preset: Preset;
  hyper?: Record<string, unknown>;
  warmStart?: WarmStart;
  seed?: number;
}

export interface TrainingJob {
  id: number;
  projectId: number;
  status: TrainingStatus;
  preset: string;
  hyper: Record<string, unknown>;
  seed: number;
  warmStart: { type: 'scratch' | 'coco' | 'base' | 'model-version'; modelVersionId: number | null };
  labelSnapshot: { id: number; trainImages: number; valImages: number; labels: number };
  progress: TrainingProgress;
  error: { code: string; message: string } | null;
  attempt: number;
  workerId: string | null;
  modelVersionId: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

/** Training jobs as the API sees them; the worker's side of a job is TrainingJobs'. */
export class TrainingService {
  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly queue: Queue,
    private readonly projects: ProjectService,
    private readonly modelVersions: ModelVersionService,
  ) {}

  /**
   * Freezes the label snapshot, records the job and enqueues it, all in one transaction: a job exists
   * only with its data and its queue message.
   */
  async create(
    projectId: number,
    input: CreateTrainingJobInput,
    options: { tx?: ClientTransaction } = {},
  ): Promise<TrainingJob> {
    const project = await this.projects.get(projectId);
    if (project.categories.length === 0)
      throw validationError('projectId', 'the project has no categories to train');
    const hyper = input.hyper ?? {};
    const problems = hyperErrors(hyper);
    if (problems.length > 0) throw new AppError('validation', 'hyper-parameters are not valid', problems);
    const start = await this.resolveWarmStart(projectId, input.preset, input.warmStart ?? 'scratch');
    const categories = project.categories.map((c) => ({ id: c.id, name: c.name }));
    // Inside the caller's transaction when given one (a run records the job's id with it).
    const inTransaction = <T>(fn: (tx: ClientTransaction) => Promise<T>) =>
      options.tx ? fn(options.tx) : withClientTransaction(this.pool, fn);
    const id = await inTransaction(async ({ db, client }) => {
      const snapshot = await snapshotRepo.freezeSnapshot(db, projectId, categories);
      if (snapshot.trainImages === 0 || snapshot.labels === 0)
        throw validationError(
          'labels',
          'no labelled train image to train on (split=train, poolState=labeled)',
        );
      if (snapshot.valImages === 0)
        throw validationError(
          'labels',
          'no labelled val image to evaluate on (split=val, poolState=labeled)',
        );
      const job = await repo.insertTrainingJob(db, {
        projectId,
        preset: input.preset,
        hyper,
        seed: input.seed ?? 0,
        weights: start.weights,
        parentModelVersionId: start.parent?.id ?? null,
        labelSnapshotId: snapshot.id,
        progress: { phase: 'preparing' },
      });
      await enqueueTrainingJob(this.queue, db, client, job.id);
      return job.id;
    });
    if (options.tx) return toJob((await repo.findTrainingJob(options.tx.db, projectId, id))!);
    return this.get(projectId, id);
  }

  async list(
    projectId: number,
    filter: { status?: TrainingStatus },
    page: PageRequest,
  ): Promise<Page<TrainingJob>> {
    await this.projects.get(projectId);
    const limit = pageLimit(page.limit);
    const rows = await repo.listTrainingJobs(this.db, projectId, filter, {
      afterId: decodeCursor(page.cursor),
      limit: limit + 1,
    });
    const result = toPage(
      rows.map((r) => ({ ...r, id: r.job.id })),
      limit,
    );
    return { nextCursor: result.nextCursor, data: result.data.map(toJob) };
  }

  async get(projectId: number, id: number): Promise<TrainingJob> {
    const view = await repo.findTrainingJob(this.db, projectId, id);
    if (!view) throw notFound('training job', id);
    return toJob(view);
  }

  /** Jobs by id for batched readers (GraphQL loaders) that reached the ids through a visible project. */
  async byIds(ids: number[]): Promise<TrainingJob[]> {
    return (await repo.trainingJobsByIds(this.db, ids)).map(toJob);
  }

  /** A queued job never starts; a running one's worker sees the status and ends the trainer. */
  async cancel(projectId: number, id: number): Promise<TrainingJob> {
    const cancelled = await repo.cancelTrainingJob(this.db, projectId, id);
    if (cancelled?.queueJobId)
      await this.queue.cancel('train.run', cancelled.queueJobId).catch(() => {
        // The message may be taken already: the handler then finds the job cancelled and does nothing.
      });
    const job = await this.get(projectId, id);
    if (!cancelled && job.status !== 'cancelled')
      throw conflict(`training job ${id} has already ${job.status}`);
    return job;
  }

  private async resolveWarmStart(
    projectId: number,
    preset: Preset,
    warmStart: WarmStart,
  ): Promise<{ weights: 'none' | 'coco' | 'base' | 'model-version'; parent?: ModelVersionRow }> {
    if (warmStart === 'scratch') return { weights: 'none' };
    if (warmStart === 'base') {
      // resnet50-fpn has the real thing; the CPU presets have a base pretrained on disjoint shapes
      if (preset === 'resnet50-fpn')
        throw validationError('warmStart', "preset resnet50-fpn has no base model; use 'coco'");
      return { weights: 'base' };
    }
    if (warmStart === 'coco') {
      if (preset !== 'resnet50-fpn')
        throw validationError('warmStart', 'COCO weights exist only for preset resnet50-fpn');
      return { weights: 'coco' };
    }
    const parent =
      warmStart === 'active'
        ? await this.modelVersions.active(projectId)
        : await this.modelVersions.find(projectId, warmStart.modelVersionId);
    if (!parent) throw validationError('warmStart', 'the project has no active model version');
    if (parent.preset !== preset)
      throw validationError(
        'warmStart',
        `model version ${parent.id} has preset ${parent.preset}, not ${preset}`,
      );
    return { weights: 'model-version', parent };
  }
}

function toJob(view: TrainingJobView): TrainingJob {
  const j = view.job;
  return {
    id: j.id,
    projectId: j.projectId,
    status: j.status,
    preset: j.preset,
    hyper: j.hyper,
    seed: j.seed,
    warmStart: {
      type: j.weights === 'none' ? 'scratch' : (j.weights as 'coco' | 'base' | 'model-version'),
      modelVersionId: j.parentModelVersionId,
    },
    labelSnapshot: {
      id: j.labelSnapshotId,
      trainImages: view.trainImages,
      valImages: view.valImages,
      labels: view.labels,
    },
    progress: j.progress as TrainingProgress,
    error: j.error ?? null,
    attempt: j.attempt,
    workerId: j.workerId,
    modelVersionId: view.modelVersionId,
    createdAt: j.createdAt,
    startedAt: j.startedAt,
    finishedAt: j.finishedAt,
    updatedAt: j.updatedAt,
  };
}

/** Sends the job's `train.run` message in the caller's transaction and records its id with the job. */
export async function enqueueTrainingJob(
  queue: Queue,
  db: Executor,
  client: pg.PoolClient,
  id: number,
): Promise<void> {
  const queueJobId = await queue.send('train.run', { trainingJobId: id }, { tx: client });
  await repo.setQueueJobId(db, id, queueJobId);
}
