import { area, decompress, toBbox } from '../coco/coco-rle.ts';
import { hasGlyph } from './bitmap-font.ts';
import type { Instance } from './instance.ts';
import { colourFor, inkFor } from './palette.ts';
import {
  type BoundedMask,
  blendMask,
  boundedMask,
  drawContour,
  drawLabel,
  labelSize,
  type Rect,
  type RgbImage,
} from './raster.ts';
import { type SelectedInstance, selectInstances } from './select-instances.ts';

export { type SelectedInstance, selectInstances } from './select-instances.ts';

export interface OverlayStyle {
  /** Opacity of the mask fill: the study's 40 %, a little more so thin masks still read. */
  alpha: number;
  /** Width in pixels of the outline drawn inside each mask's edge. */
  contourWidth: number;
  /** Integer size of label text; by default grows with the image so it survives API downscaling. */
  labelScale?: number;
}

export const DEFAULT_OVERLAY_STYLE: OverlayStyle = { alpha: 0.45, contourWidth: 2 };

export interface OverlayRequest {
  /** Encoded image bytes in any format sharp reads. */
  image: Buffer;
  instances: readonly Instance[];
  scoreThreshold: number;
  style?: Partial<OverlayStyle>;
}

export interface DrawnInstance {
  index: number;
  categoryName: string;
  score: number;
}

export interface Overlay {
  png: Buffer;
  /** Exactly the instances selectInstances picks, in the numbering drawn and prompted. */
  drawn: DrawnInstance[];
}

const LONGEST_LABEL = 32;

/** Set-of-Mark overlay: each selected mask filled, outlined and labelled "<index> <class>". */
export async function renderOverlay(request: OverlayRequest): Promise<Overlay> {
  const style = { ...DEFAULT_OVERLAY_STYLE, ...request.style };
  // sharp decodes on its own thread while the masks are read here
  const decoding = decodeRgb(request.image);
  decoding.catch(() => {});
  const selected = selectInstances(request.instances, request.scoreThreshold);
  const layers = selected.map(toLayer);
  const image = await decoding;
  for (const { index, instance } of selected) {
    const [h, w] = instance.segmentation.size;
    if (h !== image.height || w !== image.width) {
      throw new Error(
        `instance #${index}: mask is ${w}x${h} but the image is ${image.width}x${image.height}`,
      );
    }
  }
  paint(image, layers, style);
  return {
    png: await encodePng(image),
    drawn: selected.map(({ index, instance }) => ({
      index,
      categoryName: instance.categoryName,
      score: instance.score,
    })),
  };
}

interface Layer {
  index: number;
  label: string;
  /** Undefined for an empty mask: listed and labelled, nothing to fill. */
  mask: BoundedMask | undefined;
  /** Where a label should point when the mask is empty. */
  fallbackBox: Rect;
  area: number;
}

function toLayer({ index, instance }: SelectedInstance): Layer {
  const [h, w] = instance.segmentation.size;
  const rle = decompress(instance.segmentation);
  const [x, y, bw, bh] = toBbox(rle);
  const [fx, fy, fw, fh] = instance.bbox.map(Math.round);
  return {
    index,
    label: labelText(index, instance.categoryName),
    mask: bw > 0 && bh > 0 ? boundedMask(rle.counts, h, { x, y, width: bw, height: bh }, w * h) : undefined,
    fallbackBox: { x: fx, y: fy, width: fw, height: fh },
    area: area(rle),
  };
}

/**
 * Every mask is read only inside its own box: fills, then outlines, then labels, each touching the pixels
 * it changes and no others (the image is decoded once and encoded once).
 */
function paint(image: RgbImage, layers: Layer[], style: OverlayStyle): void {
  // Large masks first so small ones stay visible on top; outlines after every fill so none is dimmed.
  const byArea = [...layers].sort((a, b) => b.area - a.area || a.index - b.index);
  for (const layer of byArea) {
    if (layer.mask) blendMask(image, layer.mask, colourFor(layer.index), style.alpha);
  }
  for (const layer of byArea) {
    if (layer.mask) drawContour(image, layer.mask, style.contourWidth, colourFor(layer.index));
  }
  drawLabels(image, layers, style.labelScale ?? autoLabelScale(image));
}

/** 1 for thumbnails, 2 around 640x480, capped so labels never dominate a photo. */
function autoLabelScale(image: RgbImage): number {
  return Math.min(6, Math.max(1, Math.round(Math.min(image.width, image.height) / 320)));
}

function drawLabels(image: RgbImage, layers: Layer[], scale: number): void {
  const placed: Rect[] = [];
  for (const layer of layers) {
    const fill = colourFor(layer.index);
    const text = fitText(layer.label, image.width, scale);
    const size = labelSize(text, scale);
    const box = placeLabel(layer, size, image, placed);
    placed.push(box);
    drawLabel(image, box, text, { scale, fill, ink: inkFor(fill), border: [0, 0, 0] });
  }
}

function labelText(index: number, categoryName: string): string {
  const safe = [...categoryName].map((ch) => (hasGlyph(ch) ? ch : '?')).join('');
  return `${index} ${safe}`.slice(0, LONGEST_LABEL);
}

/** Drops trailing characters until the label fits the image's width. */
function fitText(text: string, width: number, scale: number): string {
  let fitted = text;
  while (fitted.length > 1 && labelSize(fitted, scale).width > width) fitted = fitted.slice(0, -1);
  return fitted;
}

/**
 * First candidate spot that overlaps no earlier label: just above the mask's topmost pixel,
 * just inside it, then below the mask; the least-overlapping one when all collide.
 */
function placeLabel(
  layer: Layer,
  size: { width: number; height: number },
  image: RgbImage,
  placed: Rect[],
): Rect {
  const b = layer.mask?.bounds ?? layer.fallbackBox;
  const anchor = layer.mask ? topmostPixel(layer.mask) : { x: b.x, y: b.y };
  const candidates = [
    { x: anchor.x, y: anchor.y - size.height },
    { x: anchor.x, y: anchor.y },
    { x: b.x, y: b.y + b.height },
    { x: b.x + b.width - size.width, y: b.y + b.height - size.height },
  ].map((p) => clampRect({ ...p, ...size }, image));
  let best = candidates[0];
  let bestOverlap = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const overlap = placed.reduce((sum, r) => sum + overlapArea(candidate, r), 0);
    if (overlap < bestOverlap) [best, bestOverlap] = [candidate, overlap];
    if (overlap === 0) break;
  }
  return best;
}

function topmostPixel({ bounds, data }: BoundedMask): { x: number; y: number } {
  for (let x = 0; x < bounds.width; x++) if (data[x]) return { x: bounds.x + x, y: bounds.y };
  return { x: bounds.x, y: bounds.y };
}

function clampRect(r: Rect, image: RgbImage): Rect {
  const x = Math.max(0, Math.min(r.x, image.width - r.width));
  const y = Math.max(0, Math.min(r.y, image.height - r.height));
  return { ...r, x, y };
}

function overlapArea(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * 8-bit sRGB without alpha (transparent areas flattened onto white), in display orientation (EXIF applied),
 * the frame every stored mask and image size uses.
 */
async function decodeRgb(bytes: Buffer): Promise<RgbImage> {
  const sharp = (await import('sharp')).default; // loaded on first use (docs/architecture.md)
  const { data, info } = await sharp(bytes)
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after decoding, got ${info.channels}`);
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/**
 * Fixed settings and no metadata, so the same input always gives the same bytes. zlib level 1 (zlib-ng's
 * quick deflate): the encode was half of a 640x480 render at level 6 and takes a third of that time at
 * level 1, for files some 20 % (textured photos) to 45 % (smooth images) larger. The pixels are the same
 * at every level.
 */
async function encodePng(image: RgbImage): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel: 1, adaptiveFiltering: false, palette: false })
    .toBuffer();
}
