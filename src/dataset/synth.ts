/**
 * The built-in synthetic instance-segmentation dataset: seeded shapes on cluttered
 * backgrounds, written as PNGs plus one COCO instances file with compressed RLE masks.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { area, compress, encode, toBbox } from '../coco/coco-rle.ts';
import { type Difficulty, SYNTH_VERSION } from './difficulty.ts';
import { renderSynthImage, resolveRenderOptions, type SynthImage } from './render.ts';
import { familyCategories, type ShapeFamily, type SynthCategory } from './shapes.ts';
import {
  assignSplits,
  DEFAULT_SPLITS,
  SPLIT_NAMES,
  type SplitName,
  type Splits,
  validateSplits,
} from './splits.ts';

export { DIFFICULTIES, DIFFICULTY_PARAMS, type Difficulty, SYNTH_VERSION } from './difficulty.ts';
export {
  DEFAULT_SIZE,
  MAX_SIZE,
  MIN_SIZE,
  type RenderOptions,
  renderSynthImage,
  type SynthImage,
  type SynthInstance,
} from './render.ts';
export {
  CATEGORIES,
  familyCategories,
  PRETRAIN_SHAPE_NAMES,
  SHAPE_FAMILIES,
  type ShapeFamily,
  type SynthCategory,
} from './shapes.ts';
export { DEFAULT_SPLITS, parseSplits, type SplitName, type Splits } from './splits.ts';

export interface SynthDatasetOptions {
  outDir: string;
  images: number;
  seed: number;
  difficulty?: Difficulty;
  size?: number;
  /** `pretrain`: the base model's corpus, whose classes are disjoint from the dataset's (shapes.ts). */
  family?: ShapeFamily;
  /** Weights per split, normalised; the counts are exact (largest remainder). */
  splits?: Splits;
  onProgress?: (done: number, total: number) => void;
}

export interface SynthDatasetResult {
  annotationsPath: string;
  imagesDir: string;
  categories: SynthCategory[];
  counts: { images: number; instances: number; bySplit: Record<string, number> };
}

export interface CocoSynthImage {
  id: number;
  /** Relative to the images directory, as in COCO. */
  file_name: string;
  width: number;
  height: number;
  split: SplitName;
}

export interface CocoSynthAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  segmentation: { size: [number, number]; counts: string };
  area: number;
  bbox: [number, number, number, number];
  iscrowd: 0;
}

export const MAX_IMAGES = 1_000_000;
/** PNG encodes in flight at once; sharp runs them on libuv's pool while we render the next image. */
const ENCODE_WINDOW = 8;

export const imageFileName = (index: number): string => `${String(index).padStart(6, '0')}.png`;

export async function encodePng(img: SynthImage): Promise<Buffer> {
  const sharp = (await import('sharp')).default; // loaded on first use (docs/architecture.md)
  return sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

function toAnnotations(img: SynthImage, imageId: number, firstId: number): CocoSynthAnnotation[] {
  return img.instances.map((inst, k) => {
    const rle = encode(inst.mask, img.height, img.width);
    return {
      id: firstId + k,
      image_id: imageId,
      category_id: inst.categoryId,
      segmentation: compress(rle),
      area: area(rle),
      bbox: toBbox(rle),
      iscrowd: 0,
    };
  });
}

function validate(opts: SynthDatasetOptions): void {
  if (!Number.isInteger(opts.images) || opts.images < 1 || opts.images > MAX_IMAGES) {
    throw new RangeError(`images must be an integer in [1, ${MAX_IMAGES}], got ${opts.images}`);
  }
  if (!Number.isSafeInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
}

/** Writes via a temporary name so a crash never leaves a half-written annotations file. */
async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, `${JSON.stringify(value)}\n`);
  await fs.rename(tmp, file);
}

export async function generateSynthDataset(opts: SynthDatasetOptions): Promise<SynthDatasetResult> {
  validate(opts);
  const { difficulty, size, family } = resolveRenderOptions(opts);
  const splitWeights = validateSplits(opts.splits ?? DEFAULT_SPLITS);
  const splits = assignSplits(opts.images, opts.seed, splitWeights);
  const imagesDir = path.resolve(opts.outDir, 'images');
  await fs.mkdir(imagesDir, { recursive: true });

  const images: CocoSynthImage[] = [];
  const annotations: CocoSynthAnnotation[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let done = 0;
  for (let index = 0; index < opts.images && !failure; index++) {
    const img = renderSynthImage(opts.seed, index, { difficulty, size, family });
    const file_name = imageFileName(index);
    images.push({ id: index + 1, file_name, width: img.width, height: img.height, split: splits[index] });
    annotations.push(...toAnnotations(img, index + 1, annotations.length + 1));
    const write: Promise<void> = encodePng(img)
      .then((png) => fs.writeFile(path.join(imagesDir, file_name), png))
      .then(() => opts.onProgress?.(++done, opts.images))
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
    if (inFlight.size >= ENCODE_WINDOW) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;

  const annotationsPath = path.resolve(opts.outDir, 'annotations.json');
  const info = {
    description: 'vlm-loop synthetic shapes (instance segmentation)',
    version: SYNTH_VERSION,
    generator: 'vlm-loop dataset synth',
    seed: opts.seed,
    difficulty,
    size,
    splits: splitWeights,
    // Only named when not the default, so the built-in dataset's file stays byte for byte what it was.
    ...(family !== 'builtin' && { family }),
  };
  const categories = familyCategories(family).map((c) => ({ ...c, supercategory: 'shape' }));
  await writeJsonAtomic(annotationsPath, { info, licenses: [], images, annotations, categories });

  const bySplit = Object.fromEntries(SPLIT_NAMES.map((s) => [s, splits.filter((x) => x === s).length]));
  return {
    annotationsPath,
    imagesDir,
    categories: familyCategories(family),
    counts: { images: images.length, instances: annotations.length, bySplit },
  };
}
