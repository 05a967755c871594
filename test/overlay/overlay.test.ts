import { describe, expect, it } from 'vitest';
import { instanceLines } from '../../src/domains/judging/prompt.ts';
import { textWidth } from '../../src/overlay/bitmap-font.ts';
import { DEFAULT_OVERLAY_STYLE, renderOverlay, selectInstances } from '../../src/overlay/overlay.ts';
import { colourFor, inkFor } from '../../src/overlay/palette.ts';
import { blend, labelSize } from '../../src/overlay/raster.ts';
import { pixelAt, rawPixels, rectInstance, solidPng } from '../domains/judging/fixtures.ts';

const W = 160;
const H = 120;
const GREY: [number, number, number] = [100, 100, 100];
const alpha = DEFAULT_OVERLAY_STYLE.alpha;

const book = rectInstance(W, H, { rect: [40, 40, 80, 70], categoryName: 'book', score: 0.9 });
const bird = rectInstance(W, H, {
  rect: [100, 60, 140, 100],
  categoryId: 2,
  categoryName: 'bird',
  score: 0.3,
});
const zebra = rectInstance(W, H, {
  rect: [10, 90, 30, 110],
  categoryId: 3,
  categoryName: 'zebra',
  score: 0.5,
});

async function render(threshold = 0.5) {
  const image = await solidPng(W, H, GREY);
  const overlay = await renderOverlay({ image, instances: [book, bird, zebra], scoreThreshold: threshold });
  return { overlay, pixels: await rawPixels(overlay.png) };
}

describe('renderOverlay', () => {
  it('fills the inside of a mask with the blend of image and instance colour', async () => {
    const { pixels } = await render();
    const colour = colourFor(1);
    expect(pixelAt(pixels, 60, 55)).toEqual(colour.map((c) => blend(GREY[0], c, alpha)));
    expect(pixelAt(pixels, 45, 65)).toEqual(colour.map((c) => blend(GREY[0], c, alpha)));
  });

  it('leaves pixels outside every mask and label untouched', async () => {
    const { pixels } = await render();
    for (const [x, y] of [
      [5, 5],
      [150, 5],
      [90, 55],
      [60, 80],
      [155, 115],
    ]) {
      expect(pixelAt(pixels, x, y)).toEqual(GREY);
    }
  });

  it('draws a 2 px contour in the instance colour just inside the mask edge', async () => {
    const { pixels } = await render();
    const colour = [...colourFor(1)];
    for (const [x, y] of [
      [40, 55],
      [41, 55],
      [79, 55],
      [78, 55],
      [60, 69],
      [60, 68],
    ]) {
      expect(pixelAt(pixels, x, y)).toEqual(colour);
    }
    expect(pixelAt(pixels, 42, 55)).not.toEqual(colour);
    expect(pixelAt(pixels, 39, 55)).toEqual(GREY);
  });

  it('labels each mask with a filled, bordered box holding its number and class', async () => {
    const { pixels } = await render();
    const size = labelSize('1 book', 1);
    const box = { x: 40, y: 40 - size.height };
    expect(size.width).toBe(textWidth('1 book') + 4 + 2);
    expect(pixelAt(pixels, box.x, box.y)).toEqual([0, 0, 0]);
    expect(pixelAt(pixels, box.x + size.width - 1, box.y + size.height - 1)).toEqual([0, 0, 0]);
    expect(pixelAt(pixels, box.x + 1, box.y + 1)).toEqual([...colourFor(1)]);
    let ink = 0;
    for (let y = box.y + 1; y < box.y + size.height - 1; y++) {
      for (let x = box.x + 1; x < box.x + size.width - 1; x++) {
        const p = pixelAt(pixels, x, y);
        if (p.join() === inkFor(colourFor(1)).join()) ink++;
      }
    }
    expect(ink).toBeGreaterThan(20);
  });

  it('draws nothing for instances below the threshold', async () => {
    const { overlay, pixels } = await render(0.5);
    expect(overlay.drawn.map((d) => d.categoryName)).toEqual(['book', 'zebra']);
    for (const [x, y] of [
      [120, 80],
      [100, 60],
      [139, 99],
    ]) {
      expect(pixelAt(pixels, x, y)).toEqual(GREY);
    }
    const low = await render(0.2);
    expect(pixelAt(low.pixels, 120, 80)).not.toEqual(GREY);
  });

  it('reports exactly the instances the prompt lists, in the same numbering', async () => {
    const { overlay } = await render(0.5);
    const selected = selectInstances([book, bird, zebra], 0.5);
    expect(overlay.drawn).toEqual([
      { index: 1, categoryName: 'book', score: 0.9 },
      { index: 2, categoryName: 'zebra', score: 0.5 },
    ]);
    expect(overlay.drawn).toEqual(
      selected.map((s) => ({
        index: s.index,
        categoryName: s.instance.categoryName,
        score: s.instance.score,
      })),
    );
    expect(instanceLines(selected)).toBe('- #1: book\n- #2: zebra');
  });

  it('numbers the second drawn instance with the second palette colour', async () => {
    const { pixels } = await render(0.5);
    expect(pixelAt(pixels, 20, 100)).toEqual(colourFor(2).map((c) => blend(GREY[0], c, alpha)));
  });

  it('gives the same bytes for the same input', async () => {
    const a = await render();
    const b = await render();
    expect(a.overlay.png.equals(b.overlay.png)).toBe(true);
    expect(a.overlay.png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  });

  it('refuses masks whose size differs from the image', async () => {
    const image = await solidPng(W, H, GREY);
    const wrong = rectInstance(W + 1, H, { rect: [1, 1, 5, 5] });
    await expect(renderOverlay({ image, instances: [wrong], scoreThreshold: 0 })).rejects.toThrow(/161x120/);
  });

  it('does not outline where the image frame cuts a mask', async () => {
    const image = await solidPng(W, H, GREY);
    const edge = rectInstance(W, H, { rect: [0, 60, 30, 100] });
    const { png } = await renderOverlay({ image, instances: [edge], scoreThreshold: 0 });
    const pixels = await rawPixels(png);
    const fill = colourFor(1).map((c) => blend(GREY[0], c, alpha));
    expect(pixelAt(pixels, 0, 80)).toEqual(fill);
    expect(pixelAt(pixels, 29, 80)).toEqual([...colourFor(1)]);
  });

  it('paints a smaller mask over a larger one it overlaps', async () => {
    const image = await solidPng(W, H, GREY);
    const large = rectInstance(W, H, { rect: [20, 20, 120, 110] });
    const small = rectInstance(W, H, { rect: [50, 50, 70, 70] });
    const { png } = await renderOverlay({ image, instances: [small, large], scoreThreshold: 0 });
    const pixels = await rawPixels(png);
    const underneath = colourFor(2).map((c) => blend(GREY[0], c, alpha));
    expect(pixelAt(pixels, 60, 60)).toEqual(colourFor(1).map((c, i) => blend(underneath[i], c, alpha)));
  });

  it('draws an image with no instances unchanged', async () => {
    const image = await solidPng(W, H, GREY);
    const { png, drawn } = await renderOverlay({ image, instances: [], scoreThreshold: 0.5 });
    expect(drawn).toEqual([]);
    const pixels = await rawPixels(png);
    expect(pixelAt(pixels, 80, 60)).toEqual(GREY);
  });
});
