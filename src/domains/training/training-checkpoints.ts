import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../../blob/blob-store.ts';
import type { Db } from '../../db/database.ts';
import * as repo from './training-checkpoint.repository.ts';
import type { ClaimedJob } from './training-jobs.ts';

/**
 * A training job's resumable checkpoint kept in the blob store, not only in a worker's folder: the
 * worker that claims the job next, on any machine, puts it back where the trainer looks (`resume: auto`).
 * Uploads run one after another behind the trainer; a newer checkpoint replaces the older blob.
 */
export class TrainingCheckpoints {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
  ) {}

  /**
   * Puts the job's stored checkpoint at `file` unless the file already holds it. False when the store
   * has none (a first attempt, or one that died before its first upload).
   */
  async restore(job: ClaimedJob['job'], file: string): Promise<boolean> {
    const sha = job.resumeCheckpointSha256;
    if (!sha) return false;
    if ((await this.blobs.has(sha)) === false) return false;
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.download`;
    // The S3 store's stream fails at its end if the bytes are not the blob's: a damaged copy is never renamed.
    await pipeline(this.blobs.stream(sha), createWriteStream(tmp));
    await fs.rename(tmp, file);
    return true;
  }

  /** Uploads `file` and records it for this attempt; the checkpoint it replaces leaves the store. */
  async save(claim: ClaimedJob, file: string): Promise<string | undefined> {
    const { sha256 } = await this.blobs.put(createReadStream(file));
    const { recorded, replaced } = await repo.recordResumeCheckpoint(
      this.db,
      claim.job.id,
      claim.job.attempt,
      sha256,
    );
    if (!recorded) {
      // The job was lost meanwhile: this upload is nobody's.
      await this.deleteUnlessUsed(sha256);
      return undefined;
    }
    if (replaced && replaced !== sha256) await this.deleteUnlessUsed(replaced);
    return sha256;
  }

  /** After the job ended (succeeded, failed, cancelled): its checkpoint is no use to anyone. */
  async discard(jobId: number): Promise<void> {
    const sha = await repo.clearResumeCheckpoint(this.db, jobId);
    if (sha) await this.deleteUnlessUsed(sha);
  }

  private async deleteUnlessUsed(sha256: string): Promise<void> {
    if (!(await repo.blobReferenced(this.db, sha256))) await this.blobs.delete(sha256);
  }
}

/** Serialises a job's uploads behind the trainer: at most one running, and only the newest waiting. */
export class CheckpointUploads {
  private running: Promise<void> = Promise.resolve();
  private waiting: string | undefined;
  private busy = false;

  constructor(
    private readonly checkpoints: TrainingCheckpoints,
    private readonly claim: ClaimedJob,
    private readonly log: (line: string) => void,
  ) {}

  push(file: string): void {
    this.waiting = file;
    if (!this.busy) this.running = this.drain();
  }

  /** Resolves once every pushed checkpoint is uploaded (or failed and logged). */
  settled(): Promise<void> {
    return this.running;
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.waiting) {
        const file = this.waiting;
        this.waiting = undefined;
        try {
          const sha = await this.checkpoints.save(this.claim, file);
          if (sha) this.log(`training job ${this.claim.job.id}: checkpoint stored (${sha.slice(0, 12)})`);
        } catch (err) {
          // The next checkpoint tries again; until then a takeover resumes from an older one.
          this.log(`training job ${this.claim.job.id}: checkpoint not stored: ${(err as Error).message}`);
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
