/**
 * Overlay rendering throughput (not a test). Run: node --import tsx bench/overlay.bench.ts
 * Writes bench/results/overlay.json and bench/results/overlay.md.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import sharp from 'sharp';
import { compress, encode, toBbox } from '../src/coco/coco-rle.ts';
import type { Instance } from '../src/domains/judging/types.ts';
import { renderOverlay } from '../src/overlay/overlay.ts';

const COMMAND = 'node --import tsx bench/overlay.bench.ts';
const SECONDS_PER_CASE = 3;

interface CaseResult {
  name: string;
  width: number;
  height: number;
  instances: number;
  renders: number;
  rendersPerSecond: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
}

/** A deterministic photo-like JPEG (smooth gradients plus texture), as COCO images are JPEGs. */
async function syntheticJpeg(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = 128 + 100 * Math.sin(x / 7) * Math.cos(y / 5);
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

function ellipseInstance(width: number, height: number, k: number): Instance {
  const [cx, cy, rx, ry] = [0.2 + 0.15 * k, 0.3 + 0.1 * (k % 3), 0.08 + 0.03 * k, 0.1 + 0.02 * (k % 2)];
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (((x / width - cx) / rx) ** 2 + ((y / height - cy) / ry) ** 2 <= 1) mask[y * width + x] = 1;
    }
  }
  const rle = encode(mask, height, width);
  const names = ['book', 'bird', 'stop sign', 'zebra', 'book'];
  return {
    categoryId: k + 1,
    categoryName: names[k],
    score: 0.9,
    bbox: toBbox(rle),
    segmentation: compress(rle),
  };
}

async function runCase(name: string, width: number, height: number): Promise<CaseResult> {
  const image = await syntheticJpeg(width, height);
  const instances = Array.from({ length: 5 }, (_, k) => ellipseInstance(width, height, k));
  const render = () => renderOverlay({ image, instances, scoreThreshold: 0.5 });
  for (let i = 0; i < 20; i++) await render();
  const times: number[] = [];
  const deadline = performance.now() + SECONDS_PER_CASE * 1000;
  while (performance.now() < deadline) {
    const t0 = performance.now();
    await render();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const total = times.reduce((a, b) => a + b, 0);
  return {
    name,
    width,
    height,
    instances: instances.length,
    renders: times.length,
    rendersPerSecond: round((times.length / total) * 1000),
    meanMs: round(total / times.length),
    p50Ms: round(times[Math.floor(times.length * 0.5)]),
    p95Ms: round(times[Math.floor(times.length * 0.95)]),
  };
}

const round = (x: number): number => Math.round(x * 100) / 100;

const cases = [await runCase('160x160', 160, 160), await runCase('640x480', 640, 480)];
const environment = {
  node: process.version,
  sharp: sharp.versions.sharp,
  cpu: os.cpus()[0]?.model,
  cpus: os.cpus().length,
  loadAverage1m: round(os.loadavg()[0]),
  date: new Date().toISOString(),
};
const result = { command: COMMAND, sequential: true, secondsPerCase: SECONDS_PER_CASE, environment, cases };
await writeFile(new URL('./results/overlay.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
const rows = cases.map(
  (c) =>
    `| ${c.name} | ${c.instances} | ${c.renders} | ${c.rendersPerSecond} | ${c.meanMs} | ${c.p50Ms} | ${c.p95Ms} |`,
);
const md = [
  '# Overlay rendering benchmark',
  '',
  `Command: \`${COMMAND}\``,
  '',
  `One render at a time (decode JPEG, 5 RLE masks decoded, filled, outlined, labelled, PNG encoded), ${SECONDS_PER_CASE} s per case after 20 warm-up renders.`,
  `Node ${environment.node}, sharp ${environment.sharp}, ${environment.cpus} x ${environment.cpu}, load average ${environment.loadAverage1m} at the end (a shared machine: other jobs ran alongside), ${environment.date}.`,
  '',
  '| image | instances | renders | renders/s | mean ms | p50 ms | p95 ms |',
  '|---|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n');
await writeFile(new URL('./results/overlay.md', import.meta.url), md);
console.log(md);
