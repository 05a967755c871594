/**
 * VLM passes against the fake OpenAI server, run by workers as separate processes (`vlm-loop worker`):
 * every scripted failure ends approved, rejected, abstained or errored-and-retried, no image is lost or
 * judged twice, also when the worker judging them is killed mid-pass and another takes over.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaskRcnnModel } from '../../../src/inference/mask-rcnn.ts';
import { renderOverlay } from '../../../src/overlay/overlay.ts';
import {
  type FakeBehaviour,
  type FakeOpenAiServer,
  imageUrls,
  type RecordedRequest,
  startFakeOpenAiServer,
} from '../../helpers/fake-openai-server.ts';
import {
  imageBytes,
  loadVersion,
  makePool,
  type PassView,
  trainTinyModel,
  waitForPass,
} from '../../helpers/passes.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import {
  ensureTrainerEnv,
  type SeededProject,
  seedSynthProject,
  trainingConfig,
  waitUntil,
} from '../../helpers/training.ts';
import { exited, spawnWorker, type WorkerProcess } from '../../helpers/worker-process.ts';

const THRESHOLD = 0.05;

let t: TestServer;
let project: SeededProject;
let fake: FakeOpenAiServer;
let versionId: number;
let pool: number[];
let model: MaskRcnnModel;
let worker: WorkerProcess;
const children: ChildProcess[] = [];
/** The overlay data URL the judge sends for each image, to script answers per image. */
const overlayOf = new Map<string, number>();

const url = (p: string) => `/v1/projects/${project.id}${p}`;
const sql = <T = any>(text: string, values: unknown[] = []) =>
  t.server.ctx.database.pool.query(text, values).then((r) => r.rows as T[]);

beforeAll(async () => {
  await ensureTrainerEnv();
  fake = await startFakeOpenAiServer();
  t = await startTestServer({ inProcessWorker: false, ...trainingConfig() });
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 30);
  worker = await spawnWorker(t, children);
  versionId = await trainTinyModel(t.admin, project.id);
  pool = await makePool(t.admin, project.id, 3);
  ({ model } = await loadVersion(t.admin, project.id, versionId, path.join(t.dataDir, 'models')));
  const { categories } = await t.admin.json<{ categories: { id: number; name: string }[] }>(
    'GET',
    `/v1/projects/${project.id}`,
  );
  const names = new Map(categories.map((c) => [c.id, c.name]));
  for (const id of pool) {
    const bytes = await imageBytes(t.admin, project.id, id);
    const instances = (await model.predict(bytes, { minScore: 0 })).map((d) => ({
      ...d,
      categoryName: names.get(d.categoryId) ?? '',
    }));
    const overlay = await renderOverlay({ image: bytes, instances, scoreThreshold: THRESHOLD });
    overlayOf.set(`data:image/png;base64,${overlay.png.toString('base64')}`, id);
  }
}, 900_000);

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await model?.release();
  await fake?.close();
  await t?.close();
});

/** Which image a judge request is about, from the overlay it carries. */
function imageOf(request: RecordedRequest): number | undefined {
  return overlayOf.get(imageUrls(request)[0] ?? '');
}

/** Answers each request by a per-image script (by call number), approving once a script runs out. */
function scriptPerImage(scripts: Map<number, FakeBehaviour[] | ((call: number) => FakeBehaviour)>): void {
  const calls = new Map<number, number>();
  fake.options = {
    get defaultBehaviour(): FakeBehaviour {
      const imageId = imageOf(fake.requests[fake.requests.length - 1]);
      if (imageId === undefined) return { type: 'status', status: 418, message: 'unknown image' };
      const n = calls.get(imageId) ?? 0;
      calls.set(imageId, n + 1);
      const script = scripts.get(imageId);
      if (typeof script === 'function') return script(n);
      return script?.[n] ?? { type: 'verdict' };
    },
  };
}

function requestsPerImage(since: number): Map<number | undefined, number> {
  const counts = new Map<number | undefined, number>();
  for (const r of fake.completionRequests().slice(since))
    counts.set(imageOf(r), (counts.get(imageOf(r)) ?? 0) + 1);
  return counts;
}

async function createVlmPass(ids: number[], judge: Record<string, unknown>, retry: Record<string, number>) {
  const res = await call(`${t.url}${url('/passes')}`, t.adminKey, 'POST', {
    images: { ids },
    judge: { kind: 'vlm', baseUrl: fake.url, model: 'fake-vlm', apiKey: 'sk-test-secret', ...judge },
    scoreThreshold: THRESHOLD,
    retry,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(JSON.stringify(res.body)).not.toContain('sk-test-secret');
  return res.body as PassView;
}

/** Each image of the pass has one row, one final verdict and, when approved, its drawn masks as labels exactly once. */
async function expectExactlyOnce(passId: number): Promise<void> {
  const rows = await sql('select image_id, state, verdict, accepted from pass_images where pass_id = $1', [
    passId,
  ]);
  expect(new Set(rows.map((r) => r.image_id)).size).toBe(rows.length);
  const duplicates = await sql(
    `select image_id, drawn_index from predictions where pass_id = $1 and drawn_index is not null
     group by 1, 2 having count(*) > 1`,
    [passId],
  );
  expect(duplicates).toEqual([]);
  const labelCounts = await sql(
    `select pi.image_id, (select count(*)::int from predictions p where p.pass_id = pi.pass_id
        and p.image_id = pi.image_id and p.drawn_index is not null) as drawn,
      (select count(*)::int from labels l where l.image_id = pi.image_id and l.source = 'approved_prediction'
        and (l.provenance->>'passId')::bigint = pi.pass_id) as labels,
      (select count(distinct l.provenance->>'predictionId')::int from labels l where l.image_id = pi.image_id
        and l.source = 'approved_prediction' and (l.provenance->>'passId')::bigint = pi.pass_id) as distinct_labels
     from pass_images pi where pi.pass_id = $1 and pi.accepted`,
    [passId],
  );
  for (const r of labelCounts)
    expect({ image: r.image_id, labels: r.labels, distinct: r.distinct_labels }).toEqual({
      image: r.image_id,
      labels: r.drawn,
      distinct: r.drawn,
    });
}

describe('a VLM pass', () => {
  it('survives its worker being killed mid-pass: another takes over, each image gets exactly one verdict', async () => {
    const ids = pool.slice(0, 6);
    scriptPerImage(
      new Map(ids.map((id) => [id, () => ({ type: 'verdict', latencyMs: 1500 }) as FakeBehaviour])),
    );
    const since = fake.completionRequests().length;
    const created = await createVlmPass(
      ids,
      { concurrency: 1, timeoutMs: 20_000 },
      { maxAttempts: 3, baseDelayMs: 200 },
    );
    await waitUntil(async () => {
      const [r] = await sql(
        `select count(*) filter (where state = 'judged')::int as judged,
           count(*) filter (where state = 'judging')::int as judging from pass_images where pass_id = $1`,
        [created.id],
      );
      return r.judged >= 1 && r.judging >= 1;
    }, 120_000);
    worker.child.kill('SIGKILL');
    await exited(worker.child);
    const held = await sql(`select image_id from pass_images where pass_id = $1 and state = 'judging'`, [
      created.id,
    ]);
    expect(held.length).toBeGreaterThan(0);

    worker = await spawnWorker(t, children);
    const pass = await waitForPass(t.admin, project.id, created.id, (p) => p.status === 'completed', 120_000);
    expect(pass.counts).toMatchObject({ images: 6, approved: 6, rejected: 0, errored: 0, accepted: 6 });
    const rows = await sql('select image_id, attempt, judged_at from pass_images where pass_id = $1', [
      created.id,
    ]);
    // Taken over: a second judge claim (predict claim + 2 judge claims) on what the dead worker held.
    for (const h of held)
      expect(rows.find((r) => r.image_id === h.image_id)?.attempt).toBeGreaterThanOrEqual(3);
    expect(rows.every((r) => r.judged_at !== null)).toBe(true);
    await expectExactlyOnce(created.id);
    const perImage = requestsPerImage(since);
    for (const id of ids) expect(perImage.get(id)).toBeGreaterThanOrEqual(1);
    expect(perImage.has(undefined)).toBe(false);
  });

  it('ends every scripted failure as approved, rejected, abstained or errored after its retries; none lost', async () => {
    const ids = pool.slice(6, 14);
    expect(ids.length).toBe(8);
    const [rateLimited, serverErrors, hangs, malformed, prose, unsure, rejected] = ids;
    scriptPerImage(
      new Map<number, FakeBehaviour[] | ((n: number) => FakeBehaviour)>([
        [rateLimited, [{ type: 'status', status: 429, retryAfter: '1' }]],
        [
          serverErrors,
          [
            { type: 'status', status: 500 },
            { type: 'status', status: 500 },
          ],
        ],
        [hangs, () => ({ type: 'hang' })],
        [malformed, [{ type: 'text', content: '{"image_verdict": "approve", "instances": [' }]],
        [prose, [{ type: 'text', content: 'Yes, the masks look right to me.' }]],
        [unsure, [{ type: 'verdict', verdictProbability: 0.3 }]],
        [
          rejected,
          [{ type: 'verdict', answer: { image_verdict: 'reject', reason: 'a mask covers the background' } }],
        ],
      ]),
    );
    const since = fake.completionRequests().length;
    const created = await createVlmPass(
      ids,
      { concurrency: 4, timeoutMs: 700, maxAttempts: 2 },
      { maxAttempts: 3, baseDelayMs: 200 },
    );
    const settled = await waitForPass(
      t.admin,
      project.id,
      created.id,
      (p) => p.counts.pending === 0,
      120_000,
    );
    expect(settled.status).toBe('running');
    const c = settled.counts;
    expect(c.approved + c.rejected + c.errored + c.awaitingReview).toBe(8);
    expect(c).toMatchObject({
      images: 8,
      predicted: 8,
      approved: 3,
      rejected: 1,
      abstained: 1,
      awaitingReview: 1,
      errored: 3,
    });

    const rows = new Map(
      (await sql('select * from pass_images where pass_id = $1', [created.id])).map((r) => [
        Number(r.image_id),
        r,
      ]),
    );
    const outcome = (id: number) => {
      const r = rows.get(id);
      return { state: r.state, verdict: r.verdict, tries: r.tries, code: r.error?.code ?? null };
    };
    expect(outcome(rateLimited)).toEqual({ state: 'judged', verdict: 'approve', tries: 0, code: null });
    expect(outcome(serverErrors)).toEqual({ state: 'judged', verdict: 'approve', tries: 1, code: null });
    expect(outcome(hangs)).toEqual({ state: 'errored', verdict: 'error', tries: 3, code: 'timeout' });
    expect(outcome(malformed)).toEqual({ state: 'errored', verdict: 'error', tries: 1, code: 'unparseable' });
    expect(outcome(prose)).toEqual({ state: 'errored', verdict: 'error', tries: 1, code: 'unparseable' });
    expect(outcome(unsure)).toMatchObject({ state: 'awaiting_review', verdict: null });
    expect(rows.get(unsure).abstained).toBe(true);
    expect(outcome(rejected)).toEqual({ state: 'judged', verdict: 'reject', tries: 0, code: null });
    // Errors are errors: no errored image was rejected or had labels accepted.
    for (const id of [hangs, malformed, prose]) expect(rows.get(id).accepted).toBe(false);

    // Judged exactly as often as the script implies: nothing twice, nothing skipped.
    const perImage = requestsPerImage(since);
    expect(Object.fromEntries([...perImage].map(([k, v]) => [String(k), v]))).toEqual(
      Object.fromEntries(
        ids.map((id) => {
          const expected = { [rateLimited]: 2, [serverErrors]: 3, [hangs]: 6 }[id] ?? 1;
          return [String(id), expected];
        }),
      ),
    );

    // The abstained image waits for a human; its verdict completes the pass.
    const next = await t.admin.json<{ data: { imageId: number; judgeVerdict: { verdict: string } }[] }>(
      'GET',
      url(`/passes/${created.id}/review/next?limit=5`),
    );
    expect(next.data.map((d) => [d.imageId, d.judgeVerdict.verdict])).toEqual([[unsure, 'abstain']]);
    await t.admin.json('POST', url(`/passes/${created.id}/review/${unsure}`), { verdict: 'approve' });
    const done = await waitForPass(t.admin, project.id, created.id, (p) => p.status === 'completed', 30_000);
    expect(done.counts).toMatchObject({
      approved: 4,
      rejected: 1,
      errored: 3,
      abstained: 1,
      awaitingReview: 0,
    });
    expect(done.agreement).toMatchObject({ images: 8, judgeAbstained: 1, judgeErrors: 3 });
    expect(done.agreement?.compared).toBe(4);
    await expectExactlyOnce(created.id);
    expect(JSON.stringify(done)).not.toContain('sk-test-secret');
  });
});
