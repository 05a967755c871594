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

/** out = (1 - alpha) * pixel + alpha * colour, rounded, inside the mask only. */
export function blendMask(image: RgbImage, mask: Uint8Array, bounds: Rect, colour: Rgb, alpha: number): void {
  // One lookup per channel instead of float arithmetic per pixel: same values, a few times faster.
  const tables = colour.map((c) => Uint8Array.from({ length: 256 }, (_, p) => blend(p, c, alpha)));
  const data = image.data;
  for (let y = bounds.y; y < bounds.y + bounds.height; y++) {
    for (let p = y * image.width + bounds.x, end = p + bounds.width; p < end; p++) {
      if (!mask[p]) continue;
      data[p * 3] = tables[0][data[p * 3]];
      data[p * 3 + 1] = tables[1][data[p * 3 + 1]];
      data[p * 3 + 2] = tables[2][data[p * 3 + 2]];
    }
  }
}

export function blend(pixel: number, colour: number, alpha: number): number {
  return Math.round(pixel * (1 - alpha) + colour * alpha);
}

/**
 * The mask's inner boundary band `thickness` px wide: mask pixels with a background pixel within
 * Chebyshev distance `thickness`. Inner, so the outline never covers a neighbour's pixels; the
 * image frame counts as foreground, since where the photo cuts an object is not its outline.
 */
export function contourPixels(
  mask: Uint8Array,
  width: number,
  height: number,
  bounds: Rect,
  thickness: number,
): number[] {
  const eroded = erodeSquare(mask, width, height, bounds, thickness);
  const points: number[] = [];
  for (let y = 0; y < bounds.height; y++) {
    const row = (bounds.y + y) * width + bounds.x;
    for (let x = 0; x < bounds.width; x++) {
      if (mask[row + x] && !eroded[y * bounds.width + x]) points.push(row + x);
    }
  }
  return points;
}

/**
 * Erosion by a (2r+1)^2 square over `bounds`, as two sliding-window passes that count zeros.
 * Reads the mask r px around `bounds`; outside the image reads as 1.
 */
function erodeSquare(mask: Uint8Array, width: number, height: number, bounds: Rect, r: number): Uint8Array {
  const pw = bounds.width + 2 * r;
  const ph = bounds.height + 2 * r;
  const padded = new Uint8Array(pw * ph).fill(1);
  const x0 = Math.max(0, bounds.x - r);
  const x1 = Math.min(width, bounds.x + bounds.width + r);
  for (let y = 0; y < ph; y++) {
    const gy = bounds.y - r + y;
    if (gy < 0 || gy >= height) continue;
    padded.set(mask.subarray(gy * width + x0, gy * width + x1), y * pw + (x0 - (bounds.x - r)));
  }
  const rows = new Uint8Array(bounds.width * ph);
  for (let y = 0; y < ph; y++) slideMin(padded, y * pw, 1, rows, y * bounds.width, 1, bounds.width, r);
  const out = new Uint8Array(bounds.width * bounds.height);
  for (let x = 0; x < bounds.width; x++)
    slideMin(rows, x, bounds.width, out, x, bounds.width, bounds.height, r);
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
  for (let k = 0; k < 2 * r; k++) zeros += src[srcStart + k * srcStep] ? 0 : 1;
  for (let i = 0; i < count; i++) {
    zeros += src[srcStart + (i + 2 * r) * srcStep] ? 0 : 1;
    out[outStart + i * outStep] = zeros === 0 ? 1 : 0;
    zeros -= src[srcStart + i * srcStep] ? 0 : 1;
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
