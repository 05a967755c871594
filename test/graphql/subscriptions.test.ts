import http from 'node:http';
import { drizzle } from 'drizzle-orm/node-postgres';
import { type Client, createClient } from 'graphql-ws/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../../src/db/schema/index.ts';
import { PgEventBus } from '../../src/events/pg-event-bus.ts';
import { form, jpeg } from '../helpers/images.ts';
import { call, startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let a: { id: number };
let b: { id: number };
let keyA: string;
let keyB: string;
/** A second process's view of the database, as a worker has: its own pool and its own bus. */
let otherPool: pg.Pool;
let otherBus: PgEventBus;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestServer();
  a = await t.admin.json('POST', '/v1/projects', { name: 'A', categories: [{ name: 'x' }] });
  b = await t.admin.json('POST', '/v1/projects', { name: 'B', categories: [{ name: 'x' }] });
  keyA = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'a', projectId: a.id })).key;
  keyB = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'b', projectId: b.id })).key;
  const url = t.server.ctx.database.url;
  otherPool = new pg.Pool({ connectionString: url, max: 2 });
  otherBus = new PgEventBus(drizzle(otherPool, { schema }), otherPool, { url });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await otherBus?.close();
  await otherPool?.end();
  await t?.close();
});

/** A graphql-ws client over a real websocket (Node 20 has no global WebSocket: the `ws` package). */
async function connect(key: string): Promise<Client> {
  const { default: WebSocket } = (await import('ws' as string)) as { default: unknown };
  const client = createClient({
    url: `${t.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

/** The `Event` type of schema/schema.graphql, as a client receives it. */
interface EventView {
  id: string | null;
  type: string;
  projectId: string;
  timestamp: string;
  data: Record<string, unknown>;
}

interface Subscription {
  events: EventView[];
  errors: unknown[];
  completed: boolean;
}

function subscribe(client: Client, query: string): Subscription {
  const sub: Subscription = { events: [], errors: [], completed: false };
  client.subscribe(
    { query },
    {
      next: (result) => {
        if (result.errors) sub.errors.push(...result.errors);
        else sub.events.push(Object.values(result.data ?? {})[0] as EventView);
      },
      // A refused operation arrives as the list of its GraphQL errors; a dropped socket as one error.
      error: (err) => sub.errors.push(...(Array.isArray(err) ? err : [err])),
      complete: () => {
        sub.completed = true;
      },
    },
  );
  return sub;
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The server starts listening when the subscription arrives, which the protocol does not acknowledge:
 * publish until the first event comes through (bounded), then everything after it is in order.
 */
async function publishUntilReceived(sub: Subscription, publish: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 100 && sub.events.length === 0 && sub.errors.length === 0; i++) {
    await publish();
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(sub.errors).toEqual([]);
  expect(sub.events.length).toBeGreaterThan(0);
}

const progress = (projectId: number, trainingJobId: number, iteration: number) =>
  otherBus.publish('training.progress', {
    projectId,
    trainingJobId,
    phase: 'training',
    iteration,
    totalIterations: 100,
  });

describe('GraphQL subscriptions over graphql-ws', () => {
  it('delivers training progress published by another process, and ends with the job', async () => {
    const sub = subscribe(
      await connect(keyA),
      'subscription { trainingProgress(jobId: 42) { id type projectId timestamp data } }',
    );
    await publishUntilReceived(sub, () => progress(a.id, 42, 1));
    const seen = sub.events.length;
    await progress(a.id, 43, 2); // another job: not for this subscription
    await progress(a.id, 42, 3);
    await otherBus.publish('training.completed', {
      projectId: a.id,
      trainingJobId: 42,
      modelVersionId: 7,
      metrics: { segm_AP: 0.5 },
      trainingSeconds: 12,
    });
    await until(() => sub.completed, 'the subscription to complete');
    const rest = sub.events.slice(seen);
    expect(rest.map((e) => [e.type, e.data.iteration ?? null])).toEqual([
      ['training.progress', 3],
      ['training.completed', null],
    ]);
    expect(rest[0]).toMatchObject({
      id: null,
      projectId: String(a.id),
      data: { trainingJobId: 42, phase: 'training' },
    });
    expect(rest[1].id).toMatch(/^\d+$/);
    expect(new Date(rest[1].timestamp).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('streams a project’s events, images.uploaded from a real upload included', async () => {
    const sub = subscribe(
      await connect(keyA),
      `subscription { projectEvents(projectId: ${a.id}) { type data } }`,
    );
    await publishUntilReceived(sub, () => progress(a.id, 1, 0));
    const up = await call(
      `${t.url}/v1/projects/${a.id}/images?split=val`,
      keyA,
      'POST',
      form([
        { name: 'p.jpg', bytes: await jpeg(12, 12, 5) },
        { name: 'q.jpg', bytes: await jpeg(12, 12, 6) },
      ]),
    );
    await until(() => sub.events.some((e) => e.type === 'images.uploaded'), 'images.uploaded');
    expect(sub.events.find((e) => e.type === 'images.uploaded')?.data).toEqual({
      projectId: a.id,
      imageIds: up.body.data.map((i: { id: number }) => i.id),
      created: 2,
      existing: 0,
      split: 'val',
      poolState: 'unlabeled',
    });
  });

  it('keeps projects apart: a key sees only its project’s events', async () => {
    const forbidden = subscribe(
      await connect(keyB),
      `subscription { projectEvents(projectId: ${a.id}) { type } }`,
    );
    await until(() => forbidden.errors.length > 0, 'the refusal');
    expect(forbidden.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/scoped to project/),
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);

    const mine = subscribe(await connect(keyA), 'subscription { trainingProgress(jobId: 77) { projectId } }');
    const theirs = subscribe(
      await connect(keyB),
      'subscription { trainingProgress(jobId: 77) { projectId } }',
    );
    await publishUntilReceived(mine, () => progress(a.id, 77, 1));
    await publishUntilReceived(theirs, () => progress(b.id, 77, 1));
    expect(new Set(mine.events.map((e) => e.projectId))).toEqual(new Set([String(a.id)]));
    expect(new Set(theirs.events.map((e) => e.projectId))).toEqual(new Set([String(b.id)]));
  });

  it('refuses a websocket whose connection_init carries no valid key', async () => {
    const sub = subscribe(
      await connect('vlm_made_up'),
      'subscription { projectEvents(projectId: 1) { type } }',
    );
    await until(() => sub.errors.length > 0 || sub.completed, 'the refusal');
    expect(sub.events).toEqual([]);
    // Nor does a plain HTTP request that only claims to upgrade get past authentication.
    const query = encodeURIComponent('{ projects { edges { node { id } } } }');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      http
        .get(`${t.url}/graphql?query=${query}`, { headers: { upgrade: 'websocket' } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
        .on('error', reject);
    });
    expect(status).toBe(401);
  });
});
