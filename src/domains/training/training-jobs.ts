import type pg from 'pg';
import { withClientTransaction } from '../../db/client-transaction.ts';
import type { Db } from '../../db/database.ts';
import type { EventBus } from '../../events/event-bus.ts';
import type { EventPayload, EventType } from '../../events/registry.ts';
import type { Queue } from '../../queue/queue.ts';
import type { LabelSnapshotRow } from '../datasets/label-snapshot.repository.ts';
import * as snapshotRepo from '../datasets/label-snapshot.repository.ts';
import type { ModelVersionRow, NewModelVersion } from '../models/model-version.repository.ts';
import * as versionRepo from '../models/model-version.repository.ts';
import { enqueueTrainingJob } from './training.service.ts';
import type { TrainingJobRow, TrainingStatus } from './training-job.repository.ts';
import * as repo from './training-job.repository.ts';
import type { TrainingProgress } from './training-progress.ts';

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

/**
 * The worker's side of training jobs: claiming a job for a slot, its progress and its end (a model
 * version, a failure, or back to the queue), and taking over the jobs of workers that died. Every write
 * is fenced by the claim's attempt, so a job lost to another worker or cancelled is left alone.
 */
export class TrainingJobs {
  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly queue: Queue,
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
      await enqueueTrainingJob(this.queue, db, client, row.id);
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
        await enqueueTrainingJob(this.queue, db, client, row.id);
      }
      return rows.map((r) => r.id);
    });
  }
}
