import type { Client } from 'graphql-ws/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SWEEP_MS } from '../../src/graphql/revocation.ts';
import { collect, graphqlWsClient, type Stream } from '../helpers/graphql-ws.ts';
import { call, startTestServer, type TestServer } from '../helpers/server.ts';

/** Two API processes on one database, as two `serve`s behind a load balancer. */
let a: TestServer;
let b: TestServer;
let projectId: number;
const clients: Client[] = [];

beforeAll(async () => {
  a = await startTestServer();
  b = await startTestServer({ databaseUrl: a.server.ctx.database.url, adminKey: a.adminKey });
  projectId = (await a.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'P' })).id;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await b?.close();
  await a?.close();
});

async function projectKey(name: string): Promise<{ key: string; id: number }> {
  const res = await a.admin.json<{ key: string; info: { id: number } }>('POST', '/v1/api-keys', {
    name,
    projectId,
  });
  return { key: res.key, id: res.info.id };
}

async function subscribe(server: TestServer, key: string): Promise<Stream> {
  const client = await graphqlWsClient(server.url, key);
  clients.push(client);
  return collect(client, `subscription { projectEvents(projectId: ${projectId}) { type data } }`);
}

let iteration = 0;
const publish = () =>
  a.server.ctx.events.publish('training.progress', {
    projectId,
    trainingJobId: 1,
    phase: 'training',
    iteration: ++iteration,
    totalIterations: 1000,
  });

/** The server listens once the subscription arrives, which is not acknowledged: publish until one arrives. */
async function publishUntilReceived(stream: Stream): Promise<void> {
  for (let i = 0; i < 100 && stream.events.length === 0; i++) {
    await publish();
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(stream.events.length).toBeGreaterThan(0);
}

const closeCodes = (stream: Stream) => stream.errors.map((e) => (e as { code?: number }).code);

describe('revoking a key ends its GraphQL subscriptions', () => {
  it('closes the key’s websockets with 4403 in the process that revoked it, and delivers nothing more', async () => {
    const { key, id } = await projectKey('watcher');
    const stream = await subscribe(a, key);
    await publishUntilReceived(stream);
    expect((await call(`${a.url}/v1/api-keys/${id}`, a.adminKey, 'DELETE')).status).toBe(204);
    await expect.poll(() => closeCodes(stream)).toEqual([4403]);
    const seen = stream.events.length;
    await publish();
    await new Promise((r) => setTimeout(r, 300));
    expect(stream.events).toHaveLength(seen);
  });

  it('ends them in another API process at the next event, without delivering it', async () => {
    const { key, id } = await projectKey('watcher elsewhere');
    const stream = await subscribe(b, key);
    await publishUntilReceived(stream);
    const seen = stream.events.length;
    expect((await call(`${a.url}/v1/api-keys/${id}`, a.adminKey, 'DELETE')).status).toBe(204);
    // Process b re-checks a key at most once a second before delivering.
    await new Promise((r) => setTimeout(r, 1100));
    await publish();
    await expect.poll(() => closeCodes(stream)).toEqual([4403]);
    expect(stream.events).toHaveLength(seen);
  });

  it('ends an idle one in another API process within its sweep, with no event at all', async () => {
    const { key, id } = await projectKey('idle elsewhere');
    const stream = await subscribe(b, key);
    await publishUntilReceived(stream);
    const seen = stream.events.length;
    expect((await call(`${a.url}/v1/api-keys/${id}`, a.adminKey, 'DELETE')).status).toBe(204);
    await expect.poll(() => closeCodes(stream), { timeout: SWEEP_MS * 2 + 2000 }).toEqual([4403]);
    expect(stream.events).toHaveLength(seen);
  });

  it('refuses a new subscription on a connection whose key another process revoked', async () => {
    const { key, id } = await projectKey('late subscriber');
    const client = await graphqlWsClient(b.url, key);
    clients.push(client);
    const query = `subscription { projectEvents(projectId: ${projectId}) { type } }`;
    const first = collect(client, query);
    await publishUntilReceived(first);
    expect((await call(`${a.url}/v1/api-keys/${id}`, a.adminKey, 'DELETE')).status).toBe(204);
    await new Promise((r) => setTimeout(r, 1100));
    // Same websocket, authenticated before the revocation: no event is published, the start alone ends it.
    const second = collect(client, query);
    await expect.poll(() => closeCodes(second)).toEqual([4403]);
    expect(second.events).toEqual([]);
  });

  it('leaves other keys’ subscriptions open', async () => {
    const kept = await projectKey('kept');
    const gone = await projectKey('gone');
    const keptStream = await subscribe(a, kept.key);
    await publishUntilReceived(keptStream);
    expect((await call(`${a.url}/v1/api-keys/${gone.id}`, a.adminKey, 'DELETE')).status).toBe(204);
    const seen = keptStream.events.length;
    await publish();
    await expect.poll(() => keptStream.events.length).toBeGreaterThan(seen);
    expect(keptStream.errors).toEqual([]);
  });
});
