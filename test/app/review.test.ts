/**
 * The review page in a real Chromium against the real server on the embedded PostgreSQL: a tiny model
 * trained by the real trainer predicts on the pool, a `human` pass puts every image in the review queue,
 * and people review it by keyboard only; the passes and models pages on the same server.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchBrowser, screenshot, shownErrors, signIn } from '../helpers/browser.ts';
import { makePool, type PassView, trainTinyModel, waitForPass } from '../helpers/passes.ts';
import { call, startTestServer, type TestServer } from '../helpers/server.ts';
import {
  ensureTrainerEnv,
  type SeededProject,
  seedSynthProject,
  trainingConfig,
} from '../helpers/training.ts';

let t: TestServer;
let browser: Browser;
let project: SeededProject;
let pass: PassView;
let otherProjectId: number;
let keyboardReviewer: string;
let versionId: number;

const url = (p: string) => `/v1/projects/${project.id}${p}`;

async function createKey(name: string, projectId?: number): Promise<string> {
  const res = await call(`${t.url}/v1/api-keys`, t.adminKey, 'POST', { name, projectId });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.key;
}

beforeAll(async () => {
  await ensureTrainerEnv();
  [t, browser] = await Promise.all([
    startTestServer({ inProcessWorker: true, ...trainingConfig() }),
    launchBrowser(),
  ]);
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 34);
  versionId = await trainTinyModel(t.admin, project.id);
  const pool = await makePool(t.admin, project.id, 3);
  const created = await t.admin.json<PassView>('POST', url('/passes'), {
    modelVersionId: versionId,
    judge: { kind: 'human' },
    scoreThreshold: 0.1,
  });
  pass = await waitForPass(t.admin, project.id, created.id, (p) => p.counts.awaitingReview === pool.length);
  otherProjectId = (await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'elsewhere' })).id;
  keyboardReviewer = await createKey('keyboard reviewer', project.id);
}, 900_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const reviewPath = () => `/app/projects/${project.id}/passes/${pass.id}/review`;

/** The image on screen, once its pictures are shown; null when the queue says it is empty. */
async function shownImage(page: Page): Promise<{ imageId: number; instances: number } | null> {
  const body = page.locator('.review-body');
  const empty = page.getByText('Nothing is waiting for review in this pass.');
  await body.or(empty).first().waitFor();
  if (await empty.isVisible()) return null;
  const imageId = Number(await body.getAttribute('data-image-id'));
  return { imageId, instances: await page.locator('table.instances tbody tr').count() };
}

/** Presses Enter and waits until another image (or the empty queue) is shown. */
async function submitAndWait(page: Page, imageId: number): Promise<void> {
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    (id) => {
      const doc = (globalThis as any).document;
      const el = doc.querySelector('.review-body');
      return el
        ? el.getAttribute('data-image-id') !== String(id)
        : doc.body.textContent.includes('Nothing is waiting');
    },
    imageId,
    { timeout: 15_000 },
  );
}

interface Expected {
  imageId: number;
  verdict: 'approve' | 'reject';
  /** Drawn indexes the reviewer rejected (a rejected image's other instances are recorded as correct). */
  rejected: number[];
  instances: number;
}

describe('the review page', { timeout: 600_000 }, () => {
  it('reviews 10 images by keyboard only; the API has each verdict and the accepted labels', async () => {
    const { context, page } = await signIn(browser, t.url, keyboardReviewer);
    await page.goto(reviewPath());
    const expected: Expected[] = [];
    for (let i = 0; i < 10; i++) {
      const shown = await shownImage(page);
      expect(shown, `image ${i} should be waiting`).not.toBeNull();
      const { imageId, instances } = shown!;
      if (i === 0) {
        await expectAccessible(page, 'review page');
        await screenshot(page, 'review', false);
      }
      // Three patterns: approve all; reject all; approve all but instance 1 (toggled by its number key).
      const pattern = i % 3;
      if (pattern === 0) await page.keyboard.press('a');
      else if (pattern === 1 || instances === 0) await page.keyboard.press('r');
      else await page.keyboard.press('1');
      if (pattern === 2 && instances > 0)
        await expect.poll(() => page.locator('tr[data-index="1"]').getAttribute('class')).toBe('reject');
      const verdict = pattern === 0 ? 'approve' : 'reject';
      const rejected = pattern === 0 ? [] : pattern === 1 || instances === 0 ? range(instances) : [1];
      expected.push({ imageId, verdict, rejected, instances });
      await submitAndWait(page, imageId);
    }
    expect(await shownErrors(page)).toEqual([]);
    expect(new Set(expected.map((e) => e.imageId)).size).toBe(10);
    for (const e of expected) await checkVerdict(e);
    await context.close();
  });

  it('undoes the last submission with U while the lease lasts', async () => {
    // The same reviewer again: its page gets back the images the last one leased ahead.
    const { context, page } = await signIn(browser, t.url, keyboardReviewer);
    await page.goto(reviewPath());
    const { imageId, instances } = (await shownImage(page))!;
    await page.keyboard.press('a');
    await submitAndWait(page, imageId);
    await expect.poll(async () => (await passImage(imageId)).verdict).toBe('approve');
    await page.keyboard.press('u');
    await page.locator(`.review-body[data-image-id="${imageId}"]`).waitFor();
    const reopened = await passImage(imageId);
    expect([reopened.state, reopened.verdict, reopened.accepted]).toEqual(['awaiting_review', null, false]);
    expect(await approvedLabels(imageId)).toHaveLength(0);
    const img = await t.admin.json<any>('GET', url(`/images/${imageId}`));
    expect(img.poolState).toBe('unlabeled');
    await page.keyboard.press('r');
    await submitAndWait(page, imageId);
    await checkVerdict({ imageId, verdict: 'reject', rejected: range(instances), instances });
    // Another key cannot withdraw this reviewer's verdicts.
    const other = await call(`${t.url}${url(`/passes/${pass.id}/review/${imageId}`)}`, t.adminKey, 'DELETE');
    expect(other.status).toBe(409);
    await checkVerdict({ imageId, verdict: 'reject', rejected: range(instances), instances });
    expect(await shownErrors(page)).toEqual([]);
    await context.close();
  });

  it('gives two reviewers at once never the same image', async () => {
    // Three free images get a judge confidence: the queue hands out the least confident first.
    const free = await sql<{ image_id: number }>(
      `select image_id from pass_images where pass_id = $1 and state = 'awaiting_review'
         and (review_lease_until is null or review_lease_until <= now()) order by image_id desc limit 3`,
      [pass.id],
    );
    const [high, low, mid] = free.map((r) => Number(r.image_id));
    for (const [id, confidence] of [
      [high, 0.9],
      [low, 0.1],
      [mid, 0.5],
    ])
      await sql(`update pass_images set judge_verdict = $3 where pass_id = $1 and image_id = $2`, [
        pass.id,
        id,
        {
          verdict: 'abstain',
          reason: 'unsure',
          confidence,
          instances: [],
          judge: { kind: 'vlm', config: {} },
        },
      ]);
    const open = async (name: string) => {
      const { context, page } = await signIn(browser, t.url, await createKey(name, project.id));
      await page.goto(reviewPath());
      return { context, page, seen: [] as number[], done: false };
    };
    // One after the other: a leases the two least confident (shown and prefetched), b gets the next.
    const a = await open('reviewer a');
    expect((await shownImage(a.page))?.imageId).toBe(low);
    await expect.poll(() => a.page.getByText('said abstain with confidence 0.10: unsure').count()).toBe(1);
    const b = await open('reviewer b');
    expect((await shownImage(b.page))?.imageId).toBe(high);
    // Take turns, approving, until both see an empty queue; each prefetches (leases) ahead of the other.
    while (!a.done || !b.done) {
      for (const r of [a, b]) {
        if (r.done) continue;
        const shown = await shownImage(r.page);
        if (!shown) {
          r.done = true;
          continue;
        }
        r.seen.push(shown.imageId);
        await r.page.keyboard.press('a');
        await submitAndWait(r.page, shown.imageId);
      }
    }
    // What is left is what the first reviewer's page leased ahead (the shown image and the prefetched
    // one) and left behind: nobody else gets those until their lease runs out.
    // Once the last POSTs landed, every other image is judged.
    let left = 0;
    await expect
      .poll(async () => {
        left = (await t.admin.json<PassView>('GET', url(`/passes/${pass.id}`))).counts.awaitingReview;
        return a.seen.length + b.seen.length + left;
      })
      .toBe(pass.counts.images - 11);
    // Exactly those still leased to the first reviewer's key (what its page leased ahead: at least two).
    const [leased] = await sql<{ n: string }>(
      `select count(*) as n from pass_images p join api_keys k on k.id = p.review_lease_key_id
        where p.pass_id = $1 and p.state = 'awaiting_review' and p.review_lease_until > now() and k.name = $2`,
      [pass.id, 'keyboard reviewer'],
    );
    expect(left).toBe(Number(leased.n));
    expect(left).toBeGreaterThanOrEqual(2);
    expect(a.seen.length).toBeGreaterThan(0);
    expect(b.seen.length).toBeGreaterThan(0);
    expect(a.seen.filter((id) => b.seen.includes(id))).toEqual([]);
    expect(a.seen.slice(0, 2)).toEqual([low, mid]);
    expect([...(await shownErrors(a.page)), ...(await shownErrors(b.page))]).toEqual([]);
    await Promise.all([a.context.close(), b.context.close()]);
  });

  it('shows a project-scoped key its project only', async () => {
    const login = await browser.newContext({ baseURL: t.url });
    const loginPage = await login.newPage();
    await loginPage.goto('/app/');
    await loginPage.getByLabel('API key').waitFor();
    await expectAccessible(loginPage, 'login page');
    await screenshot(loginPage, 'login');
    await login.close();
    const scoped = await createKey('scoped', project.id);
    const { context, page } = await signIn(browser, t.url, scoped);
    await expect.poll(() => page.locator('.cards li').count()).toBe(1);
    expect(await page.locator('.cards').textContent()).not.toContain('elsewhere');
    await expectAccessible(page, 'projects page');
    await screenshot(page, 'projects');
    await page.goto(`/app/projects/${otherProjectId}`);
    await expect.poll(() => shownErrors(page)).toContainEqual(expect.stringMatching(/Forbidden \(403\)/));
    expect(await page.locator('body').textContent()).not.toContain('elsewhere');
    // The key is in session storage, never in a URL.
    expect(page.url()).not.toContain(scoped);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('vlm-loop.apiKey'))).toBe(
      scoped,
    );
    await context.close();
  });
});

describe('the passes and models pages', { timeout: 600_000 }, () => {
  it('lists passes and shows one live: counts, verdicts of an image, and the agreement once it completes', async () => {
    const { context, page } = await signIn(browser, t.url, t.adminKey);
    await page.goto(`/app/projects/${project.id}/passes`);
    await page.locator(`tr[data-pass="${pass.id}"]`).waitFor();
    await expectAccessible(page, 'passes page');
    await screenshot(page, 'passes');
    await page.getByRole('link', { name: `pass ${pass.id}` }).click();
    await page.getByText('live', { exact: true }).waitFor();
    const count = (k: string) => page.locator(`tr[data-count="${k}"] td`).textContent();
    const before = await t.admin.json<PassView>('GET', url(`/passes/${pass.id}`));
    expect(await count('approved')).toBe(String(before.counts.approved));

    // The keyboard reviewer's last leases (nothing else is left), judged through the API: the open page
    // follows by itself.
    const reviewer = (p: string, body?: unknown) =>
      call(`${t.url}${url(`/passes/${pass.id}${p}`)}`, keyboardReviewer, body ? 'POST' : 'GET', body);
    const held = (await reviewer('/review/next?limit=10')).body.data as { imageId: number }[];
    expect(await count('awaiting review')).toBe(String(held.length));
    expect((await reviewer(`/review/${held[0].imageId}`, { verdict: 'approve' })).status).toBe(200);
    await expect.poll(() => count('approved'), { timeout: 10_000 }).toBe(String(before.counts.approved + 1));
    for (const h of held.slice(1))
      expect((await reviewer(`/review/${h.imageId}`, { verdict: 'reject' })).status).toBe(200);
    await page.locator('.status[data-status="completed"]').waitFor({ timeout: 15_000 });
    // A completed pass keeps its verdicts: undo is refused, in words.
    const undo = await call(
      `${t.url}${url(`/passes/${pass.id}/review/${held.at(-1)!.imageId}`)}`,
      keyboardReviewer,
      'DELETE',
    );
    expect([undo.status, undo.body.detail]).toEqual([409, `pass ${pass.id} is no longer running`]);
    const done = await t.admin.json<PassView>('GET', url(`/passes/${pass.id}`));
    await expect
      .poll(() => page.locator('table.agreement caption').textContent())
      .toContain(`accuracy ${done.agreement!.accuracy!.toFixed(3)}`);

    // An image opens with the overlay the judge saw and the verdicts per instance.
    await page.locator(`tr[data-image-id="${held[0].imageId}"] button`).click();
    const detail = page.getByRole('region', { name: `Pass image ${held[0].imageId}` });
    await detail.locator('img.overlay').waitFor();
    const drawn = (await passImage(held[0].imageId)).instances.length;
    await expect.poll(() => detail.locator('tbody tr').count()).toBe(drawn);
    if (drawn > 0) expect(await detail.locator('tbody tr').first().textContent()).toContain('correct');
    expect(await shownErrors(page)).toEqual([]);
    await expectAccessible(page, 'pass page');
    await screenshot(page, 'pass', false);
    await context.close();
  });

  it('shows model versions with lineage, activates one, and follows a training job live', async () => {
    const { context, page } = await signIn(browser, t.url, t.adminKey);
    await page.goto(`/app/projects/${project.id}/models`);
    const versions = await t.admin.json<{ data: { id: number; active: boolean }[] }>(
      'GET',
      url('/model-versions'),
    );
    const first = versions.data[0];
    await page.locator(`tr[data-version="${first.id}"]`).waitFor();
    if (!first.active) {
      await page.getByRole('button', { name: `Activate version ${first.id}` }).click();
      await expect
        .poll(async () => (await t.admin.json<any>('GET', url(`/model-versions/${first.id}`))).active)
        .toBe(true);
    }
    await page.locator(`tr[data-version="${first.id}"]`).getByText('active').waitFor();
    // A warm-started version from the form: its job goes live to succeeded, and its parent is the first.
    await page.getByLabel('Preset').selectOption('tiny');
    await page.getByLabel('Start from').selectOption('active');
    await page
      .getByLabel('Hyper-parameters (JSON)')
      .fill(JSON.stringify({ maxIterations: 4, batchSize: 2, evalEvery: 1000 }));
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(() => page.locator('table.jobs tbody tr').count()).toBe(2);
    const jobs = await t.admin.json<{ data: { id: number }[] }>('GET', url('/training-jobs'));
    const jobId = Math.max(...jobs.data.map((j) => j.id));
    const job = page.locator(`tr[data-job="${jobId}"]`);
    await job.locator('.job-status', { hasText: 'succeeded' }).waitFor({ timeout: 300_000 });
    const next = (
      await t.admin.json<{ data: { id: number; parentId: number | null }[] }>('GET', url('/model-versions'))
    ).data.find((v) => v.id !== first.id)!;
    expect(next.parentId).toBe(first.id);
    await expect
      .poll(() => page.locator(`tr[data-version="${next.id}"] td`).first().textContent())
      .toBe(`version ${first.id}`);
    expect(await shownErrors(page)).toEqual([]);
    await expectAccessible(page, 'models page');
    await screenshot(page, 'models');
    await context.close();
  });

  it('brings back an image whose verdict did not reach the server, and says why', async () => {
    // A second human pass over what the first left unlabelled.
    const created = await t.admin.json<PassView>('POST', url('/passes'), {
      modelVersionId: versionId,
      judge: { kind: 'human' },
      scoreThreshold: 0.1,
    });
    await waitForPass(
      t.admin,
      project.id,
      created.id,
      (p) => p.counts.pending === 0 && p.counts.awaitingReview > 0,
    );
    const { context, page } = await signIn(browser, t.url, await createKey('flaky network', project.id));
    await page.goto(`/app/projects/${project.id}/passes/${created.id}/review`);
    const { imageId } = (await shownImage(page))!;
    // The connection drops under the verdict's POST (and only under it).
    await page.route(`**/passes/${created.id}/review/${imageId}`, (route) =>
      route.request().method() === 'POST' ? route.abort('connectionreset') : route.continue(),
    );
    await page.keyboard.press('a');
    await page.keyboard.press('Enter');
    await expect.poll(() => shownErrors(page)).toContainEqual(expect.stringContaining('Network error'));
    await page.locator(`.review-body[data-image-id="${imageId}"]`).waitFor();
    expect(
      (await call(`${t.url}${url(`/passes/${created.id}/images/${imageId}`)}`, t.adminKey, 'GET')).body.state,
    ).toBe('awaiting_review');
    await page.unroute(`**/passes/${created.id}/review/${imageId}`);
    await page.keyboard.press('Enter');
    await expect
      .poll(
        async () =>
          (await call(`${t.url}${url(`/passes/${created.id}/images/${imageId}`)}`, t.adminKey, 'GET')).body
            .verdict,
      )
      .toBe('approve');
    await expect.poll(() => shownErrors(page)).toEqual([]);
    await context.close();
  });
});

const sql = <T = any>(text: string, values: unknown[] = []) =>
  t.server.ctx.database.pool.query(text, values).then((r) => r.rows as T[]);

const passImage = (imageId: number) => t.admin.json<any>('GET', url(`/passes/${pass.id}/images/${imageId}`));

async function approvedLabels(imageId: number): Promise<unknown[]> {
  const res = await t.admin.json<{ data: unknown[] }>(
    'GET',
    url(`/labels?imageId=${imageId}&source=approved_prediction&limit=500`),
  );
  return res.data;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function checkVerdict(e: Expected): Promise<void> {
  // The page shows the next image before the verdict's POST lands: wait for it to land.
  await expect.poll(async () => (await passImage(e.imageId)).state).toBe('judged');
  const image = await passImage(e.imageId);
  expect(image.state).toBe('judged');
  expect(image.verdict).toBe(e.verdict);
  expect(image.reviewVerdict.judge.kind).toBe('human');
  const byIndex = new Map<number, string>(
    image.reviewVerdict.instances.map((i: any) => [i.index, i.verdict]),
  );
  for (const index of range(e.instances))
    expect(byIndex.get(index), `image ${e.imageId} #${index}`).toBe(
      e.rejected.includes(index) ? 'bad_mask' : 'correct',
    );
  expect((await approvedLabels(e.imageId)).length, `labels of image ${e.imageId}`).toBe(
    e.verdict === 'approve' ? e.instances : 0,
  );
  expect(image.accepted).toBe(e.verdict === 'approve');
}
