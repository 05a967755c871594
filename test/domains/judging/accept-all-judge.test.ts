/**
 * The accept-all judge (no judge): unit behaviour, its verdicts against schema/verdict.schema.json, and a
 * real pass through the API that approves every image, charges no review time and still measures
 * agreement with the oracle on the hidden ground truth.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcceptAllJudge } from '../../../src/domains/judging/accept-all-judge.ts';
import { OracleJudge } from '../../../src/domains/judging/oracle-judge.ts';
import type { JudgeInput } from '../../../src/domains/judging/types.ts';
import { buildJudge, judgeConcurrency } from '../../../src/domains/passes/pass-judges.ts';
import { makePool, type PassView, trainTinyModel, waitForPass } from '../../helpers/passes.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import { ensureTrainerEnv, seedSynthProject, trainingConfig } from '../../helpers/training.ts';
import { rectInstance, rectTruth } from './fixtures.ts';

const W = 16;
const H = 16;
const input = (instances: JudgeInput['instances'], groundTruth?: JudgeInput['groundTruth']): JudgeInput => ({
  imageId: 7,
  image: Buffer.alloc(0),
  width: W,
  height: H,
  instances,
  groundTruth,
});

describe('AcceptAllJudge', () => {
  it('approves an image the oracle rejects, marking every drawn instance correct, at no cost', async () => {
    const wrong = input(
      [
        rectInstance(W, H, { rect: [0, 0, 8, 8] }),
        rectInstance(W, H, { rect: [10, 10, 16, 16], score: 0.6 }),
      ],
      [rectTruth(W, H, [0, 8, 8, 16])],
    );
    expect((await new OracleJudge().judge(wrong)).verdict).toBe('reject');
    const verdict = await new AcceptAllJudge().judge(wrong);
    expect(verdict).toMatchObject({
      verdict: 'approve',
      instances: [
        { index: 1, verdict: 'correct' },
        { index: 2, verdict: 'correct' },
      ],
      judge: { kind: 'accept-all' },
      reviewSeconds: 0,
    });
    expect(verdict.tokens).toBeUndefined();
    expect(verdict.reason).toMatch(/without review/);
  });

  it('approves an image with no predictions and one without ground truth (never an error)', async () => {
    const judge = new AcceptAllJudge();
    expect(await judge.judge(input([]))).toMatchObject({ verdict: 'approve', instances: [] });
    const noTruth = await judge.judge(input([rectInstance(W, H, { rect: [0, 0, 4, 4] })]));
    expect(noTruth).toMatchObject({ verdict: 'approve', instances: [{ index: 1, verdict: 'correct' }] });
    expect(noTruth.error).toBeUndefined();
  });

  it('numbers only the instances at or above its score threshold, as the overlay does', async () => {
    const judge = new AcceptAllJudge({ scoreThreshold: 0.5 });
    const verdict = await judge.judge(
      input([
        rectInstance(W, H, { rect: [0, 0, 4, 4], score: 0.3 }),
        rectInstance(W, H, { rect: [4, 4, 8, 8], score: 0.7 }),
      ]),
    );
    expect(verdict.instances).toEqual([{ index: 1, verdict: 'correct' }]);
    expect(verdict.judge.config).toEqual({ scoreThreshold: 0.5 });
  });

  it('writes verdicts schema/verdict.schema.json accepts', async () => {
    const schema = JSON.parse(
      await readFile(new URL('../../../schema/verdict.schema.json', import.meta.url), 'utf8'),
    );
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    const verdict = await new AcceptAllJudge().judge(input([rectInstance(W, H, { rect: [0, 0, 4, 4] })]));
    expect(validate(verdict), JSON.stringify(validate.errors)).toBe(true);
  });

  it('is what a pass with judge { kind: "accept-all" } builds', async () => {
    const judge = await buildJudge({
      judge: { kind: 'accept-all' },
      secret: null,
      scoreThreshold: 0.4,
      categories: [],
      prompt: () => Promise.reject(new Error('accept-all reads no prompt')),
      vlm: { baseUrl: undefined, apiKey: undefined, model: undefined },
    });
    expect(judge).toBeInstanceOf(AcceptAllJudge);
    expect(judge?.kind).toBe('accept-all');
    expect(judgeConcurrency({ kind: 'accept-all' })).toBe(1);
  });
});

describe('an accept-all pass through the API', () => {
  let t: TestServer;
  let projectId: number;
  let pool: number[];
  const url = (p: string) => `/v1/projects/${projectId}${p}`;
  const sql = <T = any>(text: string, values: unknown[] = []) =>
    t.server.ctx.database.pool.query(text, values).then((r) => r.rows as T[]);

  beforeAll(async () => {
    await ensureTrainerEnv();
    t = await startTestServer({ inProcessWorker: true, ...trainingConfig() });
    projectId = (await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 12)).id;
    await trainTinyModel(t.admin, projectId, 4);
    pool = await makePool(t.admin, projectId, 3);
  }, 900_000);
  afterAll(async () => {
    await t?.close();
  });

  it('refuses options it does not have', async () => {
    const res = await call(`${t.url}${url('/passes')}`, t.adminKey, 'POST', {
      judge: { kind: 'accept-all', reviewSecondsPerImage: 3 },
    });
    expect(res.status).toBe(400);
  });

  it('approves and accepts every image, charges no review seconds, and measures agreement', async () => {
    const res = await call(`${t.url}${url('/passes')}`, t.adminKey, 'POST', {
      judge: { kind: 'accept-all' },
      scoreThreshold: 0.05,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.judge).toEqual({ kind: 'accept-all' });
    const pass = await waitForPass(
      t.admin,
      projectId,
      res.body.id,
      (p: PassView) => p.status === 'completed',
    );

    expect(pass.counts).toMatchObject({
      images: pool.length,
      approved: pool.length,
      accepted: pool.length,
      rejected: 0,
      errored: 0,
      abstained: 0,
      awaitingReview: 0,
    });
    expect(pass.reviewSeconds).toBe(0);
    const rows = await sql<{ review_seconds: number; judge_verdict: any; oracle_verdict: any }>(
      'select review_seconds, judge_verdict, oracle_verdict from pass_images where pass_id = $1',
      [pass.id],
    );
    expect(rows).toHaveLength(pool.length);
    for (const row of rows) {
      expect(Number(row.review_seconds)).toBe(0);
      expect(row.judge_verdict).toMatchObject({ verdict: 'approve', judge: { kind: 'accept-all' } });
      expect(row.judge_verdict.tokens).toBeUndefined();
      // The pool's imported labels are hidden ground truth: the oracle judges beside the non-judge.
      expect(['approve', 'reject']).toContain(row.oracle_verdict?.verdict);
    }

    // Agreement: every image compared; the oracle's rejections are exactly the judge's false approvals.
    const oracleRejects = rows.filter((r) => r.oracle_verdict.verdict === 'reject').length;
    expect(pass.agreement).toMatchObject({ images: pool.length, compared: pool.length });
    expect(pass.agreement?.confusion).toMatchObject({
      bothApprove: pool.length - oracleRejects,
      judgeApproveOracleReject: oracleRejects,
      judgeRejectOracleApprove: 0,
      bothReject: 0,
    });
    expect(pass.agreement?.accuracy).toBeCloseTo((pool.length - oracleRejects) / pool.length);

    for (const id of pool) {
      const image = await t.admin.json<{ poolState: string; labelSourceOfRecord: string }>(
        'GET',
        url(`/images/${id}`),
      );
      expect(image).toMatchObject({ poolState: 'labeled', labelSourceOfRecord: 'approved_prediction' });
    }
    const provenance = await sql<{ kind: string }>(
      `select distinct provenance->>'judgeKind' as kind from labels
       where source = 'approved_prediction' and provenance->>'passId' = $1`,
      [String(pass.id)],
    );
    expect(provenance.every((p) => p.kind === 'accept-all')).toBe(true);
  }, 300_000);
});
