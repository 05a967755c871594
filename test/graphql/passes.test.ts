import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passImages } from '../../src/db/schema/index.ts';
import { imageFilterSql } from '../../src/domains/datasets/image.repository.ts';
import { insertModelVersion } from '../../src/domains/models/model-version.repository.ts';
import { insertPass, insertPassImages } from '../../src/domains/passes/pass.repository.ts';
import { insertPredictions } from '../../src/domains/passes/prediction.repository.ts';
import { form, jpeg } from '../helpers/images.ts';
import { countQueries } from '../helpers/query-counter.ts';
import { call, startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let a: { id: number; categories: { id: number; name: string }[] };
let b: { id: number };
let keyA: string;
let keyB: string;
let imageIds: number[];
let versionId: number;
let passId: number;
const IMAGES = 24;

const gql = (query: string, variables: Record<string, unknown> = {}, key: string = keyA) =>
  call(`${t.url}/graphql`, key, 'POST', { query, variables });

const judgeVerdict = (i: number) => ({
  verdict: i % 2 === 0 ? 'approve' : 'reject',
  instances: [{ index: 1, verdict: i % 2 === 0 ? 'correct' : 'bad_mask' }],
  reason: `reason ${i}`,
  confidence: 0.9,
  judge: { kind: 'vlm', model: 'fake', config: {} },
  latencyMs: 5,
  reviewSeconds: 0,
});

/** A model version, and a completed pass over project A's images with predictions and verdicts, inserted directly. */
async function seedPass(): Promise<void> {
  const { db } = t.server.ctx.database;
  const version = await insertModelVersion(db, {
    projectId: a.id,
    parentId: null,
    trainingJobId: null,
    labelSnapshotId: null,
    preset: 'tiny',
    hyper: {},
    metrics: { segm_AP: 0.5 },
    trainingSeconds: 1,
    device: 'cpu',
    onnxSha256: '0'.repeat(64),
    onnxBytes: 1,
    checkpointSha256: null,
    metadata: {},
  });
  versionId = version?.id as number;
  const pass = await insertPass(db, {
    projectId: a.id,
    modelVersionId: versionId,
    status: 'completed',
    judge: { kind: 'vlm', model: 'fake' },
    judgeSecret: 'sk-very-secret',
    scoreThreshold: 0.5,
    selection: { split: 'train' },
    retry: { maxAttempts: 3, baseDelayMs: 5000 },
    agreement: {
      images: IMAGES,
      compared: IMAGES,
      confusion: {
        bothApprove: 12,
        judgeApproveOracleReject: 0,
        judgeRejectOracleApprove: 12,
        bothReject: 0,
      },
      judgeAbstained: 0,
      judgeErrors: 0,
      oracleUnavailable: 0,
      accuracy: 0.5,
      approvalPrecision: 1,
      approvalRecall: 0.5,
      kappa: 0,
      perClass: {},
    },
  });
  passId = pass.id;
  expect(await insertPassImages(db, pass, imageFilterSql(a.id, {}))).toBe(IMAGES);
  for (const [i, imageId] of imageIds.entries())
    await db
      .update(passImages)
      .set({
        state: 'judged',
        predictedAt: sql`now()`,
        verdict: i % 2 === 0 ? 'approve' : 'reject',
        judgeVerdict: judgeVerdict(i),
        oracleVerdict: { ...judgeVerdict(i), verdict: 'approve', judge: { kind: 'oracle', config: {} } },
        accepted: i % 2 === 0,
        reviewSeconds: 0,
        judgedAt: sql`now()`,
      })
      .where(eq(passImages.imageId, imageId));
  // Two predictions per image: one drawn, one under the threshold.
  await insertPredictions(
    db,
    imageIds.flatMap((imageId, i) =>
      [0.9, 0.2].map((score, k) => ({
        projectId: a.id,
        passId,
        imageId,
        modelVersionId: versionId,
        categoryId: a.categories[(i + k) % 2].id,
        score,
        bbox: [1, 2, 3, 4],
        rle: `rle-${i}-${k}`,
        height: 24,
        width: 24,
        area: 12,
        drawnIndex: k === 0 ? 1 : null,
      })),
    ),
  );
}

beforeAll(async () => {
  t = await startTestServer();
  a = await t.admin.json('POST', '/v1/projects', {
    name: 'A',
    categories: [{ name: 'cat' }, { name: 'dog' }],
  });
  b = await t.admin.json('POST', '/v1/projects', { name: 'B' });
  keyA = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'a', projectId: a.id })).key;
  keyB = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'b', projectId: b.id })).key;
  const files = await Promise.all(
    Array.from({ length: IMAGES }, async (_, i) => ({
      name: `p-${i}.jpg`,
      bytes: await jpeg(24, 24, i + 7),
    })),
  );
  const up = await call(`${t.url}/v1/projects/${a.id}/images`, t.adminKey, 'POST', form(files));
  imageIds = up.body.data.map((i: { id: number }) => i.id);
  await seedPass();
});
afterAll(() => t?.close());

const PASS_IMAGES = `query P($p: ID!, $id: ID!, $first: Int, $after: String, $state: PassImageState) {
  pass(projectId: $p, id: $id) {
    id status
    images(first: $first, after: $after, state: $state) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node {
        imageId state verdict accepted
        image { id fileName }
        judgeVerdict { verdict reason confidence judge }
        oracleVerdict { verdict raw }
        predictions { id score drawnIndex bbox segmentation { size counts } category { id name } modelVersion { id } }
      } }
    }
  }
}`;

type Node = {
  imageId: string;
  image: { id: string };
  predictions: { id: string; score: number; drawnIndex: number | null; category: { name: string } }[];
};

describe('GraphQL passes', () => {
  it('lists a project’s passes as REST shows them, without the judge secret', async () => {
    const res = await gql(
      `query Q($id: ID!) { project(id: $id) { passes(status: completed) { edges { node {
        id projectId status modelVersionId modelVersion { id preset active } judge scoreThreshold acceptance selection
        progress { done total fraction } counts { images approved rejected accepted pending }
        reviewSeconds agreement error { code } createdAt finishedAt
      } } } } }`,
      { id: a.id },
    );
    expect(res.body.errors).toBeUndefined();
    const [pass] = res.body.data.project.passes.edges.map((e: { node: unknown }) => e.node);
    const rest = await call(`${t.url}/v1/projects/${a.id}/passes/${passId}`, keyA, 'GET');
    expect(rest.status).toBe(200);
    expect(rest.body.judge).toEqual({ kind: 'vlm', model: 'fake' });
    expect(rest.body.acceptance).toBe('image');
    expect(pass).toMatchObject({
      id: String(passId),
      projectId: String(a.id),
      status: 'completed',
      modelVersionId: String(versionId),
      modelVersion: { id: String(versionId), preset: 'tiny', active: false },
      judge: rest.body.judge,
      scoreThreshold: 0.5,
      acceptance: rest.body.acceptance,
      selection: { split: 'train' },
      progress: { done: IMAGES, total: IMAGES, fraction: 1 },
      counts: {
        images: IMAGES,
        approved: IMAGES / 2,
        rejected: IMAGES / 2,
        accepted: IMAGES / 2,
        pending: 0,
      },
      reviewSeconds: 0,
      agreement: rest.body.agreement,
      error: null,
    });
    expect(JSON.stringify(res.body)).not.toContain('sk-very-secret');
    const none = await gql(
      'query Q($id: ID!) { project(id: $id) { passes(status: running) { edges { cursor } } } }',
      {
        id: a.id,
      },
    );
    expect(none.body.data.project.passes.edges).toEqual([]);
  });

  it('pages through a pass’s images with verdicts and only this pass’s predictions', async () => {
    const nodes: Node[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res = await gql(PASS_IMAGES, { p: a.id, id: passId, first: 10, after });
      expect(res.body.errors).toBeUndefined();
      const conn = res.body.data.pass.images;
      nodes.push(...conn.edges.map((e: { node: Node }) => e.node));
      after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(nodes.map((n) => Number(n.imageId))).toEqual(imageIds);
    expect(nodes.map((n) => Number(n.image.id))).toEqual(imageIds);
    const rest = await call(`${t.url}/v1/projects/${a.id}/passes/${passId}/images?limit=1`, keyA, 'GET');
    // The worklist row id keys the cursors only; REST's schema leaves it out.
    expect(rest.body.data[0]).not.toHaveProperty('id');
    expect(nodes[0]).toMatchObject({
      state: rest.body.data[0].state,
      verdict: 'approve',
      accepted: true,
      judgeVerdict: { verdict: 'approve', reason: 'reason 0', confidence: 0.9, judge: { kind: 'vlm' } },
      oracleVerdict: { verdict: 'approve', raw: rest.body.data[0].oracleVerdict },
    });
    expect(nodes[1]).toMatchObject({
      verdict: 'reject',
      accepted: false,
      judgeVerdict: { verdict: 'reject' },
    });
    const restPredictions = await call(
      `${t.url}/v1/projects/${a.id}/images/${imageIds[1]}/predictions?passId=${passId}`,
      keyA,
      'GET',
    );
    expect(nodes[1].predictions).toEqual(
      restPredictions.body.data.map((p: Record<string, unknown>) => ({
        id: String(p.id),
        score: p.score,
        drawnIndex: p.drawnIndex,
        bbox: p.bbox,
        segmentation: p.segmentation,
        category: { id: String(p.categoryId), name: p.categoryName },
        modelVersion: { id: String(versionId) },
      })),
    );
    expect(nodes[1].predictions.map((p) => p.category.name)).toEqual(['dog', 'cat']);
    const judged = await gql(PASS_IMAGES, { p: a.id, id: passId, first: 5, state: 'errored' });
    expect(judged.body.data.pass.images.edges).toEqual([]);
  });

  it('answers Image.predictions, of one pass or all', async () => {
    const query = `query Q($p: ID!, $id: ID!, $pass: ID) { image(projectId: $p, id: $id) {
      all: predictions { id passId imageId modelVersionId score area drawnIndex category { name } }
      ofPass: predictions(passId: $pass) { id }
      ofNone: predictions(passId: "999999") { id }
    } }`;
    const res = await gql(query, { p: a.id, id: imageIds[0], pass: passId });
    expect(res.body.errors).toBeUndefined();
    const { all, ofPass, ofNone } = res.body.data.image;
    expect(all).toHaveLength(2);
    expect(all[0]).toEqual({
      id: expect.any(String),
      passId: String(passId),
      imageId: String(imageIds[0]),
      modelVersionId: String(versionId),
      score: 0.9,
      area: 12,
      drawnIndex: 1,
      category: { name: 'cat' },
    });
    expect(ofPass.map((p: { id: string }) => p.id)).toEqual(all.map((p: { id: string }) => p.id));
    expect(ofNone).toEqual([]);
  });

  it('refuses another project’s key', async () => {
    const res = await gql(PASS_IMAGES, { p: a.id, id: passId, first: 5 }, keyB);
    expect(res.body.data.pass).toBeNull();
    expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
    // Asked through its own project, the pass does not exist.
    const own = await gql(PASS_IMAGES, { p: b.id, id: passId, first: 5 }, keyB);
    expect(own.body).toEqual({ data: { pass: null } });
    const listed = await gql(`{ project(id: ${a.id}) { passes { edges { cursor } } } }`, {}, keyB);
    expect(listed.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('resolves 20 pass images with image, predictions and categories in a constant number of SQL queries', async () => {
    const count = (first: number) =>
      countQueries(t.server.ctx.database.pool, async () => {
        const res = await gql(PASS_IMAGES, { p: a.id, id: passId, first });
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data.pass.images.edges).toHaveLength(first);
      });
    const for20 = await count(20);
    const for2 = await count(2);
    // key, pass + counts, the page (after the pass check), images, predictions (+ names), categories, versions
    expect(for20).toBeLessThanOrEqual(10);
    expect(for20).toBe(for2);
  });
});
