/**
 * The dataset pages in a real Chromium: drag-and-drop upload with one bad file (its problem+json shown
 * under it), COCO import and export, the image grid's filters and keyset paging, an image with its labels.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthDataset } from '../../src/dataset/synth.ts';
import { expectAccessible, launchBrowser, screenshot, shownErrors, signIn } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let browser: Browser;
let page: Page;
let projectId: number;
let files: string[];
let cocoPath: string;

beforeAll(async () => {
  [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  const dataset = await generateSynthDataset({
    outDir: path.join(t.dataDir, 'synth'),
    images: 31,
    seed: 7,
    size: 96,
    difficulty: 'easy',
    splits: { train: 0.6, val: 0.2, test: 0.2 },
  });
  files = (await fs.readdir(dataset.imagesDir)).sort().map((f) => path.join(dataset.imagesDir, f));
  cocoPath = dataset.annotationsPath;
  const project = await t.admin.json<{ id: number }>('POST', '/v1/projects', {
    name: 'shapes',
    categories: dataset.categories.map((c) => ({ name: c.name })),
  });
  projectId = project.id;
  // All but three through the API; those three come by drag and drop.
  await t.admin.uploadImages(projectId, files.slice(3));
  ({ page } = await signIn(browser, t.url, t.adminKey));
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const url = (p: string) => `/v1/projects/${projectId}${p}`;

/** Drops files on the drop zone the way a browser does: a DataTransfer holding File objects. */
async function dropFiles(items: { name: string; type: string; bytes: Buffer }[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    (list) => {
      const g = globalThis as any;
      const dt = new g.DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(g.atob(f.b64), (c: string) => c.charCodeAt(0));
        dt.items.add(new g.File([bytes], f.name, { type: f.type }));
      }
      return dt;
    },
    items.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString('base64') })),
  );
  await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer });
}

describe('the dataset pages', () => {
  it('uploads dropped files with a progress bar and shows the bad file’s error in words', async () => {
    await page.goto(`/app/projects/${projectId}`);
    const good = await Promise.all(
      files
        .slice(0, 3)
        .map(async (f) => ({ name: path.basename(f), type: 'image/png', bytes: await fs.readFile(f) })),
    );
    const bad = { name: 'notes.png', type: 'image/png', bytes: Buffer.from('this is not an image at all') };
    await dropFiles([good[0], bad, good[1], good[2]]);
    for (const g of good) await page.locator(`li[data-file="${g.name}"].done`).waitFor();
    const failed = page.locator('li[data-file="notes.png"].failed');
    await failed.waitFor();
    // The server's problem+json in words: status, title and what was wrong with which file.
    expect(await failed.textContent()).toMatch(/notes\.png: failed .*\((4\d\d)\)/);
    expect(await failed.locator('[role=alert]').textContent()).toMatch(/\w+/);
    expect(await page.locator('progress[aria-label="Upload progress"]').getAttribute('value')).toBe('1');
    const listed = await t.admin.json<{ data: unknown[] }>('GET', url('/images?limit=100'));
    expect(listed.data).toHaveLength(31);
    await expectAccessible(page, 'dataset page');
  });

  it('imports COCO labels from a file, filters the grid, pages by keyset and exports COCO', async () => {
    await page.goto(`/app/projects/${projectId}`);
    await page.getByLabel('Import COCO annotations').setInputFiles(cocoPath);
    await page.getByText(/^Imported:/).waitFor();
    // 31 images: 24 on the first page, 7 on the second.
    const tiles = page.locator('.grid-images li');
    await expect.poll(() => tiles.count()).toBe(24);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => tiles.count()).toBe(7);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => tiles.count()).toBe(24);
    // Filters: the grid holds what the API lists for the same filter.
    await page.getByLabel('Split', { exact: true }).selectOption('test');
    const test = await t.admin.json<{ data: { id: number }[] }>('GET', url('/images?split=test&limit=100'));
    await expect
      .poll(async () =>
        (await tiles.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-image-id'))))).sort(),
      )
      .toEqual(test.data.map((i) => i.id).sort());
    await page.getByLabel('Label source').selectOption('none');
    await expect.poll(() => tiles.count()).toBe(0);
    await page.getByLabel('Label source').selectOption('');
    await screenshot(page, 'dataset');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export COCO' }).click();
    const exported = JSON.parse(await fs.readFile((await (await download).path())!, 'utf8'));
    const original = JSON.parse(await fs.readFile(cocoPath, 'utf8'));
    expect(exported.images).toHaveLength(31);
    expect(exported.annotations).toHaveLength(original.annotations.length);
    expect(await shownErrors(page)).toEqual([]);
  });

  it('shows an image with its labels drawn', async () => {
    const labels = await t.admin.json<{ data: { imageId: number }[] }>('GET', url('/labels?limit=1'));
    const imageId = labels.data[0].imageId;
    const all = await t.admin.json<{ data: unknown[] }>('GET', url(`/labels?imageId=${imageId}&limit=500`));
    await page.goto(`/app/projects/${projectId}/images/${imageId}`);
    await expect.poll(() => page.locator('table.labels tbody tr').count()).toBe(all.data.length);
    // The masks are painted: the canvas over the image has coloured pixels.
    const painted = await page.locator('.masked canvas').evaluate((c: any) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(0);
    await expectAccessible(page, 'image page');
    await screenshot(page, 'image');
  });
});
