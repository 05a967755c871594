/**
 * A real tiny run (created through REST, taken by the in-process worker: the trainer's tiny preset, the
 * COCO evaluation, an oracle-judged pass) read back through GraphQL over real HTTP, and followed live by
 * graphql-ws subscriptions. The cheap cases (errors, paging, loaders over many runs) are in runs-api.test.ts.
 */
import type { Client } from 'graphql-ws/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunView, startRunServer, waitForRun } from '../domains/runs/run-helpers.ts';
import { collect, graphqlWsClient, type Stream } from '../helpers/graphql-ws.ts';
import { countQueries } from '../helpers/query-counter.ts';
import { call, type TestServer } from '../helpers/server.ts';
import { type SeededProject, waitUntil } from '../helpers/training.ts';

const TIMEOUT = 900_000;

let t: TestServer;
let project: SeededProject;
let other: { id: number };
let key: string;
let foreignKey: string;
const clients: Client[] = [];

/** Subscribes on a client of its own, disposed after all. */
async function subscribe(apiKey: string, query: string): Promise<Stream> {
  const client = await graphqlWsClient(t.url, apiKey);
  clients.push(client);
  return collect(client, query);
}

const gql = (query: string, apiKey = key) => call(`${t.url}/graphql`, apiKey, 'POST', { query });

beforeAll(async () => {
  ({ t, project } = await startRunServer(true));
  other = await t.admin.json('POST', '/v1/projects', { name: 'other', categories: [{ name: 'x' }] });
  const keyOf = async (projectId: number) =>
    (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: `k${projectId}`, projectId })).key;
  key = await keyOf(project.id);
  foreignKey = await keyOf(other.id);
}, TIMEOUT);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await t?.close();
});

const COST = `{ annotationSeconds reviewSeconds humanHours vlmPromptTokens vlmCompletionTokens vlmUsd
  trainingSeconds trainingDevice humanUsd computeUsd totalUsd }`;
const RUN_QUERY = (id: number) => `{ run(projectId: ${project.id}, id: ${id}) {
  id projectId name status stopReason config plannedIterations iteration error { code message } cost ${COST}
  createdAt startedAt finishedAt updatedAt
  iterations { runId iteration status step trainingJobId modelVersionId evaluationId passId trainImages
    approved accepted rejected abstained errors agreement createdAt finishedAt
    metrics { segmAP segmAP50 segmAP75 perCategory { id name ap ap50 } raw }
    cost ${COST} cumulativeCost ${COST}
    trainingJob { id status modelVersionId labelSnapshot { trainImages } }
    modelVersion { id parentId trainingJobId preset }
    pass { id status modelVersionId counts { images approved rejected accepted } } }
  costs { iteration kind quantity unit seconds usd detail createdAt }
} }`;

/** REST's JSON with ids as GraphQL's strings. */
const withStringIds = (o: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, /(^id|Id)$/.test(k) && typeof v === 'number' ? String(v) : v]),
  );

describe('a real run through GraphQL', { timeout: TIMEOUT }, () => {
  let run: RunView;
  let iterations: Stream;
  let foreign: Stream;
  let projectEvents: Stream;

  it('follows a tiny oracle-judged run live: run.iteration.completed per iteration, then run.completed', async () => {
    projectEvents = await subscribe(
      key,
      `subscription { projectEvents(projectId: ${project.id}) { type data } }`,
    );
    // The subscription is not acknowledged: announce until one arrives, so nothing after it is missed.
    await waitUntil(async () => {
      await t.server.ctx.events.publish('pass.progress', {
        projectId: project.id,
        passId: 0,
        done: 0,
        total: 0,
      });
      return projectEvents.events.length > 0 || projectEvents.errors.length > 0;
    });
    const created = await call(`${t.url}/v1/projects/${project.id}/runs`, t.adminKey, 'POST', {
      name: 'graphql run',
      initialLabels: { fraction: 0.34, seed: 3 },
      iterations: 1,
      judge: { kind: 'oracle' },
      // Low enough that the tiny model's masks are drawn and judged.
      scoreThreshold: 0.05,
      training: { preset: 'tiny', hyper: { maxIterations: 6, batchSize: 2, evalEvery: 1000 }, seed: 1 },
      stop: { minApprovals: 0 },
      cost: { humanUsdPerHour: 36, computeUsdPerHour: { cpu: 0.5 } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const runId = created.body.id;
    // Iteration 0 trains a model first: the subscriptions are listening long before its first event.
    const fields = '{ type projectId data }';
    iterations = await subscribe(key, `subscription { runIterations(runId: ${runId}) ${fields} }`);
    foreign = await subscribe(foreignKey, `subscription { runIterations(runId: ${runId}) ${fields} }`);

    run = await waitForRun(t.admin, project.id, runId, (r) => r.status === 'succeeded');
    expect(run.stopReason).toBe('iterations');
    await waitUntil(() => iterations.completed, 20_000);
    expect(iterations.errors).toEqual([]);
    expect(iterations.events.map((e) => [e.type, e.data.iteration ?? null])).toEqual([
      ['run.iteration.completed', 0],
      ['run.iteration.completed', 1],
      ['run.completed', null],
    ]);
    for (const [k, event] of iterations.events.slice(0, 2).entries())
      expect(event).toMatchObject({
        projectId: String(project.id),
        data: {
          runId,
          modelVersionId: run.iterations[k].modelVersionId,
          passId: run.iterations[k].passId,
          labeledImages: run.iterations[k].trainImages,
          metrics: { segmAP: run.iterations[k].metrics?.segmAP },
        },
      });
    expect(iterations.events[2].data).toEqual({
      projectId: project.id,
      runId,
      iterations: 2,
      status: 'succeeded',
      stopReason: 'iterations',
    });
    // The project's stream has them too; a key of another project receives nothing of this run.
    await waitUntil(() => projectEvents.events.some((e) => e.type === 'run.completed'));
    expect(projectEvents.events.filter((e) => e.type.startsWith('run.')).map((e) => e.type)).toEqual([
      'run.iteration.completed',
      'run.iteration.completed',
      'run.completed',
    ]);
    expect(foreign.events).toEqual([]);
    expect(foreign.completed).toBe(false);
  });

  it('reads the run back as REST shows it, with its iterations, ledger and children', async () => {
    const res = await gql(RUN_QUERY(run.id));
    expect(res.body.errors).toBeUndefined();
    const gqlRun = res.body.data.run;
    const fromRest = (await call(`${t.url}/v1/projects/${project.id}/runs/${run.id}`, key, 'GET')).body;
    const ledger = (await call(`${t.url}/v1/projects/${project.id}/runs/${run.id}/costs`, key, 'GET')).body;
    const { iterations: restIterations, ...restRun } = fromRest;
    expect(gqlRun).toMatchObject(withStringIds(restRun));
    expect(gqlRun.plannedIterations).toBe(1);
    expect(gqlRun.costs).toEqual(ledger.data);
    expect(gqlRun.cost).toEqual(ledger.total);
    expect(gqlRun.iterations).toHaveLength(2);
    for (const [k, it] of gqlRun.iterations.entries()) {
      const { metrics, ...plain } = restIterations[k];
      expect(it).toMatchObject(withStringIds(plain));
      expect(it.metrics.raw).toEqual(metrics);
      expect(it.metrics.segmAP).toBe(metrics.segmAP);
      expect(it.metrics.perCategory.map((c: { name: string }) => c.name).sort()).toEqual(
        metrics.perCategory.map((c: { name: string }) => c.name).sort(),
      );
      // The children, through the loaders, are the ones the iteration names.
      expect(it.modelVersion).toMatchObject({
        id: it.modelVersionId,
        trainingJobId: it.trainingJobId,
        preset: 'tiny',
      });
      expect(it.trainingJob).toMatchObject({
        id: it.trainingJobId,
        status: 'succeeded',
        modelVersionId: it.modelVersionId,
        labelSnapshot: { trainImages: it.trainImages },
      });
      expect(it.cumulativeCost.totalUsd).toBeGreaterThanOrEqual(it.cost.totalUsd);
    }
    const [first, second] = gqlRun.iterations;
    expect(first.pass).toBeNull();
    // Iteration 1's pass judged the pool with iteration 0's model; its approvals are iteration 1's.
    expect(second.pass).toMatchObject({
      id: second.passId,
      status: 'completed',
      modelVersionId: first.modelVersionId,
      counts: { approved: second.approved, rejected: second.rejected },
    });
    expect(second.modelVersion.parentId).toBe(first.modelVersionId);
    expect(gqlRun.cost.humanUsd).toBeCloseTo(gqlRun.cost.humanHours * 36, 9);
    expect(gqlRun.cost.trainingDevice).toBe('cpu');
    expect(gqlRun.costs.map((c: { kind: string }) => c.kind)).toContain('review');
  });

  it('resolves the project’s runs with everything in a bounded number of SQL queries', async () => {
    const query = `{ project(id: ${project.id}) { runs { edges { node { id cost { totalUsd }
      iterations { metrics { segmAP } modelVersion { id } trainingJob { id } pass { id modelVersion { id } } }
      costs { kind } } } } } }`;
    const measure = () =>
      countQueries(t.server.ctx.database.pool, async () => {
        const res = await gql(query);
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data.project.runs.edges[0].node.iterations).toHaveLength(2);
      });
    // The run has ended; the in-process worker would share the pool (heartbeats, queue polls) and be counted.
    await t.server.worker?.stop();
    const queries = await measure();
    // The same bound as for a page of many runs (runs-api.test.ts).
    expect(queries).toBeLessThanOrEqual(15);
  });

  it('refuses the run to another project’s key', async () => {
    const res = await gql(`{ run(projectId: ${project.id}, id: ${run.id}) { id } }`, foreignKey);
    expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const elsewhere = await gql(`{ run(projectId: ${other.id}, id: ${run.id}) { id } }`, foreignKey);
    expect(elsewhere.body).toEqual({ data: { run: null } });
    const cancel = await gql(
      `mutation { cancelRun(projectId: ${project.id}, id: ${run.id}) { id } }`,
      foreignKey,
    );
    expect(cancel.body.errors[0].extensions.code).toBe('FORBIDDEN');
    // The run's owner gets a conflict: it has already ended.
    const ended = await gql(`mutation { cancelRun(projectId: ${project.id}, id: ${run.id}) { id } }`);
    expect(ended.body.errors[0].extensions.code).toBe('CONFLICT');
  });
});
