/**
 * CLI start-up, compiled (dist/, `npm run build`) against the same commands through tsx (VLM_LOOP_TSX=1),
 * and `node -e 0` as the floor, all in the same run:
 * - `vlm-loop --help`;
 * - `vlm-loop eval` on a small file (a cocoeval fixture: one image's segmentations);
 * - `vlm-loop serve --no-worker` until it prints "listening on", on an initialised data folder (embedded
 *   PostgreSQL already created by an earlier start).
 * Wall time and process CPU time (user + system, from /usr/bin/time), median of REPEATS.
 * Run: npm run build && node --import tsx bench/cli.bench.ts
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fmt, ROOT, writeResults } from './lib.ts';

const REPEATS = 5;
const SERVE_REPEATS = 3;
const BIN = path.join(ROOT, 'bin/vlm-loop.mjs');

interface Timing {
  wallS: number;
  cpuS: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One run of a command to completion, timed by /usr/bin/time. */
function timed(args: string[], env: Record<string, string> = {}): Timing {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', process.execPath, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wallS: wall, cpuS: user + sys };
}

function medianOf(args: string[], env: Record<string, string> = {}): Timing {
  const runs = Array.from({ length: REPEATS }, () => timed(args, env));
  return { wallS: median(runs.map((r) => r.wallS)), cpuS: median(runs.map((r) => r.cpuS)) };
}

/** Seconds from spawning `serve` until it listens; then stops it. */
async function serveReady(dataDir: string, env: Record<string, string> = {}): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve', '--no-worker', '--port', '0', '--data-dir', dataDir], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seconds = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) resolve((performance.now() - start) / 1000);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return seconds;
}

async function main() {
  const loadAtStart = os.loadavg();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-bench-cli-'));
  await fs.chmod(work, 0o755); // run as root, embedded PostgreSQL drops to another user
  try {
    const fixture = JSON.parse(
      await fs.readFile(path.join(ROOT, 'test/fixtures/cocoeval/segm-crowded-image.json'), 'utf8'),
    );
    const gt = path.join(work, 'gt.json');
    const dt = path.join(work, 'dt.json');
    await fs.writeFile(gt, JSON.stringify(fixture.gt));
    await fs.writeFile(dt, JSON.stringify(fixture.dt));
    const tsx = { VLM_LOOP_TSX: '1' };
    const evalArgs = [BIN, 'eval', '--gt', gt, '--dt', dt, '--iou-type', 'segm'];

    const floor = medianOf(['-e', '0']);
    const help = medianOf([BIN, '--help']);
    const helpTsx = medianOf([BIN, '--help'], tsx);
    const evalRun = medianOf(evalArgs);
    const evalTsx = medianOf(evalArgs, tsx);
    const dataDir = path.join(work, 'data');
    await serveReady(dataDir); // initialises the data folder (initdb, migrations, admin key)
    const serve = median(await seq(SERVE_REPEATS, () => serveReady(dataDir)));
    const serveTsx = median(await seq(SERVE_REPEATS, () => serveReady(dataDir, tsx)));
    const loadAtEnd = os.loadavg();

    const figures = {
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      repeats: REPEATS,
      nodeFloor: floor,
      help: { compiled: help, tsx: helpTsx },
      eval: { compiled: evalRun, tsx: evalTsx },
      serveReadyS: { compiled: serve, tsx: serveTsx },
    };
    const t = (x: Timing) => `${fmt(x.wallS, 2)} s | ${fmt(x.cpuS, 2)} s`;
    const table = [
      `Median of ${REPEATS} runs (serve: ${SERVE_REPEATS}); CPU is the process's user + system time.`,
      '',
      '| command | compiled: wall | compiled: CPU | tsx: wall | tsx: CPU | goal |',
      '|---|---|---|---|---|---|',
      `| \`node -e 0\` (the floor) | ${t(floor)} | | | |`,
      `| \`vlm-loop --help\` | ${t(help)} | ${t(helpTsx)} | 0.3 s |`,
      `| \`vlm-loop eval\` on a small file | ${t(evalRun)} | ${t(evalTsx)} | 0.5 s of process time |`,
      `| \`vlm-loop serve\` until listening, initialised data folder | ${fmt(serve, 2)} s | | ${fmt(serveTsx, 2)} s | | 2 s |`,
      '',
      `Load average (1/5/15 min) at start ${loadAtStart.map((l) => fmt(l, 2)).join(' / ')}, at end ${loadAtEnd
        .map((l) => fmt(l, 2))
        .join(
          ' / ',
        )} on ${os.cpus().length} CPUs (a machine shared with other agents: wall times include waiting for a CPU).`,
    ].join('\n');
    await writeResults('cli', 'npm run build && node --import tsx bench/cli.bench.ts', figures, table);
    process.stdout.write(`${table}\n`);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

async function seq<T>(n: number, f: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await f());
  return out;
}

await main();
