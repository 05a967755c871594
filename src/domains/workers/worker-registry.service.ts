import type { Db } from '../../db/database.ts';
import type { NewWorker, WorkerRow } from './worker.repository.ts';
import * as repo from './worker.repository.ts';

/** A job a worker holds right now, as its heartbeat reports it. */
export interface CurrentJob {
  slot: number;
  device: string;
  queue: string;
  queueJobId: string;
  startedAt: string;
  /** What the handler adds, such as the training job's id. */
  [key: string]: unknown;
}

export type WorkerInfo = Omit<WorkerRow, 'currentJobs' | 'stoppedAt'> & {
  currentJobs: CurrentJob[];
  freeSlots: number;
};

/** The `workers` table: who serves which queues on which devices, and who is still alive. */
export class WorkerRegistryService {
  constructor(private readonly db: Db) {}

  async register(worker: NewWorker): Promise<void> {
    await repo.insertWorker(this.db, worker);
  }

  /** False when the worker's row is gone or marked stopped: it should register again. */
  heartbeat(id: string, currentJobs: CurrentJob[]): Promise<boolean> {
    return repo.heartbeat(this.db, id, currentJobs);
  }

  async stopped(id: string): Promise<void> {
    await repo.markStopped(this.db, id);
  }

  async prune(): Promise<void> {
    await repo.pruneWorkers(this.db);
  }

  async listLive(staleAfterMs: number): Promise<WorkerInfo[]> {
    const rows = await repo.listLiveWorkers(this.db, staleAfterMs);
    return rows.map(({ stoppedAt: _s, currentJobs, ...row }) => {
      const jobs = currentJobs as CurrentJob[];
      const busySlots = new Set(jobs.filter((j) => j.slot >= 0).map((j) => j.slot)).size;
      return { ...row, currentJobs: jobs, freeSlots: Math.max(0, row.slots - busySlots) };
    });
  }
}
