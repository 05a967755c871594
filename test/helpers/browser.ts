import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Where the tests write a screenshot of each page (committed: the README shows the review page). */
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../docs/app');

/**
 * Debian's chromium (`apt-get install -y chromium`; `.ci/run` installs it): browsers cannot be downloaded
 * from elsewhere here. VLM_LOOP_CHROMIUM names another binary.
 */
function chromiumPath(): string {
  const named = process.env.VLM_LOOP_CHROMIUM;
  if (named) return named;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    throw new Error(
      'the browser tests need chromium: apt-get install -y chromium (or set VLM_LOOP_CHROMIUM)',
    );
  }
}

/** One headless Chromium per test file; each test opens its own contexts (separate session storage). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
}

/** A fresh context and page signed in with `key` through the login form, as a person would. */
export async function signIn(
  browser: Browser,
  baseUrl: string,
  key: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto('/app/');
  await page.getByLabel('API key').fill(key);
  await page.getByLabel('API key').press('Enter');
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  return { context, page };
}

const axeSource = fs.readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core in the page (evaluated over the protocol, so the app's CSP stays on) and fails on serious or critical violations. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(await axeSource);
  const violations = await page.evaluate(async () => {
    const g = globalThis as unknown as {
      axe: { run: (ctx: unknown) => Promise<{ violations: AxeViolation[] }> };
      document: unknown;
    };
    const result = await g.axe.run(g.document);
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  // (No vitest import here: the benchmark drives the browser through this file too.)
  if (bad.length > 0) throw new Error(`${what}: axe-core found ${JSON.stringify(bad, null, 1)}`);
}

/** The page as shown (`fullPage`: all of it, however long) into docs/app/<name>.png. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await fs.mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage });
}

/** Every API error the page shows, so a test can fail with the words a person would read. */
export async function shownErrors(page: Page): Promise<string[]> {
  return page.locator('[role=alert]').allInnerTexts();
}
