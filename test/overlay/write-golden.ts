/**
 * Writes test/fixtures/overlay/<case>.png with the current renderOverlay. Run once, with the implementation
 * the fixtures pin (the per-instance one, before the one-pass compositor):
 *   node --import tsx test/overlay/write-golden.ts
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderOverlay } from '../../src/overlay/overlay.ts';
import { GOLDEN_CASES } from './golden-cases.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/overlay');
await fs.mkdir(dir, { recursive: true });
for (const c of GOLDEN_CASES) {
  const overlay = await renderOverlay(await c.request());
  await fs.writeFile(path.join(dir, `${c.name}.png`), overlay.png);
  await fs.writeFile(path.join(dir, `${c.name}.json`), `${JSON.stringify(overlay.drawn, null, 2)}\n`);
}
