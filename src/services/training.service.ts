import type pg from 'pg';
import { hyperErrors } from '../adapters/trainer-schemas.ts';
import { type ClientTransaction, withClientTransaction } from '../db/client-transaction.ts';
import type { Db, Executor } from '../db/database.ts';
import { AppError, conflict, notFound, validationError } from '../errors/problem.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { EventPayload, EventType } from '../events/registry.ts';
import type { Queue } from '../queue/queue.ts';
import type { LabelSnapshotRow } from '../repositories/label-snapshot.repository.ts';
import * as snapshotRepo from '../repositories/label-snapshot.repository.ts';
import type { ModelVersionRow, NewModelVersion } from '../repositories/model-version.repository.ts';
import * as versionRepo from '../repositories/model-version.repository.ts';
import type {
  TrainingJobRow,
  TrainingJobView,
  TrainingStatus,
} from '../repositories/training-job.repository.ts';
import * as repo from '../repositories/training-job.repository.ts';
import type { ModelVersionService } from './model-version.service.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from './pagination.ts';
import type { ProjectService } from './project.service.ts';
import type { TrainingProgress } from './training-progress.ts';

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

/** A job a worker holds: `attempt` fences its writes, the snapshot says what to train on. */
export interface ClaimedJob {
  job: TrainingJobRow;
  snapshot: LabelSnapshotRow;
}

export class JobLostError extends Error {
  constructor(id: number) {
    super(`training job ${id} is no longer held by this worker (cancelled or re-queued)`);
  }
}

export class TrainingService {
  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly queue: Queue,
    private readonly projects: ProjectService,
    private readonly modelVersions: ModelVersionService,
    private readonly events: EventBus,
  ) {}

  /** Announces what committed; a failed announcement is logged, never undoes the job's state. */
  private announce<T extends EventType>(type: T, payload: EventPayload<T>): Promise<void> {
    return this.events.publish(type, payload).then(
      () => undefined,
      (err: Error) => {
        process.stderr.write(`event ${type} not published: ${err.message}\n`);
      },
    );
  }

  /** Called by the worker once it holds the job on a device. */
  async started(claim: ClaimedJob, workerId: string, device: string): Promise<void> {
    const { job } = claim;
    await this.announce('training.started', {
      projectId: job.projectId,
      trainingJobId: job.id,
      attempt: job.attempt,
      workerId,
      device,
    });
  }

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
      await this.enqueue(db, client, job.id);
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

  // ---- worker side -------------------------------------------------------------------------------

  /** Takes the job for `workerId` unless it ended or runs on a live worker; see repo.claimTrainingJob. */
  async claim(id: number, workerId: string, staleAfterMs: number): Promise<ClaimedJob | undefined> {
    const job = await repo.claimTrainingJob(this.db, id, workerId, staleAfterMs);
    if (!job) return undefined;
    const snapshot = await snapshotRepo.findSnapshot(this.db, job.labelSnapshotId);
    if (!snapshot) throw new Error(`label snapshot ${job.labelSnapshotId} of training job ${id} is missing`);
    return { job, snapshot };
  }

  /** Writes progress while this attempt holds the job; false once it does not. */
  async writeProgress(claim: ClaimedJob, progress: TrainingProgress): Promise<boolean> {
    const held = await repo.updateOwnedJob(this.db, claim.job.id, claim.job.attempt, {
      progress: progress as Record<string, unknown>,
    });
    if (held)
      await this.announce('training.progress', {
        projectId: claim.job.projectId,
        trainingJobId: claim.job.id,
        ...(progress as Omit<EventPayload<'training.progress'>, 'projectId' | 'trainingJobId'>),
      });
    return held;
  }

  async recordTrainerPid(claim: ClaimedJob, trainerPid: number): Promise<void> {
    await repo.updateOwnedJob(this.db, claim.job.id, claim.job.attempt, { trainerPid });
  }

  async statusOf(id: number): Promise<TrainingStatus | undefined> {
    return (await repo.jobStatuses(this.db, [id])).get(id)?.status;
  }

  async stillHeld(claim: ClaimedJob): Promise<boolean> {
    const state = (await repo.jobStatuses(this.db, [claim.job.id])).get(claim.job.id);
    return state?.status === 'running' && state.attempt === claim.job.attempt;
  }

  async fail(
    claim: ClaimedJob,
    error: { code: string; message: string },
    progress: TrainingProgress,
  ): Promise<void> {
    await repo.updateOwnedJob(this.db, claim.job.id, claim.job.attempt, {
      status: 'failed',
      error: { code: error.code, message: error.message.slice(0, 8000) },
      progress: progress as Record<string, unknown>,
      trainerPid: null,
      finished: true,
    });
    await this.announce('training.failed', {
      projectId: claim.job.projectId,
      trainingJobId: claim.job.id,
      error: { code: error.code, message: error.message.slice(0, 2000) },
    });
  }

  /**
   * Marks the job succeeded and registers its model version in one transaction. Idempotent: a job has
   * at most one version, and a job this attempt lost (cancelled meanwhile) registers none.
   */
  async succeed(
    claim: ClaimedJob,
    version: Omit<NewModelVersion, 'projectId' | 'parentId' | 'trainingJobId' | 'labelSnapshotId' | 'preset'>,
    progress: TrainingProgress,
  ): Promise<ModelVersionRow> {
    const { job } = claim;
    const { row, activated } = await this.db.transaction(async (tx) => {
      const held = await repo.updateOwnedJob(tx, job.id, job.attempt, {
        status: 'succeeded',
        progress: progress as Record<string, unknown>,
        trainerPid: null,
        finished: true,
      });
      if (!held) throw new JobLostError(job.id);
      const row =
        (await versionRepo.insertModelVersion(tx, {
          ...version,
          projectId: job.projectId,
          parentId: job.parentModelVersionId,
          trainingJobId: job.id,
          labelSnapshotId: job.labelSnapshotId,
          preset: job.preset,
        })) ?? (await versionRepo.findByTrainingJob(tx, job.id))!;
      // A project's first model is the one to use until someone picks another.
      const first = !(await versionRepo.findActiveModelVersion(tx, job.projectId));
      if (first) await versionRepo.activate(tx, job.projectId, row.id);
      return { row, activated: first };
    });
    await this.announce('training.completed', {
      projectId: job.projectId,
      trainingJobId: job.id,
      modelVersionId: row.id,
      metrics: row.metrics,
      trainingSeconds: row.trainingSeconds,
    });
    if (activated)
      await this.announce('model.activated', {
        projectId: job.projectId,
        modelVersionId: row.id,
        previousModelVersionId: null,
      });
    return row;
  }

  /** Hands a job this attempt holds back to the queue (the worker is stopping); the trainer resumes elsewhere. */
  async requeue(claim: ClaimedJob): Promise<boolean> {
    return withClientTransaction(this.pool, async ({ db, client }) => {
      const row = await repo.requeueOwnedJob(db, claim.job.id, claim.job.attempt);
      if (!row) return false;
      await this.enqueue(db, client, row.id);
      return true;
    });
  }

  /**
   * Re-queues the running jobs of workers that stopped heartbeating: their queue messages are cancelled
   * and replaced, so the next free slot anywhere resumes them from their checkpoints.
   */
  async requeueOrphans(staleAfterMs: number): Promise<number[]> {
    return withClientTransaction(this.pool, async ({ db, client }) => {
      const rows = await repo.requeueOrphanedJobs(db, staleAfterMs);
      for (const row of rows) {
        if (row.queueJobId) await this.queue.cancel('train.run', row.queueJobId, { tx: client });
        await this.enqueue(db, client, row.id);
      }
      return rows.map((r) => r.id);
    });
  }

  private async enqueue(db: Executor, client: pg.PoolClient, id: number): Promise<void> {
    const queueJobId = await this.queue.send('train.run', { trainingJobId: id }, { tx: client });
    await repo.setQueueJobId(db, id, queueJobId);
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
