import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, decompress } from '../../src/coco/coco-rle.ts';
import { loadConfig } from '../../src/config.ts';
import { type Detection, MaskRcnnModel, type ModelMetadata } from '../../src/inference/mask-rcnn.ts';
import { ensureTrainerEnv } from '../helpers/training.ts';

/**
 * One trained model in both export forms: `full` (torchvision's, masks pasted inside the graph) and
 * `roi` (the trainer's, 28x28 masks pasted in TypeScript). Both must give the same detections.
 */
const config = loadConfig();
let dir: string;
let images: string[];
let full: MaskRcnnModel;
let roi: MaskRcnnModel;

function trainer(args: string[], input?: string): string {
  const r = spawnSync(config.trainer.python, ['-m', 'vlm_loop_trainer', ...args], {
    cwd: config.trainer.dir,
    // this checkout's trainer, also where the venv was installed from another one
    env: { ...process.env, PYTHONPATH: path.join(config.trainer.dir, 'src') },
    encoding: 'utf8',
    input,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0)
    throw new Error(`trainer ${args[0]} failed: ${r.stdout.slice(-2000)} ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** Trains the small preset briefly on synthetic shapes (exported in the full form), then exports roi too. */
async function trainBothForms(): Promise<void> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mask-forms-'));
  const coco = (name: string, n: number, seed: number, start: number) =>
    JSON.parse(
      trainer(
        [
          'make-synthetic',
          '--out',
          path.join(dir, 'data'),
          '--num-images',
          String(n),
          '--seed',
          String(seed),
        ].concat(['--name', name, '--start-index', String(start), '--size', '160']),
      ),
    ).coco as string;
  const train = coco('train', 24, 1, 0);
  const val = coco('val', 6, 2, 1000);
  const spec = {
    jobId: 'mask-forms',
    preset: 'small',
    weights: 'none',
    categories: ['circle', 'square', 'triangle', 'star', 'cross', 'hexagon'].map((name, i) => ({
      id: i + 1,
      name,
    })),
    data: { train: { coco: train }, val: { coco: val } },
    outputDir: path.join(dir, 'out'),
    hyper: { maxIterations: 40, evalEvery: 1000, earlyStopping: { patience: null } },
    seed: 0,
    device: { type: 'cpu', threads: 2 },
    checkpointEvery: 1000,
    progressEvery: 50,
    resume: 'never',
    export: { maskForm: 'full', checkImages: 2 },
  };
  fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
  trainer(['train', '--spec', path.join(dir, 'spec.json')]);
  const out = path.join(dir, 'out');
  trainer(['export', '--output-dir', out, '--form', 'roi', '--out', path.join(out, 'model-roi.onnx')]);
  const metadata = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8')) as ModelMetadata;
  expect(metadata.maskForm).toBe('full');
  full = await MaskRcnnModel.load(path.join(out, 'model.onnx'), metadata);
  roi = await MaskRcnnModel.load(path.join(out, 'model-roi.onnx'), { ...metadata, maskForm: 'roi' });
  const valDir = path.dirname(val);
  images = JSON.parse(fs.readFileSync(val, 'utf8')).images.map((i: { file_name: string }) =>
    path.join(valDir, i.file_name),
  );
}

interface Comparison {
  detections: number;
  maxBoxDiff: number;
  maxScoreDiff: number;
  maskPixels: number;
  maskPixelsDifferent: number;
}

function compare(a: Detection[], b: Detection[], into: Comparison): void {
  expect(b.map((d) => d.categoryId)).toEqual(a.map((d) => d.categoryId));
  a.forEach((da, i) => {
    const db = b[i];
    into.maxBoxDiff = Math.max(into.maxBoxDiff, ...da.bbox.map((v, k) => Math.abs(v - db.bbox[k])));
    into.maxScoreDiff = Math.max(into.maxScoreDiff, Math.abs(da.score - db.score));
    const ma = decode(decompress(da.segmentation));
    const mb = decode(decompress(db.segmentation));
    for (let p = 0; p < ma.length; p++) if (ma[p] !== mb[p]) into.maskPixelsDifferent++;
    into.maskPixels += ma.length;
    expect(db.area).toBe(mb.reduce((s, v) => s + v, 0));
  });
  into.detections += a.length;
}

describe('the roi and full export forms of one trained model', () => {
  beforeAll(async () => {
    await ensureTrainerEnv();
    await trainBothForms();
  }, 900_000);
  afterAll(async () => {
    await full?.release();
    await roi?.release();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  // native size, photo-sized (the model resizes inside; masks are pasted at full size) and a non-square upscale
  for (const [name, size] of [
    ['160x160 (native)', undefined],
    ['640x480', [640, 480]],
    ['333x201', [333, 201]],
  ] as const) {
    it(`gives identical detections at ${name}: boxes within 1e-4 px, masks within 0.1 % of pixels`, async () => {
      const stats: Comparison = {
        detections: 0,
        maxBoxDiff: 0,
        maxScoreDiff: 0,
        maskPixels: 0,
        maskPixelsDifferent: 0,
      };
      for (const file of images) {
        const bytes = size
          ? await sharp(file).resize(size[0], size[1], { fit: 'fill' }).png().toBuffer()
          : fs.readFileSync(file);
        const [a, b] = [
          await full.predict(bytes, { minScore: 0 }),
          await roi.predict(bytes, { minScore: 0 }),
        ];
        compare(a, b, stats);
      }
      process.stdout.write(`mask forms at ${name}: ${JSON.stringify(stats)}\n`);
      expect(stats.detections).toBeGreaterThan(images.length);
      expect(stats.maxBoxDiff).toBeLessThanOrEqual(1e-4);
      expect(stats.maxScoreDiff).toBeLessThanOrEqual(1e-5);
      expect(stats.maskPixelsDifferent / stats.maskPixels).toBeLessThanOrEqual(0.001);
    }, 300_000);
  }

  it('refuses an output that is not in the form the metadata names', async () => {
    const out = path.join(dir, 'out');
    const metadata = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8')) as ModelMetadata;
    const wrong = await MaskRcnnModel.load(path.join(out, 'model-roi.onnx'), {
      ...metadata,
      maskForm: 'full',
    });
    const bytes = await sharp(images[0]).resize(200, 150).png().toBuffer();
    await expect(wrong.predict(bytes, { minScore: 0 })).rejects.toThrow(
      /maskForm full but the model's masks are 28x28/,
    );
    await wrong.release();
  });
});
