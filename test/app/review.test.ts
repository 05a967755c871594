/**
 * The review page in a real Chromium against the real server on the embedded PostgreSQL: a tiny model
 * trained by the real trainer predicts on the pool, a `human` pass puts every image in the review queue,
 * and people review it by keyboard only.
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
  const versionId = await trainTinyModel(t.admin, project.id);
  const pool = await makePool(t.admin, project.id, 3);
  const created = await t.admin.json<PassView>('POST', url('/passes'), {
    modelVersionId: versionId,
    judge: { kind: 'human' },
    scoreThreshold: 0.05,
  });
  pass = await waitForPass(t.admin, project.id, created.id, (p) => p.counts.awaitingReview === pool.length);
  otherProjectId = (await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'elsewhere' })).id;
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
      const el = document.querySelector('.review-body');
      return el
        ? el.getAttribute('data-image-id') !== String(id)
        : document.body.innerText.includes('Nothing is waiting');
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

describe('the review page', () => {
  it('reviews 10 images by keyboard only; the API has each verdict and the accepted labels', async () => {
    const reviewer = await createKey('keyboard reviewer', project.id);
    const { context, page } = await signIn(browser, t.url, reviewer);
    await page.goto(reviewPath());
    const expected: Expected[] = [];
    for (let i = 0; i < 10; i++) {
      const shown = await shownImage(page);
      expect(shown, `image ${i} should be waiting`).not.toBeNull();
      const { imageId, instances } = shown!;
      if (i === 0) {
        await expectAccessible(page, 'review page');
        await screenshot(page, 'review');
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

  it('gives two reviewers at once never the same image', async () => {
    const [a, b] = await Promise.all(
      ['reviewer a', 'reviewer b'].map(async (name) => {
        const { context, page } = await signIn(browser, t.url, await createKey(name, project.id));
        await page.goto(reviewPath());
        return { context, page, seen: [] as number[], done: false };
      }),
    );
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
    const left = await t.admin.json<PassView>('GET', url(`/passes/${pass.id}`));
    expect(left.counts.awaitingReview).toBe(2);
    expect(a.seen.length).toBeGreaterThan(0);
    expect(b.seen.length).toBeGreaterThan(0);
    expect(a.seen.filter((id) => b.seen.includes(id))).toEqual([]);
    expect(a.seen.length + b.seen.length).toBe(pass.counts.images - 10 - 2);
    expect([...(await shownErrors(a.page)), ...(await shownErrors(b.page))]).toEqual([]);
    await Promise.all([a.context.close(), b.context.close()]);
  });

  it('shows a project-scoped key its project only', async () => {
    const scoped = await createKey('scoped', project.id);
    const { context, page } = await signIn(browser, t.url, scoped);
    await expect.poll(() => page.locator('.cards li').count()).toBe(1);
    expect(await page.locator('.cards').innerText()).not.toContain('elsewhere');
    await expectAccessible(page, 'projects page');
    await screenshot(page, 'projects');
    await page.goto(`/app/projects/${otherProjectId}`);
    await expect.poll(() => shownErrors(page)).toContainEqual(expect.stringMatching(/Forbidden \(403\)/));
    expect(await page.locator('body').innerText()).not.toContain('elsewhere');
    // The key is in session storage, never in a URL.
    expect(page.url()).not.toContain(scoped);
    expect(await page.evaluate(() => sessionStorage.getItem('vlm-loop.apiKey'))).toBe(scoped);
    await context.close();
  });
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function checkVerdict(e: Expected): Promise<void> {
  const image = await t.admin.json<any>('GET', url(`/passes/${pass.id}/images/${e.imageId}`));
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
  const labels = await t.admin.json<{ data: any[] }>(
    'GET',
    url(`/labels?imageId=${e.imageId}&source=approved_prediction&limit=500`),
  );
  expect(labels.data.length, `labels of image ${e.imageId}`).toBe(e.verdict === 'approve' ? e.instances : 0);
  expect(image.accepted).toBe(e.verdict === 'approve');
}
