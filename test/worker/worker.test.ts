import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_NAMES, type JobName } from '../../src/queue/registry.ts';
import { resolveDevices } from '../../src/worker/devices.ts';
import { startWorker } from '../../src/worker/start.ts';
import { type JobHandler, type JobKinds, Worker, WorkerStartupError } from '../../src/worker/worker.ts';
import { call, startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

const baseOptions = () => ({
  queue: t.server.ctx.queue,
  registry: t.server.ctx.services.workers,
  devices: ['cpu'],
  heartbeatMs: 200,
  pollMs: 500,
  staleAfterMs: 60_000,
});

/** A no-op handler for every declared job, with some replaced. */
const kindsWith = (some: Partial<{ [N in JobName]: JobHandler<N> }> = {}): JobKinds =>
  Object.fromEntries(JOB_NAMES.map((n) => [n, { handle: some[n] ?? (async () => {}) }])) as JobKinds;

describe('worker start-up', () => {
  it('fails with a clear error when a declared job has no handler', async () => {
    const { 'train.run': _omitted, ...others } = kindsWith();
    await expect(Worker.start({ ...baseOptions(), jobs: others as JobKinds })).rejects.toThrow(
      /^no handler for job "train\.run":/,
    );
    const attempt = Worker.start({ ...baseOptions(), jobs: {} as JobKinds });
    await expect(attempt).rejects.toThrow(WorkerStartupError);
    await expect(Worker.start({ ...baseOptions(), jobs: {} as JobKinds })).rejects.toThrow(
      /no handler for job "train\.run".*src\/queue\/registry\.ts/,
    );
  });

  it('refuses queues that are not declared', async () => {
    const jobs = kindsWith();
    await expect(Worker.start({ ...baseOptions(), jobs, queues: ['train.run', 'nope'] })).rejects.toThrow(
      /unknown queue nope; known queues: .*train\.run/,
    );
  });
});

describe('recovery', () => {
  it("runs every job kind's recover() at start and after each heartbeat, a failing one not stopping the others", async () => {
    const calls: string[] = [];
    const lines: string[] = [];
    const jobs = kindsWith();
    jobs['train.run'].recover = async (staleAfterMs) => {
      calls.push(`train.run ${staleAfterMs}`);
      throw new Error('database hiccup');
    };
    jobs['run.step'].recover = async () => {
      calls.push('run.step');
      return 're-sent steps of stalled run(s) 7';
    };
    const worker = await Worker.start({
      ...baseOptions(),
      jobs,
      queues: ['webhook.deliver'],
      log: (l) => lines.push(l),
    });
    try {
      // At start, before any loop: both kinds, in registry order, the failure logged and passed over.
      expect(calls).toEqual(['train.run 60000', 'run.step']);
      expect(lines).toContain('worker: train.run: recovery failed: database hiccup');
      expect(lines).toContain('worker: run.step: re-sent steps of stalled run(s) 7');
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(calls.filter((c) => c === 'run.step').length).toBeGreaterThan(1);
    } finally {
      await worker.stop();
    }
  });
});

describe('devices', () => {
  const gpus = (n: number) => async () => Array.from({ length: n }, (_, i) => i);
  it('resolves --cpu, --gpus all, index lists and the default', async () => {
    expect(await resolveDevices('cpu', gpus(2))).toEqual(['cpu']);
    expect(await resolveDevices('all', gpus(2))).toEqual(['cuda:0', 'cuda:1']);
    expect(await resolveDevices('1,3', gpus(0))).toEqual(['cuda:1', 'cuda:3']);
    expect(await resolveDevices(undefined, gpus(1))).toEqual(['cuda:0']);
    expect(await resolveDevices(undefined, gpus(0))).toEqual(['cpu']);
    await expect(resolveDevices('all', gpus(0))).rejects.toThrow(/no GPU/);
    await expect(resolveDevices('gpu0', gpus(1))).rejects.toThrow(/indexes/);
  });
});

describe('GET /v1/workers', () => {
  it('lists live workers with slots, devices and current jobs, for admins only', async () => {
    const worker = await startWorker(t.server.ctx, { devices: 'cpu', slots: 2 });
    try {
      const res = await call(`${t.url}/v1/workers`, t.adminKey, 'GET');
      expect(res.status).toBe(200);
      const mine = res.body.data.find((w: { id: string }) => w.id === worker.id);
      expect(mine).toMatchObject({
        pid: process.pid,
        devices: ['cpu'],
        slots: 2,
        freeSlots: 2,
        queues: JOB_NAMES,
        currentJobs: [],
      });
      const project = await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'w' });
      const { key } = await t.admin.json<{ key: string }>('POST', '/v1/api-keys', {
        name: 'p',
        projectId: project.id,
      });
      expect((await call(`${t.url}/v1/workers`, key, 'GET')).status).toBe(403);
    } finally {
      await worker.stop();
    }
    const after = await call(`${t.url}/v1/workers`, t.adminKey, 'GET');
    expect(after.body.data.find((w: { id: string }) => w.id === worker.id)).toBeUndefined();
  });

  it('leaves out a worker that stopped heartbeating', async () => {
    const { ctx } = t.server;
    await ctx.services.workers.register({
      id: 'silent-worker',
      hostname: 'elsewhere',
      pid: 1,
      devices: ['cuda:0'],
      slots: 1,
      queues: ['train.run'],
    });
    const live = async () => (await ctx.services.workers.listLive(1000)).map((w) => w.id);
    expect(await live()).toContain('silent-worker');
    await ctx.database.pool.query(
      "update workers set last_heartbeat_at = now() - interval '1 hour' where id = 'silent-worker'",
    );
    expect(await live()).not.toContain('silent-worker');
  });

  it('shows the job a slot is running, and runs the handler with the slot device', async () => {
    const seen: { device: string; slot: number }[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const worker = await Worker.start({
      ...baseOptions(),
      devices: ['cuda:0', 'cuda:1'],
      queues: ['train.run'],
      jobs: kindsWith({
        'train.run': async (_payload, job) => {
          seen.push({ device: job.device, slot: job.slot });
          job.annotate({ trainingJobId: 999 });
          await gate;
        },
      }),
    });
    try {
      const queueJobId = await t.server.ctx.queue.send('train.run', { trainingJobId: 999 });
      await waitFor(async () => {
        const res = await call(`${t.url}/v1/workers`, t.adminKey, 'GET');
        const mine = res.body.data.find((w: { id: string }) => w.id === worker.id);
        return mine?.currentJobs.length === 1 ? mine : undefined;
      }).then((mine) => {
        expect(mine.freeSlots).toBe(1);
        expect(mine.currentJobs[0]).toMatchObject({ queue: 'train.run', queueJobId, trainingJobId: 999 });
      });
      expect(seen).toHaveLength(1);
      expect(['cuda:0', 'cuda:1']).toContain(seen[0].device);
      release();
      await waitFor(async () =>
        (await t.server.ctx.queue.state('train.run', queueJobId)) === 'completed' ? true : undefined,
      );
    } finally {
      release();
      await worker.stop();
    }
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
