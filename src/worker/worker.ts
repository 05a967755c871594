import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import type { CurrentJob, WorkerRegistryService } from '../domains/workers/worker-registry.service.ts';
import type { FetchedJob, Queue } from '../queue/queue.ts';
import { isJobName, JOB_NAMES, JOBS, type JobName, type JobPayload } from '../queue/registry.ts';

/** What a handler gets besides its payload: its slot, device, and a signal aborted when the worker stops. */
export interface JobContext<N extends JobName = JobName> {
  workerId: string;
  job: FetchedJob<N>;
  /** -1 for jobs that need no device. */
  slot: number;
  device: string;
  /** Slots of this worker on the CPU (a CPU slot shares the cores with them). */
  cpuSlots: number;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Adds fields to this job's entry in the worker's heartbeat (GET /v1/workers). */
  annotate: (info: Record<string, unknown>) => void;
}

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, ctx: JobContext<N>) => Promise<void>;

/** What a worker knows of one job kind: how to run a message, and how to put right what dead workers left. */
export interface JobKind<N extends JobName> {
  handle: JobHandler<N>;
  /**
   * Finds this kind's work that a dead worker left stranded (a claim nobody heartbeats, a message lost with
   * its process) and hands it back to the queue. Every worker runs it at start and after each heartbeat;
   * it must be idempotent. Answers a line for the log when it did something.
   */
  recover?: (staleAfterMs: number) => Promise<string | undefined>;
}

/** Every job of the registry (src/queue/registry.ts) with its kind: the worker refuses to start without one. */
export type JobKinds = { [N in JobName]: JobKind<N> };

export interface WorkerOptions {
  queue: Queue;
  registry: WorkerRegistryService;
  jobs: JobKinds;
  /** A claim whose worker has not beaten its heart for this long is a dead worker's: recover() takes it. */
  staleAfterMs: number;
  /** Default: every declared queue. */
  queues?: string[];
  devices: string[];
  /** Device slots; default one per device. */
  slots?: number;
  heartbeatMs: number;
  pollMs: number;
  log?: (line: string) => void;
}

export class WorkerStartupError extends Error {}

/**
 * A worker process's job loops. Device jobs share `slots`, each bound to one device; other jobs run
 * beside them. Fetches, heartbeats and stops are its own; what a job means is its handler's business.
 */
export class Worker {
  readonly id = randomUUID();
  private readonly abort = new AbortController();
  private readonly current = new Map<string, CurrentJob>();
  private loops: Promise<void>[] = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private beatAgain = false;
  private recovering = false;
  private stopping: Promise<void> | undefined;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly options: WorkerOptions,
    readonly queues: JobName[],
    readonly slots: number,
  ) {
    this.log = options.log ?? (() => {});
    // Every job loop listens on this one signal; more listeners than Node's default warns about is normal.
    setMaxListeners(0, this.abort.signal);
  }

  /** Checks the handlers and queues, registers the worker and starts its loops. */
  static async start(options: WorkerOptions): Promise<Worker> {
    const queues = checkQueues(options);
    if (options.devices.length === 0) throw new WorkerStartupError('a worker needs at least one device');
    const slots = options.slots ?? options.devices.length;
    if (!Number.isInteger(slots) || slots < 1)
      throw new WorkerStartupError(`--slots must be at least 1, got ${slots}`);
    const worker = new Worker(options, queues, slots);
    await options.registry.register(worker.describe());
    await worker.recover();
    worker.startLoops();
    return worker;
  }

  get devices(): string[] {
    return this.options.devices;
  }

  currentJobs(): CurrentJob[] {
    return [...this.current.values()];
  }

  /**
   * Stops taking jobs and aborts the running ones' signal: handlers hand their jobs back (a trainer
   * checkpoints first). Resolves when every loop has ended and the worker is marked stopped.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      clearInterval(this.heartbeatTimer);
      await Promise.allSettled(this.loops);
      await this.beating;
      await this.options.registry
        .stopped(this.id)
        .catch((err) => this.log(`worker: cannot mark stopped: ${err}`));
    })();
    return this.stopping;
  }

  private startLoops(): void {
    const deviceQueues = this.queues.filter((q) => JOBS[q].device);
    const cpuSlots = this.slotDevices().filter((d) => d === 'cpu').length;
    if (deviceQueues.length > 0)
      this.slotDevices().forEach((device, slot) => {
        this.loops.push(this.loop(deviceQueues, slot, device, cpuSlots));
      });
    for (const queue of this.queues.filter((q) => !JOBS[q].device))
      for (let i = 0; i < (JOBS[queue].concurrency ?? 1); i++)
        this.loops.push(this.loop([queue], -1, 'none', cpuSlots));
    this.heartbeatTimer = setInterval(() => void this.tick(), this.options.heartbeatMs);
  }

  /** Slot i runs on device i modulo the device count: more slots than GPUs share them round-robin. */
  private slotDevices(): string[] {
    return Array.from(
      { length: this.slots },
      (_, i) => this.options.devices[i % this.options.devices.length],
    );
  }

  private async loop(queues: JobName[], slot: number, device: string, cpuSlots: number): Promise<void> {
    let turn = Math.max(slot, 0);
    while (!this.abort.signal.aborted) {
      let job: FetchedJob | undefined;
      try {
        job = await this.fetchAny(queues, turn++);
      } catch (err) {
        this.log(`worker: fetch failed: ${(err as Error).message}`);
      }
      if (job) await this.runJob(job, slot, device, cpuSlots);
      else await sleep(this.options.pollMs, this.abort.signal);
    }
  }

  /** Takes from the queues in turn, starting at a different one each time, so no queue starves another. */
  private async fetchAny(queues: JobName[], turn: number): Promise<FetchedJob | undefined> {
    for (let i = 0; i < queues.length; i++) {
      if (this.abort.signal.aborted) return undefined;
      const job = await this.options.queue.fetch(queues[(turn + i) % queues.length]);
      if (job) return job;
    }
    return undefined;
  }

  private async runJob(job: FetchedJob, slot: number, device: string, cpuSlots: number): Promise<void> {
    const entry: CurrentJob = {
      slot,
      device,
      queue: job.name,
      queueJobId: job.id,
      startedAt: new Date().toISOString(),
    };
    this.current.set(job.id, entry);
    void this.beat();
    const ctx: JobContext = {
      workerId: this.id,
      job,
      slot,
      device,
      cpuSlots: Math.max(1, cpuSlots),
      signal: this.abort.signal,
      log: this.log,
      annotate: (info) => {
        Object.assign(entry, info);
        void this.beat();
      },
    };
    try {
      const kind = this.options.jobs[job.name] as JobKind<JobName>;
      await kind.handle(job.data, ctx);
      await this.options.queue.complete(job.name, job.id);
    } catch (err) {
      this.log(`worker: ${job.name} ${job.id} failed: ${(err as Error).stack ?? err}`);
      await this.options.queue.fail(job.name, job.id, err).catch(() => {});
    } finally {
      this.current.delete(job.id);
      void this.beat();
    }
  }

  /** On the heartbeat interval: a heartbeat, then the recovery that every live worker shares. */
  private async tick(): Promise<void> {
    await this.beat();
    if (!this.abort.signal.aborted) await this.recover();
  }

  /** Each job kind's recover(), one round at a time; a failing one neither stops the others nor the worker. */
  private async recover(): Promise<void> {
    if (this.recovering) return;
    this.recovering = true;
    try {
      for (const name of JOB_NAMES) {
        const recover = this.options.jobs[name].recover;
        if (!recover) continue;
        try {
          const done = await recover(this.options.staleAfterMs);
          if (done) this.log(`worker: ${name}: ${done}`);
        } catch (err) {
          this.log(`worker: ${name}: recovery failed: ${(err as Error).message}`);
        }
      }
    } finally {
      this.recovering = false;
    }
  }

  /** One heartbeat at a time; a change during one is sent by another right after. A worker whose row vanished registers again. */
  private beat(): Promise<void> {
    if (this.beating) {
      this.beatAgain = true;
      return this.beating;
    }
    this.beating = (async () => {
      try {
        do {
          this.beatAgain = false;
          const known = await this.options.registry.heartbeat(this.id, this.currentJobs());
          if (!known && !this.abort.signal.aborted) await this.options.registry.register(this.describe());
        } while (this.beatAgain);
      } catch (err) {
        this.log(`worker: heartbeat failed: ${(err as Error).message}`);
      } finally {
        this.beating = undefined;
      }
    })();
    return this.beating;
  }

  private describe() {
    return {
      id: this.id,
      hostname: os.hostname(),
      pid: process.pid,
      devices: this.options.devices,
      slots: this.slots,
      queues: this.queues,
    };
  }
}

function checkQueues(options: WorkerOptions): JobName[] {
  const missing = JOB_NAMES.filter((name) => typeof options.jobs?.[name]?.handle !== 'function');
  if (missing.length > 0)
    throw new WorkerStartupError(
      `no handler for job ${missing.map((n) => `"${n}"`).join(', ')}: every job declared in src/queue/registry.ts ` +
        'needs a handler in the worker (a `*.jobs.ts` of its domain, listed in src/worker/jobs.ts)',
    );
  const queues = options.queues ?? JOB_NAMES;
  const unknown = queues.filter((q) => !isJobName(q));
  if (unknown.length > 0)
    throw new WorkerStartupError(
      `unknown queue ${unknown.join(', ')}; known queues: ${JOB_NAMES.join(', ')}`,
    );
  if (queues.length === 0) throw new WorkerStartupError('a worker needs at least one queue');
  return [...new Set(queues)] as JobName[];
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
