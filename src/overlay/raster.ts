import { GLYPH_HEIGHT, rasterise, textWidth } from './bitmap-font.ts';
import type { Rgb } from './palette.ts';

/** An 8-bit RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function setPixel(image: RgbImage, x: number, y: number, colour: Rgb): void {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  const i = (y * image.width + x) * 3;
  image.data[i] = colour[0];
  image.data[i + 1] = colour[1];
  image.data[i + 2] = colour[2];
}

/**
 * A mask cut to its tight box: `data` holds bounds.width x bounds.height 0/1 values, row-major. Masks
 * are drawn from these so that no step touches the whole image once per instance.
 */
export interface BoundedMask {
  bounds: Rect;
  data: Uint8Array;
}

/**
 * Cuts a COCO RLE (column-major runs, starting with background) to `bounds`, which must hold every
 * foreground pixel (its toBbox); runs past height*width are ignored, as a full decode cuts them off.
 */
export function boundedMask(
  counts: ArrayLike<number>,
  height: number,
  bounds: Rect,
  total: number,
): BoundedMask {
  const data = new Uint8Array(bounds.width * bounds.height);
  let pos = 0;
  for (let j = 0; j < counts.length && pos < total; j++) {
    const end = Math.min(pos + counts[j], total);
    if (j % 2 === 1) {
      for (let p = pos; p < end; p++) {
        const x = Math.floor(p / height) - bounds.x;
        const y = (p % height) - bounds.y;
        if (x >= 0 && y >= 0 && x < bounds.width && y < bounds.height) data[y * bounds.width + x] = 1;
      }
    }
    pos = end;
  }
  return { bounds, data };
}

/** out = (1 - alpha) * pixel + alpha * colour, rounded, inside the mask only. */
export function blendMask(image: RgbImage, mask: BoundedMask, colour: Rgb, alpha: number): void {
  // One lookup per channel instead of float arithmetic per pixel: same values, a few times faster.
  const tables = colour.map((c) => Uint8Array.from({ length: 256 }, (_, p) => blend(p, c, alpha)));
  const data = image.data;
  const { bounds, data: bits } = mask;
  for (let y = 0; y < bounds.height; y++) {
    const row = (bounds.y + y) * image.width + bounds.x;
    for (let x = 0; x < bounds.width; x++) {
      if (!bits[y * bounds.width + x]) continue;
      const p = (row + x) * 3;
      data[p] = tables[0][data[p]];
      data[p + 1] = tables[1][data[p + 1]];
      data[p + 2] = tables[2][data[p + 2]];
    }
  }
}

export function blend(pixel: number, colour: number, alpha: number): number {
  return Math.round(pixel * (1 - alpha) + colour * alpha);
}

/**
 * Paints the mask's inner boundary band `thickness` px wide: mask pixels with a background pixel within
 * Chebyshev distance `thickness`. Inner, so the outline never covers a neighbour's pixels; the image
 * frame counts as foreground, since where the photo cuts an object is not its outline.
 */
export function drawContour(image: RgbImage, mask: BoundedMask, thickness: number, colour: Rgb): void {
  const { bounds, data } = mask;
  const eroded = erodeSquare(mask, image.width, image.height, thickness);
  for (let y = 0; y < bounds.height; y++) {
    const row = (bounds.y + y) * image.width + bounds.x;
    for (let x = 0; x < bounds.width; x++) {
      const i = y * bounds.width + x;
      if (!data[i] || eroded[i]) continue;
      const p = (row + x) * 3;
      image.data[p] = colour[0];
      image.data[p + 1] = colour[1];
      image.data[p + 2] = colour[2];
    }
  }
}

/**
 * Erosion by a (2r+1)^2 square over the mask's bounds: a sliding window along each row, then one down the
 * columns kept as per-column counts, row by row (both passes read memory in order). Reads r px around
 * the bounds: background inside the image, 1 outside it.
 */
function erodeSquare(mask: BoundedMask, width: number, height: number, r: number): Uint8Array {
  const { bounds } = mask;
  const bw = bounds.width;
  const pw = bw + 2 * r;
  const ph = bounds.height + 2 * r;
  const padded = new Uint8Array(pw * ph).fill(1);
  // the image's part of the padded window is background, except the mask itself
  const x0 = Math.max(0, bounds.x - r) - (bounds.x - r);
  const x1 = Math.min(width, bounds.x + bw + r) - (bounds.x - r);
  for (let y = 0; y < ph; y++) {
    const gy = bounds.y - r + y;
    if (gy < 0 || gy >= height) continue;
    padded.fill(0, y * pw + x0, y * pw + x1);
    if (y >= r && y < r + bounds.height)
      padded.set(mask.data.subarray((y - r) * bw, (y - r + 1) * bw), y * pw + r);
  }
  const rows = new Uint8Array(bw * ph);
  for (let y = 0; y < ph; y++) slideMin(padded, y * pw, 1, rows, y * bw, 1, bw, r);
  // zeros[x]: background pixels of column x among the window's 2r + 1 rows
  const zeros = new Int32Array(bw);
  // every value here is 0 or 1, so counting zeros is arithmetic, without branches
  for (let y = 0; y < 2 * r; y++) for (let x = 0; x < bw; x++) zeros[x] += 1 - rows[y * bw + x];
  const out = new Uint8Array(bw * bounds.height);
  for (let y = 0; y < bounds.height; y++) {
    const enter = (y + 2 * r) * bw;
    const leave = y * bw;
    const row = y * bw;
    for (let x = 0; x < bw; x++) {
      const z = zeros[x] + 1 - rows[enter + x];
      out[row + x] = +(z === 0);
      zeros[x] = z - 1 + rows[leave + x];
    }
  }
  return out;
}

/** out[i] = min(src[i .. i + 2r]) for `count` outputs, along a strided line of 0/1 values. */
function slideMin(
  src: Uint8Array,
  srcStart: number,
  srcStep: number,
  out: Uint8Array,
  outStart: number,
  outStep: number,
  count: number,
  r: number,
): void {
  let zeros = 0;
  for (let k = 0; k < 2 * r; k++) zeros += 1 - src[srcStart + k * srcStep];
  for (let i = 0; i < count; i++) {
    zeros += 1 - src[srcStart + (i + 2 * r) * srcStep];
    out[outStart + i * outStep] = +(zeros === 0);
    zeros -= 1 - src[srcStart + i * srcStep];
  }
}

export interface LabelStyle {
  scale: number;
  fill: Rgb;
  ink: Rgb;
  border: Rgb;
}

/** Size of the filled box that holds `text` at `scale`, border included. */
export function labelSize(text: string, scale: number): { width: number; height: number } {
  return { width: (textWidth(text) + 4) * scale + 2, height: (GLYPH_HEIGHT + 2) * scale + 2 };
}

/** A filled, 1 px bordered box at `box` with `text` in it. */
export function drawLabel(image: RgbImage, box: Rect, text: string, style: LabelStyle): void {
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      const edge = y === box.y || x === box.x || y === box.y + box.height - 1 || x === box.x + box.width - 1;
      setPixel(image, x, y, edge ? style.border : style.fill);
    }
  }
  const originX = box.x + 1 + 2 * style.scale;
  const originY = box.y + 1 + style.scale;
  rasterise(text, style.scale, (x, y) => setPixel(image, originX + x, originY + y, style.ink));
}
