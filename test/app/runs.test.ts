/**
 * The runs page in a real Chromium: a run started from the form on the tiny preset (the real trainer,
 * evaluation and oracle passes, as small as test/runs keeps them), followed live to completion, with its
 * learning curve and, once there is one, the supervised reference; the controls pause, resume and cancel;
 * errors from the API are shown in words.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunView, runBody, startRunServer, waitForRun } from '../domains/runs/run-helpers.ts';
import { expectAccessible, launchBrowser, screenshot, shownErrors, signIn } from '../helpers/browser.ts';
import type { TestServer } from '../helpers/server.ts';
import type { SeededProject } from '../helpers/training.ts';

let t: TestServer;
let project: SeededProject;
let browser: Browser;
let page: Page;

const url = (p: string) => `/v1/projects/${project.id}${p}`;
const HYPER = JSON.stringify({ maxIterations: 12, batchSize: 2, evalEvery: 1000 });

beforeAll(async () => {
  [{ t, project }, browser] = await Promise.all([startRunServer(true), launchBrowser()]);
  ({ page } = await signIn(browser, t.url, t.adminKey));
}, 900_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Fills the run form as a person would; returns once the page moved to the new run. */
async function startRun(name: string, fields: Record<string, string> = {}): Promise<number> {
  await page.goto(`/app/projects/${project.id}/runs`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Judge').selectOption('oracle');
  await page.getByLabel('Initial labelled fraction').fill(fields.fraction ?? '0.34');
  await page.getByLabel('Iterations', { exact: true }).fill('1');
  await page.getByLabel('Training preset').selectOption('tiny');
  await page.getByLabel('Score threshold').fill('0.05');
  await page.getByLabel('Hyper-parameters (JSON)').fill(fields.hyper ?? HYPER);
  await page.getByLabel('Stop below this many approvals').fill('0');
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForURL(/\/runs\/\d+$/);
  return Number(page.url().split('/').pop());
}

describe('the runs page', { timeout: 900_000 }, () => {
  it('shows bad input in words, from the page and from the API', async () => {
    await page.goto(`/app/projects/${project.id}/runs`);
    await page.getByLabel('Hyper-parameters (JSON)').fill('{maxIterations');
    await page.getByRole('button', { name: 'Start run' }).click();
    await expect.poll(() => shownErrors(page)).toContainEqual(expect.stringContaining('not JSON'));
    await page.getByLabel('Hyper-parameters (JSON)').fill(HYPER);
    // All of the train split labelled leaves nothing to loop over: the server refuses iterations with it.
    await page.getByLabel('Initial labelled fraction').fill('1');
    await page.getByLabel('Iterations', { exact: true }).fill('2');
    await page.getByRole('button', { name: 'Start run' }).click();
    // The server's problem+json, naming the field.
    await expect.poll(() => shownErrors(page)).toContainEqual(expect.stringMatching(/\(4\d\d\).*fraction/));
    await expectAccessible(page, 'runs page');
    await screenshot(page, 'runs');
  });

  it('cancels a run from its page', async () => {
    const id = await startRun('to cancel');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.status[data-status="cancelled"]').waitFor({ timeout: 30_000 });
    expect((await t.admin.json<RunView>('GET', url(`/runs/${id}`))).status).toBe('cancelled');
  });

  it('starts a tiny run from the form, pauses and resumes it, follows it to completion and draws its curve', async () => {
    const id = await startRun('tiny from the form');
    const created = await t.admin.json<RunView & { config: any }>('GET', url(`/runs/${id}`));
    expect(created.config).toMatchObject({
      initialLabels: { fraction: 0.34 },
      iterations: 1,
      judge: { kind: 'oracle' },
      scoreThreshold: 0.05,
      training: { preset: 'tiny', hyper: JSON.parse(HYPER) },
      stop: { minApprovals: 0 },
    });
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('.status[data-status="paused"]').waitFor();
    expect((await t.admin.json<RunView>('GET', url(`/runs/${id}`))).status).toBe('paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.status[data-status="running"]').waitFor();

    const run = await waitForRun(t.admin, project.id, id, (r) => r.status === 'succeeded');
    // The live page gets there by itself.
    await page.locator('.status[data-status="succeeded"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('table.iterations tbody tr').count()).toBe(2);
    for (const it of run.iterations) {
      const cell = page.locator(`tr[data-iteration="${it.iteration}"] td.ap`);
      await expect.poll(() => cell.textContent()).toBe(it.metrics!.segmAP!.toFixed(3));
    }
    // The curve: one point per iteration; hovering one reads its values.
    const points = page.locator('.curve circle.point');
    await expect.poll(() => points.count()).toBe(2);
    await points.nth(1).hover();
    const value = await page.locator('.curve-value').textContent();
    expect(value).toContain(`iteration 1: mask AP ${run.iterations[1].metrics!.segmAP!.toFixed(3)}`);
    // The ledger shows its parts, and the total the API sums them to.
    await expect.poll(() => page.locator('table.ledger tbody tr').count()).toBeGreaterThan(0);
    const ledger = await page.locator('table.ledger').textContent();
    for (const kind of ['annotation', 'review', 'training']) expect(ledger).toContain(kind);
    expect(await page.locator('.totals').textContent()).toContain(`= $${run.cost.totalUsd.toFixed(2)}`);
    expect(await shownErrors(page)).toEqual([]);

    // A supervised reference (every train label, no loop) appears on the curve once it exists.
    const reference = await t.admin.json<RunView>('POST', url('/runs'), {
      ...runBody({ name: 'supervised', iterations: 0 }),
      initialLabels: { fraction: 1, seed: 3 },
    });
    const supervised = await waitForRun(t.admin, project.id, reference.id, (r) => r.status === 'succeeded');
    await page.reload();
    const line = page.locator('.curve .reference text');
    await expect
      .poll(() => line.textContent(), { timeout: 15_000 })
      .toBe(`supervised (supervised): ${supervised.iterations[0].metrics!.segmAP!.toFixed(3)}`);
    await expectAccessible(page, 'run page');
    await screenshot(page, 'run');
  });
});
