/**
 * Inference throughput of the trainer's exported Mask R-CNN (not a test): onnxruntime-node, as passes run
 * it, against PyTorch eager on the same weights (the checkpoint saved next to the ONNX) and the same
 * images, both with 2 intra-op threads, one after the other on the same machine.
 *
 *   node --import tsx bench/inference.bench.ts [--preset small] [--iterations 60] [--rounds 3]
 *
 * Writes bench/results/inference.json and bench/results/inference.md; exits 1 under the 1.5x floor.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { MaskRcnnModel, type ModelMetadata } from '../src/inference/mask-rcnn.ts';
import { fmt, ROOT, writeResults } from './lib.ts';

const FLOOR = 1.5;
const THREADS = 2;
const PYTHON = path.join(ROOT, 'trainer/.venv/bin/python');
const SCRIPT = path.join(ROOT, 'bench/inference_torch.py');

const { values: args } = parseArgs({
  options: {
    preset: { type: 'string', default: 'small' },
    iterations: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '4' },
    images: { type: 'string', default: '16' },
    work: { type: 'string', default: path.join(os.tmpdir(), 'vlm-loop-inference-bench') },
  },
});
const COMMAND = `node --import tsx bench/inference.bench.ts --preset ${args.preset} --iterations ${args.iterations} --rounds ${args.rounds} --images ${args.images}`;

interface Prepared {
  onnx: string;
  metadata: string;
  bestCheckpoint: string;
  images: string[];
}

interface Side {
  imagesPerSecond: number;
  rounds: number[];
  meanDetections: number;
}

function python(argv: string[]): string {
  const r = spawnSync(PYTHON, [SCRIPT, ...argv], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${SCRIPT} ${argv[0]} failed: ${r.stderr.slice(-3000)}`);
  return r.stdout.trim().split('\n').at(-1) as string;
}

/** Trains once per work folder, preset and model code; later runs reuse the model. */
function prepare(): Prepared {
  // a preset whose architecture changed must not be timed with a model of the old one
  const models = fs.readFileSync(path.join(ROOT, 'trainer/src/vlm_loop_trainer/models.py'));
  const code = createHash('sha256').update(models).digest('hex').slice(0, 8);
  const work = path.join(args.work, `${args.preset}-${args.iterations}-${code}`);
  const marker = path.join(work, 'prepared.json');
  if (fs.existsSync(marker)) return JSON.parse(fs.readFileSync(marker, 'utf8'));
  fs.mkdirSync(work, { recursive: true });
  process.stdout.write(`training ${args.preset} for ${args.iterations} iterations in ${work} ...\n`);
  const prepared = JSON.parse(
    python([
      'prepare',
      '--work',
      work,
      '--preset',
      args.preset,
      '--iterations',
      args.iterations,
      '--threads',
      '2',
    ]),
  ) as Prepared;
  fs.writeFileSync(marker, JSON.stringify(prepared));
  return prepared;
}

/** Larger copies of the images, like photos: the model resizes inside, masks are pasted at full size. */
async function upscaled(images: string[], dir: string, width: number, height: number): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  return Promise.all(
    images.map(async (file) => {
      const out = path.join(dir, path.basename(file));
      if (!fs.existsSync(out)) await sharp(file).resize(width, height, { fit: 'fill' }).png().toFile(out);
      return out;
    }),
  );
}

/** Per round: every image once after a short warm-up; images per second. */
async function round(
  count: number,
  once: (i: number) => Promise<number>,
): Promise<{ ips: number; detections: number }> {
  let detections = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) detections += await once(i);
  return { ips: count / ((performance.now() - start) / 1000), detections: detections / count };
}

interface Timer {
  round(): Promise<{ ips: number; detections: number }>;
  close(): Promise<void>;
}

/** onnxruntime-node's session run alone: like for like with eager (the graph includes pre- and post-processing). */
async function onnxRunTimer(prepared: Prepared, images: string[]): Promise<Timer> {
  const session = await ort.InferenceSession.create(prepared.onnx, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: THREADS,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const tensors = await Promise.all(images.map((f) => MaskRcnnModel.imageTensor(fs.readFileSync(f))));
  const once = async (i: number) =>
    (await session.run({ [session.inputNames[0]]: tensors[i].tensor }))[session.outputNames[2]].dims[0];
  for (let i = 0; i < Math.min(3, images.length); i++) await once(i);
  return { round: () => round(tensors.length, once), close: () => session.release() };
}

/** The whole predict a pass does: decode, run, threshold every mask and encode it as COCO RLE. */
async function onnxPredictTimer(prepared: Prepared, images: string[]): Promise<Timer> {
  const metadata = JSON.parse(fs.readFileSync(prepared.metadata, 'utf8')) as ModelMetadata;
  const model = await MaskRcnnModel.load(prepared.onnx, metadata, { threads: THREADS });
  const bytes = images.map((f) => fs.readFileSync(f));
  const once = async (i: number) => (await model.predict(bytes[i], { minScore: 0 })).length;
  for (let i = 0; i < Math.min(3, images.length); i++) await once(i);
  return { round: () => round(bytes.length, once), close: () => model.release() };
}

/** One eager round in a fresh Python process (model load and warm-up are not timed). */
function eagerRound(
  prepared: Prepared,
  images: string[],
): { ips: number; detections: number; torch: string } {
  const out = JSON.parse(
    python([
      'time',
      '--checkpoint',
      prepared.bestCheckpoint,
      '--threads',
      String(THREADS),
      '--rounds',
      '1',
      ...images,
    ]),
  ) as { imagesPerSecond: number; meanDetections: number; torch: string };
  return { ips: out.imagesPerSecond, detections: out.meanDetections, torch: out.torch };
}

/**
 * Rounds interleaved (onnxruntime run, onnxruntime predict, eager, again), so that load from other
 * processes on a shared machine falls on all three alike; medians over the rounds.
 */
async function timeSet(prepared: Prepared, images: string[], rounds: number) {
  const run = await onnxRunTimer(prepared, images);
  const predict = await onnxPredictTimer(prepared, images);
  const samples = { run: [] as number[], predict: [] as number[], eager: [] as number[] };
  let detections = 0;
  let torch = '';
  for (let r = 0; r < rounds; r++) {
    samples.run.push((await run.round()).ips);
    samples.predict.push((await predict.round()).ips);
    const eager = eagerRound(prepared, images);
    samples.eager.push(eager.ips);
    detections = eager.detections;
    torch = eager.torch;
  }
  await run.close();
  await predict.close();
  const side = (xs: number[]): Side => ({
    imagesPerSecond: median(xs),
    rounds: xs,
    meanDetections: detections,
  });
  return { run: side(samples.run), predict: side(samples.predict), eager: { ...side(samples.eager), torch } };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const prepared = prepare();
  const rounds = Number(args.rounds);
  const images = prepared.images.slice(0, Number(args.images));
  const photoDir = path.join(path.dirname(prepared.onnx), 'bench-640');
  const sets = [
    { name: '160x160 (native)', images },
    { name: '640x480 (photo-sized)', images: await upscaled(images, photoDir, 640, 480) },
  ];
  const cases = [];
  for (const set of sets) {
    process.stdout.write(`${set.name}: ${rounds} interleaved rounds ...\n`);
    const { run, predict, eager } = await timeSet(prepared, set.images, rounds);
    cases.push({
      name: set.name,
      images: set.images.length,
      onnxRun: run,
      onnxPredict: predict,
      eager,
      speedup: run.imagesPerSecond / eager.imagesPerSecond,
      speedupWholePredict: predict.imagesPerSecond / eager.imagesPerSecond,
    });
  }
  // The floor is like for like at the size the model was trained and exported for; photo-sized images
  // add full-resolution mask pasting (a Loop in the exported graph), reported beside it.
  const passed = cases[0].speedup >= FLOOR;
  const rows = cases.map(
    (c) =>
      `| ${c.name} | ${c.images} | ${fmt(c.onnxRun.imagesPerSecond, 2)} | ${fmt(c.onnxPredict.imagesPerSecond, 2)} | ` +
      `${fmt(c.eager.imagesPerSecond, 2)} | **${fmt(c.speedup, 2)}x** | ${fmt(c.speedupWholePredict, 2)}x | ${fmt(c.eager.meanDetections, 1)} |`,
  );
  const table = [
    `Model: trainer preset \`${args.preset}\` (${args.iterations} iterations on synthetic shapes), exported to ONNX by the trainer;`,
    `PyTorch eager loads \`checkpoints/best.pt\` saved next to it. Both: ${THREADS} intra-op threads, batch 1, the same ${images.length} images,`,
    `median of ${rounds} interleaved rounds after warm-up (onnxruntime run, onnxruntime predict, eager, repeat: load from other processes falls on all alike).`,
    'onnxruntime-node: graph optimisation level `all`, sequential execution. "predict" adds what a pass does around the run:',
    'decoding the image into a tensor, thresholding masks and encoding them as COCO RLE.',
    '',
    '| images | n | onnxruntime run (img/s) | onnxruntime predict (img/s) | PyTorch eager (img/s) | speedup (run) | speedup (predict) | detections/img |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Floor: onnxruntime run >= ${FLOOR}x PyTorch eager on the native-size images: **${passed ? 'met' : 'NOT met'}**.`,
    `Load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ', ',
      )} on ${os.cpus().length} CPUs. Torch ${cases[0].eager.torch}, onnxruntime-node ${ort.env.versions.common}.`,
  ].join('\n');
  await writeResults(
    'inference',
    COMMAND,
    {
      preset: args.preset,
      iterations: Number(args.iterations),
      threads: THREADS,
      floor: FLOOR,
      passed,
      cases,
    },
    table,
  );
  process.stdout.write(`${table}\n`);
  process.exit(passed ? 0 : 1);
}

await main();
