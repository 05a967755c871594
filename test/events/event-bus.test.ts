import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClientTransaction } from '../../src/db/client-transaction.ts';
import type { DomainEvent } from '../../src/events/event-bus.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let projectId: number;
const seen: DomainEvent[] = [];

beforeAll(async () => {
  t = await startTestServer();
  projectId = (await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'E' })).id;
  await t.server.ctx.events.subscribe((e) => seen.push(e));
});
afterAll(() => t?.close());

async function until(check: () => boolean, what: string) {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const bus = () => t.server.ctx.events;
const stored = async (type: string) =>
  (await t.server.ctx.database.pool.query('select type, payload from events where type = $1', [type])).rows;

describe('event bus', () => {
  it('stores an event and hands it to subscribers, with its row id', async () => {
    const event = await bus().publish('model.activated', {
      projectId,
      modelVersionId: 1,
      previousModelVersionId: null,
    });
    await until(() => seen.some((e) => e.id === event.id), 'the event');
    expect(seen.find((e) => e.id === event.id)).toEqual(event);
    expect(await stored('model.activated')).toEqual([
      { type: 'model.activated', payload: { projectId, modelVersionId: 1, previousModelVersionId: null } },
    ]);
  });

  it('publishes in the caller’s transaction: nothing if it rolls back, only after it commits', async () => {
    await expect(
      withClientTransaction(t.server.ctx.database.pool, async (tx) => {
        await bus().publish('export.ready', { projectId, exportId: 1, format: 'coco', bytes: 1 }, { tx });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    let inside: DomainEvent | undefined;
    await withClientTransaction(t.server.ctx.database.pool, async (tx) => {
      inside = await bus().publish(
        'export.ready',
        { projectId, exportId: 2, format: 'coco', bytes: 2 },
        { tx },
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(seen.some((e) => e.id === inside!.id)).toBe(false);
    });
    await until(() => seen.some((e) => e.id === inside!.id), 'the committed event');
    expect(
      seen.filter((e) => e.type === 'export.ready').map((e) => (e.payload as { exportId: number }).exportId),
    ).toEqual([2]);
    expect(await stored('export.ready')).toHaveLength(1);
  });

  it('does not store progress events, and sends large events by reference', async () => {
    await bus().publish('training.progress', { projectId, trainingJobId: 5, iteration: 3 });
    await until(() => seen.some((e) => e.type === 'training.progress'), 'progress');
    expect(seen.find((e) => e.type === 'training.progress')?.id).toBeNull();
    expect(await stored('training.progress')).toEqual([]);

    const imageIds = Array.from({ length: 3000 }, (_, i) => i + 1);
    const big = await bus().publish('images.uploaded', {
      projectId,
      imageIds,
      created: 3000,
      existing: 0,
      split: 'train',
      poolState: 'unlabeled',
    });
    await until(() => seen.some((e) => e.id === big.id), 'the large event');
    expect((seen.find((e) => e.id === big.id)!.payload as { imageIds: number[] }).imageIds).toEqual(imageIds);
  });

  it('listens again after its connection drops', async () => {
    const { rows } = await t.server.ctx.database.pool.query(
      "select pg_terminate_backend(pid) as gone from pg_stat_activity where application_name = 'vlm-loop-events'",
    );
    expect(rows.map((r) => r.gone)).toEqual([true]);
    const before = seen.length;
    // The reconnect takes a moment; events published during it are not replayed, so keep publishing.
    for (let i = 0; i < 100 && seen.length === before; i++) {
      await bus().publish('training.progress', { projectId, trainingJobId: 6, iteration: i });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.length).toBeGreaterThan(before);
  });
});
