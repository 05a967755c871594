/**
 * COCOeval benchmark: our evaluator against pycocotools, end to end (read + parse JSON, load,
 * evaluate, accumulate, summarize), on a generated 5,000-image, 50,000-detection segm case.
 * Checks that the 12 stats agree to 1e-9 and that ours is at least 3x faster, then writes
 * bench/results/eval.json and bench/results/eval.md.
 *
 *   node --import tsx bench/eval.bench.ts [--images N] [--detections N] [--categories N]
 *                                         [--seed N] [--runs N] [--out DIR]
 *
 * Python: $VLM_LOOP_PYTHON, else trainer/.venv/bin/python when present, else python3.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { evaluate, formatSummary, loadCocoGt, loadCocoResults } from '../src/eval/coco-eval.ts';
import { makeSyntheticCase } from './eval-synthetic.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const TOLERANCE = 1e-9;
const FLOOR = 3;

const PY_EVAL = `
import contextlib, json, sys, time
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
gt_path, dt_path = sys.argv[1], sys.argv[2]
with contextlib.redirect_stdout(sys.stderr):
    t0 = time.perf_counter()
    c0 = time.process_time()
    gt = COCO(gt_path)
    dt = gt.loadRes(dt_path)
    E = COCOeval(gt, dt, 'segm')
    E.evaluate()
    E.accumulate()
    E.summarize()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
print(json.dumps({'seconds': seconds, 'cpuSeconds': cpu, 'stats': [float(v) for v in E.stats]}))
`;

const PY_VERSIONS = `
import json, platform
from importlib.metadata import version
import numpy, pycocotools
print(json.dumps({'python': platform.python_version(), 'numpy': numpy.__version__, 'pycocotools': version('pycocotools')}))
`;

function pythonCommand(): string {
  if (process.env.VLM_LOOP_PYTHON) return process.env.VLM_LOOP_PYTHON;
  const venv = path.join(REPO, 'trainer/.venv/bin/python');
  return existsSync(venv) ? venv : 'python3';
}

function runPython(python: string, script: string, args: string[]): string {
  const r = spawnSync(python, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : r.stderr.trim().split('\n').slice(-3).join('\n');
    throw new Error(`${python} failed: ${why}`);
  }
  return r.stdout.trim().split('\n').at(-1)!;
}

function checkPython(python: string): Record<string, string> {
  try {
    return JSON.parse(runPython(python, PY_VERSIONS, []));
  } catch (e) {
    console.error(
      `eval bench: cannot import pycocotools with "${python}" (${(e as Error).message}).\n` +
        'Install it (python3 -m pip install pycocotools) or point VLM_LOOP_PYTHON at a Python that has it.',
    );
    process.exit(2);
  }
}

interface OurRun {
  seconds: number;
  cpuSeconds: number;
  phases: Record<string, number>;
  stats: number[];
}

function runOurs(gtPath: string, dtPath: string): OurRun {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const gtJson = JSON.parse(readFileSync(gtPath, 'utf8'));
  const dtJson = JSON.parse(readFileSync(dtPath, 'utf8'));
  const t1 = performance.now();
  const gt = loadCocoGt(gtJson);
  const dt = loadCocoResults(gt, dtJson, 'segm');
  const t2 = performance.now();
  const result = evaluate(gt, dt, { iouType: 'segm' });
  formatSummary(result);
  const t3 = performance.now();
  const cpu = process.cpuUsage(c0);
  const s = (ms: number): number => Math.round(ms) / 1000;
  return {
    seconds: (t3 - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    phases: { readAndParseJson: s(t1 - t0), load: s(t2 - t1), evaluateAndSummarize: s(t3 - t2) },
    stats: result.stats,
  };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '5000' },
      detections: { type: 'string', default: '50000' },
      categories: { type: 'string', default: '80' },
      seed: { type: 'string', default: '20240611' },
      runs: { type: 'string', default: '3' },
      out: { type: 'string', default: path.join(REPO, 'bench/results') },
    },
  });
  const opts = {
    images: Number(values.images),
    detections: Number(values.detections),
    categories: Number(values.categories),
    seed: Number(values.seed),
  };
  const python = pythonCommand();
  const versions = checkPython(python);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'vlm-loop-eval-bench-'));
  try {
    const synthetic = makeSyntheticCase(opts);
    const gtPath = path.join(dir, 'gt.json');
    const dtPath = path.join(dir, 'dt.json');
    writeFileSync(gtPath, JSON.stringify(synthetic.gt));
    writeFileSync(dtPath, JSON.stringify(synthetic.dt));
    console.log(
      `case: ${opts.images} images, ${synthetic.gt.annotations.length} gt, ${synthetic.dt.length} detections, ${opts.categories} categories (segm)`,
    );

    const cold = runOurs(gtPath, dtPath);
    console.log(
      `ours (cold):  ${cold.seconds.toFixed(3)} s (cpu ${cold.cpuSeconds.toFixed(3)} s)`,
      cold.phases,
    );
    const py = JSON.parse(runPython(python, PY_EVAL, [gtPath, dtPath])) as {
      seconds: number;
      cpuSeconds: number;
      stats: number[];
    };
    console.log(`pycocotools:  ${py.seconds.toFixed(3)} s (cpu ${py.cpuSeconds.toFixed(3)} s)`);
    const warm = Array.from({ length: Math.max(0, Number(values.runs) - 1) }, () => runOurs(gtPath, dtPath));
    const best = Math.min(cold.seconds, ...warm.map((r) => r.seconds));
    console.log(`ours (best of ${warm.length + 1}): ${best.toFixed(3)} s`);

    const diffs = py.stats.map((v, i) => Math.abs(v - cold.stats[i]));
    const maxDiff = Math.max(
      ...diffs,
      ...warm.flatMap((r) => r.stats.map((v, i) => Math.abs(v - py.stats[i]))),
    );
    const ratio = py.seconds / cold.seconds;
    console.log(
      `speed-up: ${ratio.toFixed(1)}x (cold), ${(py.seconds / best).toFixed(1)}x (best); max |Δstat| = ${maxDiff}`,
    );

    const command = `node --import tsx bench/eval.bench.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
    const report = {
      benchmark: 'coco-eval segm, end to end',
      command,
      date: new Date().toISOString(),
      machine: {
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cpus: os.cpus().length,
        node: process.version,
        loadavg: os.loadavg(),
      },
      python: { command: python, ...versions },
      case: {
        ...opts,
        groundTruth: synthetic.gt.annotations.length,
        gtBytes: readFileSync(gtPath).length,
        dtBytes: readFileSync(dtPath).length,
      },
      pycocotoolsSeconds: round3(py.seconds),
      oursColdSeconds: round3(cold.seconds),
      oursBestSeconds: round3(best),
      oursPhasesCold: cold.phases,
      speedupCold: round1(ratio),
      speedupBest: round1(py.seconds / best),
      cpuSeconds: { pycocotools: round3(py.cpuSeconds), oursCold: round3(cold.cpuSeconds) },
      speedupCpuCold: round1(py.cpuSeconds / cold.cpuSeconds),
      maxAbsStatDiff: maxDiff,
      stats: { ours: cold.stats, pycocotools: py.stats },
    };
    mkdirSync(values.out, { recursive: true });
    writeFileSync(path.join(values.out, 'eval.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(values.out, 'eval.md'), markdown(report));

    if (!(maxDiff <= TOLERANCE)) fail(`stats differ from pycocotools by ${maxDiff} (> ${TOLERANCE})`);
    if (ratio < FLOOR) fail(`only ${ratio.toFixed(2)}x faster than pycocotools (floor ${FLOOR}x)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
const round3 = (v: number): number => Math.round(v * 1000) / 1000;

function fail(message: string): never {
  console.error(`eval bench FAILED: ${message}`);
  process.exit(1);
}

function markdown(r: {
  command: string;
  date: string;
  machine: { cpu: string; cpus: number; node: string; loadavg: number[] };
  python: Record<string, string>;
  case: Record<string, number>;
  pycocotoolsSeconds: number;
  oursColdSeconds: number;
  oursBestSeconds: number;
  speedupCold: number;
  speedupBest: number;
  cpuSeconds: { pycocotools: number; oursCold: number };
  speedupCpuCold: number;
  maxAbsStatDiff: number;
}): string {
  return `# COCOeval benchmark (segm, end to end)

Command (from the repository root):

\`\`\`
${r.command}
\`\`\`

Case: ${r.case.images} images, ${r.case.groundTruth} ground-truth instances, ${r.case.detections} detections,
${r.case.categories} categories; generated with seed ${r.case.seed} (bench/eval-synthetic.ts).
Both sides read the same JSON files and run load, evaluate, accumulate and summarize.

| | wall seconds | CPU seconds |
|---|---|---|
| pycocotools ${r.python.pycocotools} (Python ${r.python.python}, numpy ${r.python.numpy}) | ${r.pycocotoolsSeconds} | ${r.cpuSeconds.pycocotools} |
| vlm-loop, first run in the process | ${r.oursColdSeconds} | ${r.cpuSeconds.oursCold} |
| vlm-loop, best run | ${r.oursBestSeconds} | |

Speed-up: **${r.speedupCold}x** wall clock (first run; the floor is 3x), ${r.speedupBest}x (best run),
${r.speedupCpuCold}x in CPU time (first run). Largest difference between the 12 stats:
${r.maxAbsStatDiff} (tolerance 1e-9).

Machine: ${r.machine.cpu}, ${r.machine.cpus} CPUs, Node ${r.machine.node}, load average
${r.machine.loadavg.map((v) => v.toFixed(1)).join(' / ')} (shared machine), ${r.date}.
`;
}

main();
