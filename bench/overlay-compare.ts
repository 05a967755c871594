/**
 * The overlay renderer against its earlier implementation in the same run (not a test): the earlier
 * src/overlay and src/coco are taken from git at BASELINE into a scratch folder and timed interleaved
 * with the current ones on the same requests, so that load from other processes falls on both alike.
 *
 *   node --import tsx bench/overlay-compare.ts [--rounds 20]
 *
 * Writes bench/results/overlay-compare.json and .md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { compress, encode, toBbox } from '../src/coco/coco-rle.ts';
import { type OverlayRequest, renderOverlay } from '../src/overlay/overlay.ts';
import { GOLDEN_CASES } from '../test/overlay/golden-cases.ts';
import { fmt, ROOT, writeResults } from './lib.ts';

/** The last commit with the per-instance renderer (full-image mask decodes, PNG level 6). */
const BASELINE = '64c80ee';
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const COMMAND = `node --import tsx bench/overlay-compare.ts --rounds ${args.rounds}`;
const PER_ROUND = 10;

type Render = (request: OverlayRequest) => Promise<{ png: Buffer }>;

/** src/overlay and what it imports as they were at BASELINE, under the ignored .vlm-loop folder (imports resolve). */
async function baseline(): Promise<Render> {
  const dir = path.join(ROOT, '.vlm-loop/bench/overlay-baseline', BASELINE);
  for (const folder of ['src/overlay', 'src/coco', 'src/errors']) {
    const files = execFileSync('git', ['ls-tree', '--name-only', `${BASELINE}:${folder}`], { cwd: ROOT })
      .toString()
      .trim()
      .split('\n');
    fs.mkdirSync(path.join(dir, folder), { recursive: true });
    for (const f of files) {
      const text = execFileSync('git', ['show', `${BASELINE}:${folder}/${f}`], { cwd: ROOT });
      fs.writeFileSync(path.join(dir, folder, f), text);
    }
  }
  return (await import(path.join(dir, 'src/overlay/overlay.ts'))).renderOverlay;
}

/** bench/overlay.bench.ts's 640x480 case: a textured JPEG and five ellipses. */
async function ellipses(): Promise<OverlayRequest> {
  const [width, height] = [640, 480];
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = 128 + 100 * Math.sin(x / 7) * Math.cos(y / 5);
    }
  }
  const image = await sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  const names = ['book', 'bird', 'stop sign', 'zebra', 'book'];
  const instances = names.map((categoryName, k) => {
    const [cx, cy, rx, ry] = [0.2 + 0.15 * k, 0.3 + 0.1 * (k % 3), 0.08 + 0.03 * k, 0.1 + 0.02 * (k % 2)];
    const mask = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (((x / width - cx) / rx) ** 2 + ((y / height - cy) / ry) ** 2 <= 1) mask[y * width + x] = 1;
      }
    }
    const rle = encode(mask, height, width);
    return { categoryId: k + 1, categoryName, score: 0.9, bbox: toBbox(rle), segmentation: compress(rle) };
  });
  return { image, instances, scoreThreshold: 0.5 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function compare(request: OverlayRequest, before: Render, rounds: number) {
  const sides: [string, Render][] = [
    ['before', before],
    ['now', renderOverlay],
  ];
  const rates: Record<string, number[]> = { before: [], now: [] };
  const bytes: Record<string, number> = {};
  for (const [name, render] of sides)
    for (let i = 0; i < 10; i++) bytes[name] = (await render(request)).png.length;
  for (let r = 0; r < rounds; r++) {
    for (const [name, render] of sides) {
      const start = performance.now();
      for (let i = 0; i < PER_ROUND; i++) await render(request);
      rates[name].push((PER_ROUND * 1000) / (performance.now() - start));
    }
  }
  return {
    before: median(rates.before),
    now: median(rates.now),
    speedup: median(rates.now) / median(rates.before),
    pngBytes: bytes,
  };
}

const before = await baseline();
const rounds = Number(args.rounds);
const load = [os.loadavg()];
const cases = [];
for (const [name, request] of [
  ['640x480, 5 ellipses (overlay.bench.ts)', await ellipses()],
  ['640x480, 15 blobs (golden photo case)', await GOLDEN_CASES[0].request()],
  ['160x160, 9 blobs (golden thumb case)', await GOLDEN_CASES[1].request()],
] as const) {
  cases.push({ name, ...(await compare(request, before, rounds)) });
  load.push(os.loadavg());
}
const loads = load.map((l) => l.map((v) => v.toFixed(1)).join(', ')).join(' / ');
const table = [
  `Renders per second (median of ${rounds} interleaved rounds of ${PER_ROUND} renders, one render at a time) of the`,
  `renderer at ${BASELINE} (before) and now, on the same requests; the pixels are identical (test/overlay/golden.test.ts).`,
  '',
  '| request | before (renders/s) | now (renders/s) | speedup | PNG bytes before / now |',
  '|---|---|---|---|---|',
  ...cases.map(
    (c) =>
      `| ${c.name} | ${fmt(c.before, 1)} | ${fmt(c.now, 1)} | **${fmt(c.speedup, 2)}x** | ${c.pngBytes.before} / ${c.pngBytes.now} |`,
  ),
  '',
  `Load average (1, 5, 15 min) at the start and after each case: ${loads} on ${os.cpus().length} CPUs (shared with other`,
  "agents' work: absolute rates move with the load; the interleaved ratio much less).",
].join('\n');
await writeResults(
  'overlay-compare',
  COMMAND,
  { baseline: BASELINE, rounds, loadAverage: load, cases },
  table,
);
process.stdout.write(`${table}\n`);
