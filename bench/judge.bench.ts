/**
 * VLM-judge throughput against the fake OpenAI-compatible server answering after 200 ms
 * (not a test). Run: node --import tsx bench/judge.bench.ts
 * Writes bench/results/judge.json and bench/results/judge.md.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import sharp from 'sharp';
import { compress, encode, toBbox } from '../src/coco/coco-rle.ts';
import { createLimiter } from '../src/domains/judging/limiter.ts';
import { loadPromptTemplate } from '../src/domains/judging/prompt.ts';
import type { Instance, JudgeInput } from '../src/domains/judging/types.ts';
import { VlmJudge } from '../src/domains/judging/vlm-judge.ts';
import { renderOverlay } from '../src/overlay/overlay.ts';
import { startFakeOpenAiServer } from '../test/helpers/fake-openai-server.ts';

const COMMAND = 'node --import tsx bench/judge.bench.ts';
const LATENCY_MS = 200;
const SIZE = 160;
/** Enough images for ~2.5 s of ideal wall time at each concurrency. */
const RUNS = [
  { concurrency: 1, images: 12 },
  { concurrency: 8, images: 96 },
  { concurrency: 32, images: 384 },
];

function instance(k: number): Instance {
  const mask = new Uint8Array(SIZE * SIZE);
  const x0 = 10 + 28 * k;
  for (let y = 20 + 5 * k; y < 60 + 10 * k; y++) for (let x = x0; x < x0 + 24; x++) mask[y * SIZE + x] = 1;
  const rle = encode(mask, SIZE, SIZE);
  return { categoryId: 1, categoryName: 'book', score: 0.9, bbox: toBbox(rle), segmentation: compress(rle) };
}

const image = await sharp({ create: { width: SIZE, height: SIZE, channels: 3, background: '#5a7896' } })
  .jpeg()
  .toBuffer();
const instances = Array.from({ length: 5 }, (_, k) => instance(k));
const input = (imageId: number): JudgeInput => ({ imageId, image, width: SIZE, height: SIZE, instances });

const server = await startFakeOpenAiServer({ latencyMs: LATENCY_MS });
const prompt = await loadPromptTemplate();
const rendered = await renderOverlay({ image, instances, scoreThreshold: 0 });
const makeJudge = (prerendered: boolean) =>
  new VlmJudge({
    baseURL: server.url,
    apiKey: 'bench',
    model: 'fake-vlm',
    categories: [{ id: 1, name: 'book' }],
    prompt,
    // Pre-rendered: isolates the client, limiter and retry loop from the CPU cost of drawing.
    ...(prerendered ? { overlayRenderer: async () => rendered } : {}),
  });

const MODES = [
  { mode: 'render each overlay', prerendered: false },
  { mode: 'overlay pre-rendered', prerendered: true },
];
const results = [];
for (const { mode, prerendered } of MODES) {
  const judge = makeJudge(prerendered);
  await Promise.all(Array.from({ length: 4 }, (_, i) => judge.judge(input(-i))));
  let base = 0;
  for (const { concurrency, images } of RUNS) {
    const run = await measure(judge, concurrency, images);
    base ||= run.imagesPerSecond;
    results.push({ mode, ...run, speedup: round(run.imagesPerSecond / base) });
  }
}
await server.close();

async function measure(judge: VlmJudge, concurrency: number, images: number) {
  const limit = createLimiter(concurrency);
  const t0 = performance.now();
  const verdicts = await Promise.all(
    Array.from({ length: images }, (_, i) => limit(() => judge.judge(input(i)))),
  );
  const seconds = (performance.now() - t0) / 1000;
  const latencies = verdicts.map((v) => v.latencyMs).sort((a, b) => a - b);
  return {
    concurrency,
    images,
    approved: verdicts.filter((v) => v.verdict === 'approve').length,
    seconds: round(seconds),
    imagesPerSecond: round(images / seconds),
    idealImagesPerSecond: round(concurrency / (LATENCY_MS / 1000)),
    p50LatencyMs: latencies[Math.floor(latencies.length / 2)],
    p95LatencyMs: latencies[Math.floor(latencies.length * 0.95)],
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

const rows = results;
const environment = {
  node: process.version,
  cpu: os.cpus()[0]?.model,
  cpus: os.cpus().length,
  loadAverage1m: round(os.loadavg()[0]),
  date: new Date().toISOString(),
};
const setup = {
  serverLatencyMs: LATENCY_MS,
  image: `${SIZE}x${SIZE} JPEG`,
  instancesPerImage: instances.length,
};
await writeFile(
  new URL('./results/judge.json', import.meta.url),
  `${JSON.stringify({ command: COMMAND, setup, environment, runs: rows }, null, 2)}\n`,
);
const md = [
  '# VLM-judge throughput benchmark',
  '',
  `Command: \`${COMMAND}\``,
  '',
  `Fake OpenAI-compatible server in the same process, every answer delayed ${LATENCY_MS} ms; each judgement renders`,
  `a ${SIZE}x${SIZE} overlay with ${instances.length} instances, sends it as a PNG data URL with structured output and logprobs,`,
  'parses and reconciles the answer. Concurrency through `createLimiter(n)`.',
  `Node ${environment.node}, ${environment.cpus} x ${environment.cpu}, load average ${environment.loadAverage1m} (shared machine), ${environment.date}.`,
  '',
  '| mode | concurrency | images | seconds | images/s | ideal images/s | speed-up vs 1 | p50 latency ms | p95 latency ms |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.mode} | ${r.concurrency} | ${r.images} | ${r.seconds} | ${r.imagesPerSecond} | ${r.idealImagesPerSecond} | ${r.speedup} | ${r.p50LatencyMs} | ${r.p95LatencyMs} |`,
  ),
  '',
].join('\n');
await writeFile(new URL('./results/judge.md', import.meta.url), md);
console.log(md);
