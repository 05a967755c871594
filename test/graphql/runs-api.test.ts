/**
 * Runs over GraphQL without training (no worker: runs stay where the API leaves them): the mutations and
 * their errors, pages of runs as REST lists them, the batched loaders over runs whose iterations, children
 * and ledgers are inserted here, project isolation, limits, and the runIterations subscription.
 * A real run end to end is in runs.test.ts.
 */
import path from 'node:path';
import type { Client } from 'graphql-ws/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIterations } from '../../src/db/schema/index.ts';
import { insertModelVersion } from '../../src/domains/models/model-version.repository.ts';
import { insertPass } from '../../src/domains/passes/pass.repository.ts';
import { insertCosts, insertRun } from '../../src/domains/runs/run.repository.ts';
import { withDefaults } from '../../src/domains/runs/run-config.ts';
import { annotationCost, reviewCost, trainingCost } from '../../src/domains/runs/run-costs.ts';
import { collect, graphqlWsClient } from '../helpers/graphql-ws.ts';
import { countQueries } from '../helpers/query-counter.ts';
import { call, startTestServer, type TestServer } from '../helpers/server.ts';
import { sqlOn } from '../helpers/sql.ts';
import { type SeededProject, seedSynthProject, waitUntil } from '../helpers/training.ts';

let t: TestServer;
let a: SeededProject;
let b: { id: number };
let keyA: string;
let keyB: string;
/** The runs inserted with their children, oldest first. */
const seeded: { runId: number; versions: number[]; jobs: number[]; passId: number }[] = [];
const SEEDED_RUNS = 5;

const gql = (query: string, variables: Record<string, unknown> = {}, key = keyA) =>
  call(`${t.url}/graphql`, key, 'POST', { query, variables });
const rest = (p: string, method = 'GET') => call(`${t.url}/v1/projects/${a.id}${p}`, t.adminKey, method);
const sql = sqlOn(() => t);

const COST = `{ annotationSeconds reviewSeconds humanHours vlmPromptTokens vlmCompletionTokens vlmUsd
  trainingSeconds trainingDevice humanUsd computeUsd totalUsd }`;
const RUN = `id projectId name status stopReason config plannedIterations iteration error { code message }
  cost ${COST} createdAt startedAt finishedAt updatedAt`;

/** A finished two-iteration run, its training jobs, model versions, pass and ledger, as the steps leave them. */
async function seedRun(i: number): Promise<void> {
  const { db } = t.server.ctx.database;
  const config = withDefaults({ name: `seeded ${i}`, iterations: 1, training: { preset: 'tiny' } });
  const run = await insertRun(db, {
    projectId: a.id,
    name: `seeded ${i}`,
    config: config as unknown as Record<string, unknown>,
    status: 'succeeded',
    stopReason: 'iterations',
    iteration: 1,
  });
  const [snapshot] = await sql(
    `insert into label_snapshots (project_id, categories, train_image_ids, val_image_ids, label_ids)
     values ($1, '[]', '{}', '{}', '{}') returning id`,
    [a.id],
  );
  const jobs: number[] = [];
  const versions: number[] = [];
  for (let k = 0; k < 2; k++) {
    const [job] = await sql(
      `insert into training_jobs (project_id, status, preset, weights, label_snapshot_id)
       values ($1, 'succeeded', 'tiny', 'none', $2) returning id`,
      [a.id, snapshot.id],
    );
    const version = await insertModelVersion(db, {
      projectId: a.id,
      parentId: versions.at(-1) ?? null,
      trainingJobId: job.id,
      labelSnapshotId: snapshot.id,
      preset: 'tiny',
      hyper: {},
      metrics: { segm_AP: 0.1 * k },
      trainingSeconds: 10,
      device: 'cpu',
      onnxSha256: '0'.repeat(64),
      onnxBytes: 1,
      checkpointSha256: null,
      metadata: {},
    });
    jobs.push(job.id);
    versions.push(version!.id);
  }
  const pass = await insertPass(db, {
    projectId: a.id,
    modelVersionId: versions[0],
    status: 'completed',
    judge: { kind: 'oracle' },
    scoreThreshold: 0.5,
    selection: { split: 'train', poolState: 'unlabeled' },
    retry: { maxAttempts: 3, baseDelayMs: 5000 },
  });
  const metrics = (ap: number) => ({
    segmAP: ap,
    segmAP50: ap + 0.2,
    segmAP75: null,
    perCategory: [{ id: 1, name: 'circle', ap, ap50: null }],
  });
  await db.insert(runIterations).values([
    {
      runId: run.id,
      iteration: 0,
      status: 'completed',
      step: 'done',
      trainingJobId: jobs[0],
      modelVersionId: versions[0],
      trainImages: 3,
      metrics: metrics(0.25),
      finishedAt: new Date(),
    },
    {
      runId: run.id,
      iteration: 1,
      status: 'completed',
      step: 'done',
      passId: pass.id,
      trainingJobId: jobs[1],
      modelVersionId: versions[1],
      trainImages: 5,
      approved: 2,
      rejected: 4,
      abstained: 0,
      errors: 0,
      metrics: metrics(0.5),
      agreement: { accuracy: 1 },
      finishedAt: new Date(),
    },
  ]);
  const s = { ...config.cost, humanUsdPerHour: 36 };
  const row = (iteration: number, part: ReturnType<typeof reviewCost>) => ({
    runId: run.id,
    iteration,
    ...part,
  });
  await insertCosts(db, [
    row(0, annotationCost(3, 7, s)),
    row(0, trainingCost(11, 'cpu', s)),
    row(1, reviewCost(6, s)),
    row(1, trainingCost(13 + i, 'cpu', s)),
  ]);
  seeded.push({ runId: run.id, versions, jobs, passId: pass.id });
}

beforeAll(async () => {
  t = await startTestServer({ inProcessWorker: false });
  a = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 15);
  b = await t.admin.json('POST', '/v1/projects', { name: 'B', categories: [{ name: 'x' }] });
  keyA = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'a', projectId: a.id })).key;
  keyB = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'b', projectId: b.id })).key;
  for (let i = 0; i < SEEDED_RUNS; i++) await seedRun(i);
}, 120_000);
afterAll(() => t?.close());

const CREATE = `mutation C($p: ID!, $input: CreateRunInput!) { createRun(projectId: $p, input: $input) { ${RUN} } }`;
const create = (input: Record<string, unknown>, key = keyA, projectId = a.id) =>
  gql(CREATE, { p: projectId, input }, key);
const names = (res: { body: any }) =>
  res.body.errors?.[0]?.extensions?.errors?.map((e: { name: string }) => e.name) ?? [];

describe('createRun, pauseRun, resumeRun, cancelRun', () => {
  it('refuses what REST refuses, naming the field under input', async () => {
    const before = (await sql('select count(*)::int as n from runs'))[0].n;
    const cases: [Record<string, unknown>, string][] = [
      [{ iterations: 51 }, 'input.iterations'],
      [{ scoreThreshold: 2 }, 'input.scoreThreshold'],
      [{ stop: { minApprovals: -1 } }, 'input.stop.minApprovals'],
      [{ cost: { reviewSecondsPerImage: -3 } }, 'input.cost.reviewSecondsPerImage'],
      [{ training: { preset: 'huge' } }, 'input.training.preset'],
      [{ initialLabels: { fraction: 0.5, existing: true } }, 'input.initialLabels.fraction'],
      [{ judge: { kind: 'coin' } }, 'input.judge.kind'],
      // The service's checks against the project: 9 train images, 0.01 labels none.
      [{ initialLabels: { fraction: 0.01 } }, 'input.initialLabels.fraction'],
      [
        { training: { preset: 'tiny', hyper: { maxIterations: 'many' } } },
        'input.training.hyper.maxIterations',
      ],
    ];
    for (const [input, field] of cases) {
      const res = await create(input);
      expect(res.body.data, JSON.stringify(input)).toBeNull();
      expect(res.body.errors[0].extensions.code, JSON.stringify(res.body.errors)).toBe('VALIDATION');
      expect(names(res), JSON.stringify(input)).toContain(field);
      expect(res.body.errors[0].path).toEqual(['createRun']);
    }
    // REST names the same fields, without `input.`.
    const restRes = await call(`${t.url}/v1/projects/${a.id}/runs`, t.adminKey, 'POST', {
      initialLabels: { fraction: 0.01 },
    });
    expect(restRes.body.errors.map((e: { name: string }) => e.name)).toEqual(
      names(await create({ initialLabels: { fraction: 0.01 } })).map((n: string) =>
        n.replace(/^input\./, ''),
      ),
    );
    // A wrong type is GraphQL's own refusal, before anything runs.
    const typo = await gql(`mutation { createRun(projectId: ${a.id}, input: { iterations: "two" }) { id } }`);
    expect(typo.status).toBe(400);
    // Another project's key may not start one.
    expect((await create({ iterations: 1 }, keyB)).body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await sql('select count(*)::int as n from runs'))[0].n).toBe(before);
  });

  it('creates a run with REST’s defaults, then pauses, resumes and cancels it', async () => {
    const created = await create({
      name: 'from graphql',
      iterations: 1,
      initialLabels: { fraction: 0.34, seed: 3 },
      training: { preset: 'tiny', hyper: { maxIterations: 4 }, warmStart: 'scratch', init: 'base' },
      stop: { minApprovals: 0, plateau: { patience: 3 } },
      cost: { humanUsdPerHour: 36, computeUsdPerHour: { gpu: 2 } },
    });
    expect(created.body.errors).toBeUndefined();
    const run = created.body.data.createRun;
    expect(run).toMatchObject({
      projectId: String(a.id),
      name: 'from graphql',
      status: 'queued',
      stopReason: null,
      plannedIterations: 1,
      iteration: 0,
      cost: { humanHours: 0, totalUsd: 0, trainingDevice: null },
    });
    const fromRest = await rest(`/runs/${run.id}`);
    expect(run.config).toEqual(fromRest.body.config);
    expect(run.config).toMatchObject({
      judge: { kind: 'oracle' },
      scoreThreshold: 0.5,
      training: { preset: 'tiny', hyper: { maxIterations: 4 }, warmStart: 'scratch', init: 'base', seed: 0 },
      stop: { minApprovals: 0, plateau: { patience: 3, minDelta: 0.005 }, budgetHours: null },
      cost: { humanUsdPerHour: 36, computeUsdPerHour: { cpu: 0, gpu: 2 }, annotationSecondsPerImage: 80 },
    });

    const second = await create({});
    expect(second.body.errors[0].extensions.code).toBe('CONFLICT');

    const action = (name: string, key = keyA) =>
      gql(
        `mutation { ${name}(projectId: ${a.id}, id: ${run.id}) { id status stopReason finishedAt } }`,
        {},
        key,
      );
    expect((await action('pauseRun')).body.data.pauseRun.status).toBe('paused');
    expect((await action('resumeRun')).body.data.resumeRun.status).toBe('queued');
    const again = await action('resumeRun');
    expect(again.body.errors[0].extensions).toMatchObject({ code: 'CONFLICT' });
    expect(again.body.errors[0].message).toMatch(/not paused/);
    // Another project's key may not touch it.
    expect((await action('cancelRun', keyB)).body.errors[0].extensions.code).toBe('FORBIDDEN');
    const cancelled = (await action('cancelRun')).body.data.cancelRun;
    expect(cancelled).toMatchObject({ status: 'cancelled', stopReason: 'cancelled' });
    expect(cancelled.finishedAt).toEqual(expect.any(String));
    expect((await rest(`/runs/${run.id}`)).body.status).toBe('cancelled');
    expect((await action('pauseRun')).body.errors[0].extensions.code).toBe('CONFLICT');
  });

  it('reports an unknown run in a mutation as NOT_FOUND', async () => {
    const res = await gql(`mutation { pauseRun(projectId: ${a.id}, id: 999999) { id } }`);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});

describe('querying runs', () => {
  it('pages a project’s runs with Relay cursors and filters by status, as REST lists them', async () => {
    const ids: number[] = [];
    let after: string | null = null;
    do {
      const res = await gql(
        'query Q($id: ID!, $after: String) { project(id: $id) { runs(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }',
        { id: a.id, after },
      );
      const conn = res.body.data.project.runs;
      ids.push(...conn.edges.map((e: { node: { id: string } }) => Number(e.node.id)));
      after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
    } while (after);
    const listed = await rest('/runs?limit=100');
    expect(ids).toEqual(listed.body.data.map((r: { id: number }) => r.id));
    expect(ids.length).toBe(SEEDED_RUNS + 1);
    const succeeded = await gql(
      `{ project(id: ${a.id}) { runs(status: succeeded) { edges { node { id } } } } }`,
    );
    expect(
      succeeded.body.data.project.runs.edges.map((e: { node: { id: string } }) => Number(e.node.id)),
    ).toEqual(seeded.map((s) => s.runId));
  });

  it('shows a run as REST shows it: iterations with metrics and costs, the ledger, the links to children', async () => {
    const s = seeded[1];
    const res = await gql(`{ run(projectId: ${a.id}, id: ${s.runId}) {
      ${RUN}
      iterations { runId iteration status step trainingJobId modelVersionId evaluationId passId trainImages
        approved accepted rejected abstained errors agreement createdAt finishedAt
        metrics { segmAP segmAP50 segmAP75 bboxAP perCategory { id name ap ap50 } raw }
        cost ${COST} cumulativeCost ${COST}
        trainingJob { id status labelSnapshot { id } modelVersionId }
        modelVersion { id parentId trainingJobId labelSnapshotId checkpointSha256 }
        pass { id status modelVersionId counts { images } modelVersion { id } } }
      costs { iteration kind quantity unit seconds usd detail createdAt }
      learningCurveSvgUrl
    } }`);
    expect(res.body.errors).toBeUndefined();
    const run = res.body.data.run;
    const fromRest = (await rest(`/runs/${s.runId}`)).body;
    const ledger = (await rest(`/runs/${s.runId}/costs`)).body;

    // Every REST field, with ids as GraphQL strings.
    const ids = (o: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(o).map(([k, v]) => [k, /(^id|Id)$/.test(k) && typeof v === 'number' ? String(v) : v]),
      );
    const { iterations: restIterations, ...restRun } = fromRest;
    expect(run).toMatchObject(ids(restRun));
    expect(run.iterations).toHaveLength(2);
    for (const [k, it] of run.iterations.entries()) {
      const { metrics, ...plain } = restIterations[k];
      expect(it).toMatchObject(ids(plain));
      expect(it.metrics.raw).toEqual(metrics);
      expect(it.runId).toBe(String(s.runId));
    }
    expect(run.costs).toEqual(ledger.data);
    expect(run.cost).toEqual(ledger.total);

    const [first, second] = run.iterations;
    expect(first.metrics).toMatchObject({
      segmAP: 0.25,
      segmAP50: 0.45,
      segmAP75: null,
      bboxAP: null,
      perCategory: [{ id: '1', name: 'circle', ap: 0.25, ap50: null }],
    });
    expect(first.pass).toBeNull();
    expect(first.trainingJob).toMatchObject({ id: String(s.jobs[0]), status: 'succeeded' });
    expect(first.modelVersion).toEqual({
      id: String(s.versions[0]),
      parentId: null,
      trainingJobId: String(s.jobs[0]),
      labelSnapshotId: first.trainingJob.labelSnapshot.id,
      checkpointSha256: null,
    });
    expect(first.trainingJob.labelSnapshot.id).toEqual(expect.any(String));
    expect(second.modelVersion.parentId).toBe(String(s.versions[0]));
    expect(second.pass).toMatchObject({ id: String(s.passId), modelVersion: { id: String(s.versions[0]) } });
    expect(second.cumulativeCost.humanHours).toBeCloseTo(first.cost.humanHours + second.cost.humanHours, 12);
    expect(second.cumulativeCost.trainingSeconds).toBe(11 + 14);
    expect(run.cost.humanUsd).toBeCloseTo(run.cost.humanHours * 36, 9);
    expect(run.learningCurveSvgUrl).toBe(`/v1/projects/${a.id}/runs/${s.runId}/learning-curve.svg`);
  });

  it('resolves a page of runs with iterations, children and ledgers in a constant number of SQL queries', async () => {
    const query = `query Q($id: ID!, $first: Int) { project(id: $id) { runs(first: $first, status: succeeded) { edges { node {
      id cost { totalUsd }
      iterations { iteration metrics { segmAP } cumulativeCost { humanHours }
        modelVersion { id } trainingJob { id status } pass { id counts { approved } modelVersion { id } } }
      costs { kind usd }
    } } } } }`;
    const count = (first: number) =>
      countQueries(t.server.ctx.database.pool, async () => {
        const res = await gql(query, { id: a.id, first });
        expect(res.body.errors).toBeUndefined();
        const runs = res.body.data.project.runs.edges.map((e: any) => e.node);
        expect(runs).toHaveLength(first);
        for (const [i, run] of runs.entries()) {
          expect(run.iterations.map((it: any) => it.modelVersion.id)).toEqual(seeded[i].versions.map(String));
          expect(run.iterations[1].pass.id).toBe(String(seeded[i].passId));
          expect(run.costs).toHaveLength(4);
        }
      });
    const forAll = await count(SEEDED_RUNS);
    const forOne = await count(1);
    expect(forAll).toBe(forOne);
    // key 1, project 2, the page 4 (project check 2, runs, their costs), iterations 2 (rows, costs),
    // ledgers 1, versions 1, jobs 1, passes 2 (rows, counts), the passes' versions 1
    expect(forAll).toBeLessThanOrEqual(15);
  });

  it('keeps projects apart: a foreign key is refused, and another project has no such run', async () => {
    const id = seeded[0].runId;
    const foreign = await gql(`{ run(projectId: ${a.id}, id: ${id}) { id } }`, {}, keyB);
    expect(foreign.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(foreign.body.data.run).toBeNull();
    const elsewhere = await gql(`{ run(projectId: ${b.id}, id: ${id}) { id } }`, {}, keyB);
    expect(elsewhere.body).toEqual({ data: { run: null } });
    const list = await gql(`{ project(id: ${b.id}) { runs { edges { node { id } } } } }`, {}, keyB);
    expect(list.body.data.project.runs.edges).toEqual([]);
    const mine = await gql(`{ run(projectId: ${a.id}, id: ${id}) { id } }`, {}, keyA);
    expect(mine.body.data.run.id).toBe(String(id));
  });

  it('keeps the depth and cost limits over runs', async () => {
    const deep = await gql(`{ project(id: ${a.id}) { runs { edges { node { iterations { pass { images {
      edges { node { predictions { modelVersion { id } } } } } } } } } } } }`);
    expect(deep.status).toBe(400);
    expect(deep.body.errors[0].extensions.code).toBe('QUERY_TOO_DEEP');
    const costly = await gql(`{ project(id: ${a.id}) { runs(first: 500) { edges { node {
      iterations { pass { images(first: 100) { edges { node { imageId } } } } } } } } } }`);
    expect(costly.status).toBe(400);
    expect(costly.body.errors[0].extensions.code).toBe('QUERY_TOO_COSTLY');
  });
});

describe('the runIterations subscription', () => {
  let client: Client;
  afterAll(() => client?.dispose());

  it('delivers run.iteration.completed of its run, then run.completed, which ends it', async () => {
    client = await graphqlWsClient(t.url, keyA);
    const runId = seeded[0].runId;
    const stream = collect(client, `subscription { runIterations(runId: ${runId}) { type projectId data } }`);
    const { events, errors } = stream; // arrays the stream fills; `completed` is read from it
    const bus = t.server.ctx.events;
    const iteration = (id: number, k: number) =>
      bus.publish('run.iteration.completed', {
        projectId: a.id,
        runId: id,
        iteration: k,
        modelVersionId: seeded[0].versions[0],
        passId: null,
        labeledImages: 3,
        metrics: { segmAP: 0.25 },
      });
    // The subscription is not acknowledged: announce until one arrives, so nothing after it is missed.
    await waitUntil(async () => {
      await iteration(runId, 0);
      return events.length > 0 || errors.length > 0;
    });
    await iteration(seeded[1].runId, 1); // another run's
    await iteration(runId, 1);
    await bus.publish('run.completed', {
      projectId: a.id,
      runId,
      iterations: 2,
      status: 'succeeded',
      stopReason: 'iterations',
    });
    await waitUntil(() => stream.completed);
    expect(errors).toEqual([]);
    // Announcements (iteration 0) may arrive more than once; nothing of the other run arrives.
    expect(events.every((e) => e.data.runId === runId)).toBe(true);
    const after = events.filter((e) => e.data.iteration !== 0);
    expect(after.map((e) => [e.type, e.data.iteration ?? e.data.stopReason])).toEqual([
      ['run.iteration.completed', 1],
      ['run.completed', 'iterations'],
    ]);
    expect(events[0]).toMatchObject({ projectId: String(a.id), data: { runId, metrics: { segmAP: 0.25 } } });
  });
});
