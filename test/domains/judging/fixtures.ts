import sharp from 'sharp';
import { type CompressedRle, compress, encode, toBbox } from '../../../src/coco/coco-rle.ts';
import type { GroundTruthInstance, Instance } from '../../../src/domains/judging/types.ts';

/** A row-major mask with the half-open rectangle [x0, x1) x [y0, y1) set. */
export function rectMask(
  width: number,
  height: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * width + x] = 1;
  return mask;
}

export function rle(mask: Uint8Array, width: number, height: number): CompressedRle {
  return compress(encode(mask, height, width));
}

export interface RectSpec {
  rect: [number, number, number, number];
  categoryId?: number;
  categoryName?: string;
  score?: number;
}

export function rectInstance(width: number, height: number, spec: RectSpec): Instance {
  const encoded = encode(rectMask(width, height, ...spec.rect), height, width);
  return {
    categoryId: spec.categoryId ?? 1,
    categoryName: spec.categoryName ?? 'book',
    score: spec.score ?? 0.9,
    bbox: toBbox(encoded),
    segmentation: compress(encoded),
  };
}

export function rectTruth(
  width: number,
  height: number,
  rect: [number, number, number, number],
  categoryId = 1,
  iscrowd = false,
): GroundTruthInstance {
  return { categoryId, iscrowd, segmentation: rle(rectMask(width, height, ...rect), width, height) };
}

/** A PNG of one flat colour. */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();
}

export async function rawPixels(
  png: Buffer,
): Promise<{ width: number; height: number; data: Buffer; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data, channels: info.channels };
}

export function pixelAt(
  img: { width: number; data: Buffer; channels: number },
  x: number,
  y: number,
): number[] {
  const i = (y * img.width + x) * img.channels;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}
