import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderOverlay } from '../../src/overlay/overlay.ts';
import { GOLDEN_CASES } from './golden-cases.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/overlay');

async function pixels(png: Buffer | string) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/**
 * The overlay is pixel-identical to the fixtures rendered by the earlier per-instance implementation
 * (full-image mask decodes, PNG compression level 6): the one-pass drawing and the faster PNG settings
 * change how it is made, not what it shows.
 */
describe('renderOverlay against the earlier implementation', () => {
  for (const c of GOLDEN_CASES) {
    it(`draws ${c.name} pixel for pixel as before, listing the same instances`, async () => {
      const overlay = await renderOverlay(await c.request());
      const [got, want] = [await pixels(overlay.png), await pixels(path.join(FIXTURES, `${c.name}.png`))];
      expect({ ...got, data: undefined }).toEqual({ ...want, data: undefined });
      let different = 0;
      for (let i = 0; i < want.data.length; i++) if (got.data[i] !== want.data[i]) different++;
      expect(different).toBe(0);
      const drawn = JSON.parse(await fs.readFile(path.join(FIXTURES, `${c.name}.json`), 'utf8'));
      expect(overlay.drawn).toEqual(drawn);
    });
  }
});
