import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDatasetCommand } from '../../src/cli/commands/dataset.ts';
import { area, decode, decompress, toBbox } from '../../src/coco/coco-rle.ts';
import {
  CATEGORIES,
  type CocoSynthAnnotation,
  type CocoSynthImage,
  DIFFICULTIES,
  DIFFICULTY_PARAMS,
  generateSynthDataset,
  renderSynthImage,
  SYNTH_VERSION,
  type SynthImage,
} from '../../src/dataset/synth.ts';

const tmpRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-synth-'));
afterAll(() => fs.rm(tmpRoot, { recursive: true, force: true }));

const sum = (m: Uint8Array): number => m.reduce((a, b) => a + b, 0);
/** Byte comparison: vitest's deep equality is far too slow for 25k-element typed arrays. */
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** Every file under dir, relative path -> sha256. */
async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await fs.readdir(dir, { recursive: true })).sort()) {
    const file = path.join(dir, name);
    if ((await fs.stat(file)).isFile()) {
      out[name] = createHash('sha256')
        .update(await fs.readFile(file))
        .digest('hex');
    }
  }
  return out;
}

interface CocoFile {
  info: Record<string, unknown>;
  images: CocoSynthImage[];
  annotations: CocoSynthAnnotation[];
  categories: { id: number; name: string; supercategory: string }[];
}

/** [x, y, w, h] of the set pixels, computed the slow obvious way. */
function tightBox(mask: Uint8Array, width: number): number[] {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
  mask.forEach((v, i) => {
    if (!v) return;
    const [x, y] = [i % width, Math.floor(i / width)];
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  });
  return [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

const readCoco = async (file: string): Promise<CocoFile> => JSON.parse(await fs.readFile(file, 'utf8'));

describe('renderSynthImage', () => {
  it('is deterministic for a seed and differs across seeds and indices', () => {
    const a = renderSynthImage(42, 3);
    const b = renderSynthImage(42, 3);
    expect(b.rgb.equals(a.rgb)).toBe(true);
    expect(sameBytes(b.labels, a.labels)).toBe(true);
    expect(b.instances.map((i) => [i.categoryId, i.unoccludedArea])).toEqual(
      a.instances.map((i) => [i.categoryId, i.unoccludedArea]),
    );
    expect(b.instances.every((inst, k) => sameBytes(inst.mask, a.instances[k].mask))).toBe(true);
    expect(renderSynthImage(43, 3).rgb.equals(a.rgb)).toBe(false);
    expect(renderSynthImage(42, 4).rgb.equals(a.rgb)).toBe(false);
    expect(renderSynthImage(42, 3, { difficulty: 'hard' }).rgb.equals(a.rgb)).toBe(false);
  });

  it('keeps large seeds apart', () => {
    const big = 2 ** 40;
    expect(renderSynthImage(big, 0).rgb.equals(renderSynthImage(big + 2 ** 32, 0).rgb)).toBe(false);
  });

  it('has the requested size and layout', () => {
    const img = renderSynthImage(1, 0, { size: 96 });
    expect([img.width, img.height]).toEqual([96, 96]);
    expect(img.rgb.length).toBe(96 * 96 * 3);
    expect(img.labels.length).toBe(96 * 96);
    for (const inst of img.instances) expect(inst.mask.length).toBe(96 * 96);
  });

  it('has frozen difficulty presets', () => {
    expect(Object.isFrozen(DIFFICULTY_PARAMS.medium)).toBe(true);
    expect(Object.isFrozen(DIFFICULTY_PARAMS.medium.scale)).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => renderSynthImage(1, 0, { size: 10 })).toThrow(RangeError);
    expect(() => renderSynthImage(1, 0, { size: 100.5 })).toThrow(RangeError);
    expect(() => renderSynthImage(1.5, 0)).toThrow(RangeError);
    expect(() => renderSynthImage(1, -1)).toThrow(RangeError);
    expect(() => renderSynthImage(1, 0, { difficulty: 'constructor' as any })).toThrow(RangeError);
    expect(() => renderSynthImage(1, 0, { difficulty: 'extreme' as any })).toThrow(RangeError);
  });
});

/**
 * Pins the pixels and labels of SYNTH_VERSION 1.0.0. A failure means the dataset changed:
 * that is only allowed as a new version (bump SYNTH_VERSION, then update these hashes).
 */
describe('frozen dataset fingerprint', () => {
  const expected = {
    easy: 'b0f571829f3a1fd3ea63ca7fc08458e90e8cb11ffdbdc98e7c0cc011dd82b69d',
    medium: 'ad2a11fd9c6f4f58570d9bdd67777114952c4e243ef331e24a514d0223d34770',
    hard: '28d0b4e7222e2e001ec3ce9d560b1a14dc3f5ecd51a586af093eece1da605f03',
  };
  it.each(DIFFICULTIES)('%s', (difficulty) => {
    expect(SYNTH_VERSION).toBe('1.0.0');
    const h = createHash('sha256');
    for (let i = 0; i < 8; i++) {
      const img = renderSynthImage(2024, i, { difficulty });
      h.update(img.rgb)
        .update(img.labels)
        .update(JSON.stringify(img.instances.map((x) => x.categoryId)));
    }
    expect(h.digest('hex')).toBe(expected[difficulty]);
  });
});

describe.each(DIFFICULTIES)('%s images', (difficulty) => {
  const p = DIFFICULTY_PARAMS[difficulty];
  let images: SynthImage[];
  beforeAll(() => {
    images = Array.from({ length: 150 }, (_, i) => renderSynthImage(7, i, { difficulty }));
  });

  it('masks are exactly the label-map pixels of each instance, and no pixel is in two', () => {
    for (const img of images) {
      const cover = new Uint8Array(img.labels.length);
      img.instances.forEach((inst, k) => {
        const expected = img.labels.map((l) => (l === k + 1 ? 1 : 0));
        expect(sameBytes(inst.mask, expected)).toBe(true);
        inst.mask.forEach((v, i) => {
          cover[i] += v;
        });
      });
      expect(Math.max(...cover)).toBeLessThanOrEqual(1);
      expect(Math.max(...img.labels)).toBe(img.instances.length);
    }
  });

  it('keeps 1-6 instances per image, each visible enough, with occlusion happening', () => {
    let occluded = 0;
    const perImage = images.map((img) => img.instances.length);
    expect(Math.min(...perImage)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...perImage)).toBeLessThanOrEqual(6);
    expect(new Set(perImage).size).toBeGreaterThanOrEqual(5);
    for (const img of images) {
      for (const inst of img.instances) {
        const visible = sum(inst.mask);
        expect(visible).toBeGreaterThanOrEqual(p.minVisibleArea);
        expect(visible).toBeLessThanOrEqual(inst.unoccludedArea);
        if (visible < inst.unoccludedArea) occluded++;
      }
    }
    expect(occluded).toBeGreaterThan(10);
  });

  it('uses every category and includes small objects', () => {
    const all = images.flatMap((img) => img.instances);
    expect(new Set(all.map((i) => i.categoryId))).toEqual(new Set(CATEGORIES.map((c) => c.id)));
    const small = all.filter((i) => sum(i.mask) < 32 * 32).length;
    expect(small / all.length).toBeGreaterThan(0.3);
  });
});

describe('generateSynthDataset', () => {
  const opts = { images: 24, seed: 11, difficulty: 'medium' as const };
  let outA: string;
  let coco: CocoFile;
  let progress: [number, number][];
  let result: Awaited<ReturnType<typeof generateSynthDataset>>;
  beforeAll(async () => {
    outA = path.join(tmpRoot, 'a');
    progress = [];
    result = await generateSynthDataset({
      ...opts,
      outDir: outA,
      onProgress: (d, t) => progress.push([d, t]),
    });
    coco = await readCoco(result.annotationsPath);
  });

  it('reports what it wrote', () => {
    expect(result.annotationsPath).toBe(path.resolve(outA, 'annotations.json'));
    expect(result.imagesDir).toBe(path.resolve(outA, 'images'));
    expect(result.categories).toEqual(CATEGORIES);
    expect(result.counts.images).toBe(24);
    expect(result.counts.instances).toBe(coco.annotations.length);
    expect(result.counts.bySplit).toEqual({ train: 17, val: 2, test: 5 });
    expect(progress.length).toBe(24);
    expect(progress.at(-1)).toEqual([24, 24]);
  });

  it('gives byte-identical files for the same seed and different ones for another', async () => {
    const outB = path.join(tmpRoot, 'b');
    const outC = path.join(tmpRoot, 'c');
    await generateSynthDataset({ ...opts, outDir: outB });
    await generateSynthDataset({ ...opts, seed: 12, outDir: outC });
    const [a, b, c] = await Promise.all([hashTree(outA), hashTree(outB), hashTree(outC)]);
    expect(Object.keys(a)).toHaveLength(25);
    expect(b).toEqual(a);
    expect(c['annotations.json']).not.toBe(a['annotations.json']);
    expect(c['images/000000.png']).not.toBe(a['images/000000.png']);
  });

  it('writes valid COCO instances with a split per image', () => {
    expect(coco.categories.map((c) => [c.id, c.name])).toEqual(CATEGORIES.map((c) => [c.id, c.name]));
    expect(coco.info).toMatchObject({ seed: 11, difficulty: 'medium', size: 160 });
    expect(coco.images.map((i) => i.id)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    for (const [i, img] of coco.images.entries()) {
      expect(img).toEqual({
        id: i + 1,
        file_name: `${String(i).padStart(6, '0')}.png`,
        width: 160,
        height: 160,
        split: img.split,
      });
    }
    const splits = coco.images.map((i) => i.split);
    expect(splits.filter((s) => s === 'val')).toHaveLength(2);
    expect(coco.annotations.map((a) => a.id)).toEqual(coco.annotations.map((_, i) => i + 1));
    const imageIds = new Set(coco.images.map((i) => i.id));
    const categoryIds = new Set(coco.categories.map((c) => c.id));
    for (const ann of coco.annotations) {
      expect(Object.keys(ann).sort()).toEqual(
        ['area', 'bbox', 'category_id', 'id', 'image_id', 'iscrowd', 'segmentation'].sort(),
      );
      expect(imageIds.has(ann.image_id)).toBe(true);
      expect(categoryIds.has(ann.category_id)).toBe(true);
      expect(ann.iscrowd).toBe(0);
      expect(ann.segmentation.size).toEqual([160, 160]);
      expect(typeof ann.segmentation.counts).toBe('string');
    }
  });

  it('stores masks that decode to the rendered instances, with consistent area and bbox', () => {
    for (const img of coco.images) {
      const rendered = renderSynthImage(11, img.id - 1, { difficulty: 'medium' });
      const anns = coco.annotations.filter((a) => a.image_id === img.id);
      expect(anns.map((a) => a.category_id)).toEqual(rendered.instances.map((i) => i.categoryId));
      anns.forEach((ann, k) => {
        const rle = decompress(ann.segmentation);
        const mask = decode(rle);
        expect(sameBytes(mask, rendered.instances[k].mask)).toBe(true);
        expect(ann.area).toBe(area(rle));
        expect(ann.area).toBe(sum(mask));
        expect(ann.bbox).toEqual(toBbox(rle));
        expect(ann.bbox).toEqual(tightBox(mask, 160));
      });
    }
  });

  it('writes PNGs of the stated size whose pixels are the rendered ones', async () => {
    for (const img of coco.images.slice(0, 6)) {
      const file = path.join(result.imagesDir, img.file_name);
      const meta = await sharp(file).metadata();
      expect(meta).toMatchObject({ format: 'png', width: img.width, height: img.height, channels: 3 });
      const { data } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      expect(data.equals(renderSynthImage(11, img.id - 1).rgb)).toBe(true);
    }
  });

  it('rejects bad options before writing anything', async () => {
    const outDir = path.join(tmpRoot, 'bad');
    await expect(generateSynthDataset({ outDir, images: 0, seed: 1 })).rejects.toThrow(RangeError);
    await expect(generateSynthDataset({ outDir, images: 2, seed: 1.5 })).rejects.toThrow(RangeError);
    await expect(
      generateSynthDataset({ outDir, images: 2, seed: 1, splits: { train: 0, val: 0, test: 0 } }),
    ).rejects.toThrow(RangeError);
    await expect(fs.stat(outDir)).rejects.toThrow();
  });
});

describe('dataset synth command', () => {
  /** Runs the command in-process; commander errors come back instead of exiting. */
  const run = async (args: string[]): Promise<{ out: string; err: string; code?: string }> => {
    const captured = { out: '', err: '' };
    const program = new Command('vlm-loop').exitOverride().configureOutput({
      writeOut: (s) => {
        captured.out += s;
      },
      writeErr: (s) => {
        captured.err += s;
      },
    });
    registerDatasetCommand(program);
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => {
      captured.out += s;
      return true;
    }) as typeof process.stdout.write;
    try {
      await program.parseAsync(['node', 'vlm-loop', ...args]);
      return captured;
    } catch (err) {
      return { ...captured, code: (err as { code?: string }).code ?? String(err) };
    } finally {
      process.stdout.write = write;
    }
  };

  it('documents its options in --help', async () => {
    const { out, code } = await run(['dataset', 'synth', '--help']);
    expect(code).toBe('commander.helpDisplayed');
    for (const flag of ['--out', '--images', '--seed', '--difficulty', '--size', '--splits']) {
      expect(out).toContain(flag);
    }
  });

  it('writes a dataset with the given options', async () => {
    const outDir = path.join(tmpRoot, 'cli');
    const args = ['--images', '5', '--seed', '3', '--difficulty', 'easy', '--size', '96'];
    const { out, code } = await run([
      'dataset',
      'synth',
      '--out',
      outDir,
      ...args,
      '--splits',
      'train=3,test=2',
      '--json',
    ]);
    expect(code).toBeUndefined();
    expect(JSON.parse(out).counts).toMatchObject({ images: 5, bySplit: { train: 3, val: 0, test: 2 } });
    const coco = await readCoco(path.join(outDir, 'annotations.json'));
    expect(coco.info).toMatchObject({ seed: 3, difficulty: 'easy', size: 96 });
    expect(coco.images.every((i) => i.width === 96 && i.height === 96)).toBe(true);
  });

  it('refuses invalid values', async () => {
    const outDir = path.join(tmpRoot, 'cli-bad');
    const bad = [
      ['--images', '0'],
      ['--images', 'ten'],
      ['--seed', '-1'],
      ['--size', '8'],
      ['--difficulty', 'extreme'],
      ['--splits', 'train=1,holdout=1'],
    ];
    for (const flags of bad) {
      const { code } = await run(['dataset', 'synth', '--out', outDir, ...flags]);
      expect(code, flags.join(' ')).toMatch(
        /^commander\.(invalidArgument|optionMissingArgument|unknownOption)/,
      );
    }
    expect((await run(['dataset', 'synth'])).code).toBe('commander.missingMandatoryOptionValue');
    await expect(fs.stat(outDir)).rejects.toThrow();
  });
});
