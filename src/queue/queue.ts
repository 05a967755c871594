import type pg from 'pg';
import PgBoss from 'pg-boss';
import { JOB_NAMES, JOBS, type JobName, type JobPayload } from './registry.ts';

export const QUEUE_SCHEMA = 'pgboss';

export interface SendOptions {
  /** With a queue policy that honours it, at most one job per key is waiting. */
  singletonKey?: string;
  startAfterSeconds?: number;
  priority?: number;
  /** Enqueue inside this open transaction, so the job exists only if the caller's rows commit. */
  tx?: pg.ClientBase;
}

export interface FetchedJob<N extends JobName = JobName> {
  id: string;
  name: N;
  data: JobPayload<N>;
  retryCount: number;
  retryLimit: number;
}

/**
 * pg-boss 10 in the `pgboss` schema of our own database, typed by the job registry: every declared queue
 * is created at start-up, and only declared names with their payload types can be sent or fetched.
 */
export class Queue {
  private constructor(private readonly boss: PgBoss) {}

  static async start(url: string, options: { log?: (line: string) => void } = {}): Promise<Queue> {
    const boss = new PgBoss({
      connectionString: url,
      schema: QUEUE_SCHEMA,
      max: 4,
      application_name: 'vlm-loop-queue',
      schedule: false,
    });
    // An EventEmitter without an error listener would crash the process on a dropped connection.
    boss.on('error', (err) => options.log?.(`queue error: ${err.message}`));
    await boss.start();
    try {
      for (const name of JOB_NAMES) await Queue.ensureQueue(boss, name);
    } catch (err) {
      await boss.stop({ graceful: false });
      throw err;
    }
    return new Queue(boss);
  }

  private static async ensureQueue(boss: PgBoss, name: JobName): Promise<void> {
    const def = JOBS[name];
    const settings = {
      name,
      policy: 'standard' as const,
      retryLimit: def.retryLimit,
      retryDelay: def.retryDelaySeconds,
      expireInSeconds: def.expireInSeconds,
    };
    await boss.createQueue(name, settings);
    // createQueue keeps an existing queue as it was; apply the settings declared now.
    await boss.updateQueue(name, settings);
  }

  async send<N extends JobName>(name: N, payload: JobPayload<N>, options: SendOptions = {}): Promise<string> {
    const { tx, startAfterSeconds, ...rest } = options;
    const id = await this.boss.send(name, payload as object, {
      ...rest,
      ...(startAfterSeconds !== undefined && { startAfter: startAfterSeconds }),
      ...(tx && { db: executorOf(tx) }),
    });
    if (!id)
      throw new Error(
        `queue ${name}: job not created (a job with singletonKey ${options.singletonKey} waits)`,
      );
    return id;
  }

  /** Takes the next job of `name`, or undefined when none is waiting. */
  async fetch<N extends JobName>(name: N): Promise<FetchedJob<N> | undefined> {
    const [job] = await this.boss.fetch<JobPayload<N>>(name, { batchSize: 1, includeMetadata: true });
    if (!job) return undefined;
    return { id: job.id, name, data: job.data, retryCount: job.retryCount, retryLimit: job.retryLimit };
  }

  async complete(name: JobName, id: string, output?: object): Promise<void> {
    await this.boss.complete(name, id, output);
  }

  /** Marks the job failed; pg-boss retries it later while its retry limit allows. */
  async fail(name: JobName, id: string, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    await this.boss.fail(name, id, { message });
  }

  /** A cancelled job is never fetched again. */
  async cancel(name: JobName, id: string, options: { tx?: pg.ClientBase } = {}): Promise<void> {
    await this.boss.cancel(name, id, options.tx ? { db: executorOf(options.tx) } : undefined);
  }

  async state(name: JobName, id: string): Promise<string | undefined> {
    const job = await this.boss.getJobById(name, id, { includeArchive: true });
    return job?.state;
  }

  async stop(): Promise<void> {
    // Our workers finish or hand back their jobs themselves; pg-boss only has to close its pool.
    await this.boss.stop({ graceful: false, close: true });
  }
}

function executorOf(client: pg.ClientBase): PgBoss.Db {
  return { executeSql: (text, values) => client.query(text, values) };
}
