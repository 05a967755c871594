import sharp from 'sharp';
import { compress, encode, toBbox } from '../../src/coco/coco-rle.ts';
import type { Instance } from '../../src/overlay/instance.ts';
import type { OverlayRequest } from '../../src/overlay/overlay.ts';

/**
 * Overlay requests whose rendering by the implementation before the one-pass compositor is committed in
 * test/fixtures/overlay/<name>.png (written by test/overlay/write-golden.ts): overlapping masks of many
 * shapes, holes, masks cut by the frame, an empty mask, one below the threshold, labels that collide,
 * names without glyphs and names too long for the image, and a non-default style.
 */
export interface GoldenCase {
  name: string;
  request: () => Promise<OverlayRequest>;
}

/** Deterministic pseudo-random numbers (a seeded LCG). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A smooth photo-like JPEG (gradients and waves): small as a PNG fixture, yet every pixel differs. */
async function background(width: number, height: number, format: 'jpeg' | 'png'): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = 128 + 60 * Math.sin(x / 40) * Math.cos(y / 30);
    }
  }
  const image = sharp(data, { raw: { width, height, channels: 3 } });
  return format === 'jpeg' ? image.jpeg({ quality: 90 }).toBuffer() : image.png().toBuffer();
}

/** A blob: an ellipse with a wobbly edge and, sometimes, a hole. */
function blobMask(width: number, height: number, next: () => number): Uint8Array {
  const [cx, cy] = [next() * width, next() * height];
  const [rx, ry] = [5 + next() * width * 0.25, 5 + next() * height * 0.25];
  const wobble = next() * 0.3;
  const hole = next() < 0.3 ? 0.35 : 0;
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const a = Math.atan2(y - cy, x - cx);
      const d = Math.hypot((x - cx) / rx, (y - cy) / ry) / (1 + wobble * Math.sin(5 * a));
      if (d <= 1 && d >= hole) mask[y * width + x] = 1;
    }
  }
  return mask;
}

function instance(
  mask: Uint8Array,
  width: number,
  height: number,
  categoryName: string,
  score: number,
): Instance {
  const rle = encode(mask, height, width);
  return { categoryId: 1, categoryName, score, bbox: toBbox(rle), segmentation: compress(rle) };
}

const NAMES = [
  'book',
  'bird',
  'stop sign',
  'zebra',
  'café crème',
  'a very long category name for a label',
  'cup',
];

function instances(width: number, height: number, count: number, seed: number): Instance[] {
  const next = rng(seed);
  const out = Array.from({ length: count }, (_, k) =>
    instance(blobMask(width, height, next), width, height, NAMES[k % NAMES.length], 0.5 + 0.5 * next()),
  );
  // an empty mask (listed and labelled, nothing filled), one below the threshold, one filling a corner
  out.push(instance(new Uint8Array(width * height), width, height, 'ghost', 0.9));
  out.push(instance(blobMask(width, height, next), width, height, 'hidden', 0.2));
  const corner = new Uint8Array(width * height);
  for (let y = 0; y < height / 3; y++) corner.fill(1, y * width, y * width + Math.floor(width / 4));
  out.push(instance(corner, width, height, 'corner', 0.95));
  return out;
}

export const GOLDEN_CASES: GoldenCase[] = [
  {
    name: 'photo-640x480',
    request: async () => ({
      image: await background(640, 480, 'jpeg'),
      instances: instances(640, 480, 12, 1),
      scoreThreshold: 0.5,
    }),
  },
  {
    name: 'thumb-160x160',
    request: async () => ({
      image: await background(160, 160, 'png'),
      instances: instances(160, 160, 6, 2),
      scoreThreshold: 0.5,
    }),
  },
  {
    name: 'styled-333x201',
    request: async () => ({
      image: await background(333, 201, 'png'),
      instances: instances(333, 201, 8, 3),
      scoreThreshold: 0.6,
      style: { alpha: 0.3, contourWidth: 3, labelScale: 1 },
    }),
  },
];
