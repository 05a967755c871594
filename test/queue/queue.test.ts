import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClientTransaction } from '../../src/db/client-transaction.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { Queue } from '../../src/queue/queue.ts';
import { isJobName, JOB_NAMES, JOBS } from '../../src/queue/registry.ts';
import { freshDatabaseUrl } from '../helpers/db.ts';

let database: Database;
let queue: Queue;

beforeAll(async () => {
  database = await openDatabase({ databaseUrl: await freshDatabaseUrl(), dataDir: '', embeddedPgPort: 0 });
  queue = await Queue.start(database.url);
});
afterAll(async () => {
  await queue?.stop();
  await database?.close();
});

describe('job registry', () => {
  it('declares train.run as a device job carrying only an id', () => {
    expect(JOB_NAMES).toContain('train.run');
    expect(JOBS['train.run'].device).toBe(true);
    expect(isJobName('train.run')).toBe(true);
    expect(isJobName('nope')).toBe(false);
  });
});

describe('queue', () => {
  it('creates a pg-boss queue for every declared job in the pgboss schema, with the declared settings', async () => {
    const { rows } = await database.pool.query('select name, retry_limit, expire_seconds from pgboss.queue');
    for (const name of JOB_NAMES) {
      const row = rows.find((r) => r.name === name);
      expect(row, name).toBeDefined();
      expect(row.retry_limit).toBe(JOBS[name].retryLimit);
      expect(row.expire_seconds).toBe(JOBS[name].expireInSeconds);
    }
  });

  it('starts again on the same database without error (queues already exist)', async () => {
    const second = await Queue.start(database.url);
    await second.stop();
  });

  it('sends, fetches and completes a typed job', async () => {
    const id = await queue.send('train.run', { trainingJobId: 41 });
    const job = await queue.fetch('train.run');
    expect(job).toMatchObject({ id, name: 'train.run', data: { trainingJobId: 41 }, retryCount: 0 });
    expect(await queue.fetch('train.run')).toBeUndefined();
    await queue.complete('train.run', id);
    expect(await queue.state('train.run', id)).toBe('completed');
  });

  it('enqueues inside a transaction: a rolled-back send leaves no job', async () => {
    await expect(
      withClientTransaction(database.pool, async ({ client }) => {
        await queue.send('train.run', { trainingJobId: 42 }, { tx: client });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await queue.fetch('train.run')).toBeUndefined();
    const id = await withClientTransaction(database.pool, ({ client }) =>
      queue.send('train.run', { trainingJobId: 43 }, { tx: client }),
    );
    expect((await queue.fetch('train.run'))?.id).toBe(id);
    await queue.complete('train.run', id);
  });

  it('never hands out a cancelled job, and retries a failed one', async () => {
    const cancelled = await queue.send('train.run', { trainingJobId: 44 });
    await queue.cancel('train.run', cancelled);
    expect(await queue.fetch('train.run')).toBeUndefined();
    expect(await queue.state('train.run', cancelled)).toBe('cancelled');

    const failing = await queue.send('train.run', { trainingJobId: 45 });
    await queue.fetch('train.run');
    await queue.fail('train.run', failing, new Error('boom'));
    expect(await queue.state('train.run', failing)).toBe('retry');
  });
});
