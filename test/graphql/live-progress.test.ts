import path from 'node:path';
import { type Client, createClient } from 'graphql-ws/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePool, trainTinyModel, waitForPass } from '../helpers/passes.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ensureTrainerEnv, seedSynthProject, trainingConfig, waitUntil } from '../helpers/training.ts';

/** Live progress from real work: a training job through the queue, then a real oracle pass. */
let t: TestServer;
let projectId: number;
let client: Client;
const events: { type: string; data: Record<string, unknown> }[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
  await ensureTrainerEnv();
  t = await startTestServer({ inProcessWorker: true, ...trainingConfig() });
  projectId = (await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 14)).id;
  const { default: WebSocket } = (await import('ws' as string)) as { default: unknown };
  client = createClient({
    url: `${t.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${t.adminKey}` },
    retryAttempts: 0,
  });
  client.subscribe(
    { query: `subscription { projectEvents(projectId: ${projectId}) { type data } }` },
    {
      next: (r) => (r.errors ? errors.push(...r.errors) : events.push((r.data as any).projectEvents)),
      error: (e) => errors.push(e),
      complete: () => {},
    },
  );
  // The subscription is not acknowledged: announce until one arrives, so nothing after it is missed.
  await waitUntil(async () => {
    await t.server.ctx.events.publish('pass.progress', { projectId, passId: 0, done: 0, total: 0 });
    return events.length > 0 || errors.length > 0;
  }, 15_000);
}, 900_000);
afterAll(async () => {
  await client?.dispose();
  await t?.close();
});

const ofType = (type: string) => events.filter((e) => e.type === type);

describe('live progress over GraphQL subscriptions', () => {
  it('streams a real training job: started, progress, completed, and the first model activated', async () => {
    const versionId = await trainTinyModel(t.admin, projectId, 6);
    await waitUntil(() => ofType('model.activated').length > 0, 20_000);
    expect(errors).toEqual([]);
    const jobId = ofType('training.completed')[0].data.trainingJobId;
    expect(ofType('training.started')[0].data).toMatchObject({ trainingJobId: jobId, device: 'cpu' });
    expect(ofType('training.progress').filter((e) => e.data.trainingJobId === jobId).length).toBeGreaterThan(
      0,
    );
    expect(ofType('training.completed')[0].data.modelVersionId).toBe(versionId);
    expect(ofType('model.activated')[0].data).toMatchObject({
      modelVersionId: versionId,
      previousModelVersionId: null,
    });
  }, 900_000);

  it('streams a real pass: progress, then its completion with the counts the API reports', async () => {
    await makePool(t.admin, projectId, 3);
    const created = await t.admin.json<{ id: number }>('POST', `/v1/projects/${projectId}/passes`, {
      judge: { kind: 'oracle' },
    });
    const done = await waitForPass(t.admin, projectId, created.id, (p) => p.status === 'completed');
    await waitUntil(() => ofType('pass.completed').length > 0, 20_000);
    const progress = ofType('pass.progress').filter((e) => e.data.passId === created.id);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1].data.total).toBe(done.counts.images);
    expect(ofType('pass.completed')[0].data).toMatchObject({
      passId: created.id,
      approved: done.counts.approved,
      rejected: done.counts.rejected,
    });
  }, 600_000);
});
