/**
 * `vlm-loop pretrain`: the base model every `init: "base"` training starts from. It trains a preset on a
 * synthetic corpus whose shape classes are disjoint from the built-in dataset's (the analogue of COCO
 * pretraining for the study's four COCO classes), then `export-base` keeps what transfers (body, FPN, RPN,
 * box and mask heads, in fp16) and writes the provenance beside it. Reproducible from its command and seed.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config.ts';
import {
  DIFFICULTIES,
  type Difficulty,
  familyCategories,
  generateSynthDataset,
  SYNTH_VERSION,
} from '../../dataset/synth.ts';
import { startTrainer } from '../../domains/training/trainer-process.ts';
import {
  assertValidSpec,
  type DoneEvent,
  type ProgressEvent,
} from '../../domains/training/trainer-schemas.ts';

/** Sized for ~15-20 min on a shared 2-core CPU (the measured run: docs/runs.md "The starting point"). */
export const PRETRAIN_DEFAULTS = {
  preset: 'small',
  images: 1200,
  seed: 101,
  iterations: 1000,
  difficulty: 'easy' as Difficulty,
  size: 160,
  evalEvery: 250,
};

export interface PretrainOptions {
  preset: string;
  images: number;
  seed: number;
  iterations: number;
  difficulty: Difficulty;
  size: number;
  evalEvery: number;
  out: string;
  workDir: string;
  threads?: number;
}

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`${name} must be a positive integer, got "${v}"`);
  return n;
};

export function registerPretrainCommand(program: Command): void {
  const d = PRETRAIN_DEFAULTS;
  program
    .command('pretrain')
    .description(
      'Train the base model (init: "base") on a synthetic corpus of shapes disjoint from the built-in dataset\'s classes',
    )
    .option('--preset <name>', 'trainer preset', d.preset)
    .option('--images <n>', 'corpus images (90 % train, 10 % held out)', int('--images'), d.images)
    .option('--seed <n>', 'corpus and training seed', int('--seed'), d.seed)
    .option('--iterations <n>', 'training iterations', int('--iterations'), d.iterations)
    .option('--difficulty <d>', `corpus difficulty: ${DIFFICULTIES.join(' | ')}`, d.difficulty)
    .option(
      '--eval-every <n>',
      'evaluate on the held-out split every n iterations',
      int('--eval-every'),
      d.evalEvery,
    )
    .option('--out <dir>', 'where <preset>-base.pt and its provenance JSON go', 'trainer/base')
    .option('--work-dir <dir>', 'corpus and training output', '.vlm-loop/pretrain')
    .option('--threads <n>', 'torch threads (default: every core)', int('--threads'))
    .action(async (opts: Omit<PretrainOptions, 'size'>) => {
      if (!DIFFICULTIES.includes(opts.difficulty))
        throw new InvalidArgumentError(`--difficulty must be one of ${DIFFICULTIES.join(', ')}`);
      const result = await pretrain({ ...opts, size: d.size }, (line) => process.stderr.write(`${line}\n`));
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
}

/** The command line that reproduces a base model: every option spelled out. */
export function pretrainCommandLine(o: PretrainOptions): string {
  return [
    'vlm-loop pretrain',
    `--preset ${o.preset}`,
    `--images ${o.images}`,
    `--seed ${o.seed}`,
    `--iterations ${o.iterations}`,
    `--difficulty ${o.difficulty}`,
    `--eval-every ${o.evalEvery}`,
  ].join(' ');
}

export interface PretrainResult {
  weights: string;
  provenance: string;
  sha256: string;
  heldOut: Record<string, number>;
  trainingSeconds: number;
}

export async function pretrain(o: PretrainOptions, log: (line: string) => void): Promise<PretrainResult> {
  const config = loadConfig();
  // The code that trains is the code at the start; the tree may move while a long pretraining runs.
  const commit = gitCommit();
  const work = path.resolve(
    o.workDir,
    `${o.preset}-s${o.seed}-n${o.images}-i${o.iterations}-${o.difficulty}`,
  );
  const corpus = await writeCorpus(o, path.join(work, 'corpus'), log);
  const spec = buildSpec(o, corpus, work);
  assertValidSpec(spec);
  const specPath = path.join(work, 'spec.json');
  await fs.writeFile(specPath, `${JSON.stringify(spec, null, 2)}\n`);
  log(`pretrain: training ${o.preset} for ${o.iterations} iterations on ${corpus.counts.train} images`);
  const done = await train(config.trainer.python, specPath, log);
  const weights = path.resolve(o.out, `${o.preset}-base.pt`);
  const provenanceIn = path.join(work, 'provenance-in.json');
  await fs.writeFile(provenanceIn, JSON.stringify(provenance(o, corpus, done, commit)));
  await exportBase(
    config.trainer.python,
    done.paths.bestCheckpoint ?? done.paths.lastCheckpoint,
    o.preset,
    weights,
    provenanceIn,
  );
  const written = JSON.parse(await fs.readFile(weights.replace(/\.pt$/, '.json'), 'utf8'));
  return {
    weights,
    provenance: weights.replace(/\.pt$/, '.json'),
    sha256: written.sha256,
    heldOut: done.metrics as Record<string, number>,
    trainingSeconds: done.trainingSeconds,
  };
}

interface Corpus {
  dir: string;
  train: string;
  val: string;
  counts: Record<'train' | 'val' | 'instances', number>;
}

/** The corpus in TS (the same generator as the dataset), one COCO file per split for the trainer. */
async function writeCorpus(o: PretrainOptions, dir: string, log: (line: string) => void): Promise<Corpus> {
  await fs.rm(dir, { recursive: true, force: true });
  const r = await generateSynthDataset({
    outDir: dir,
    images: o.images,
    seed: o.seed,
    difficulty: o.difficulty,
    size: o.size,
    family: 'pretrain',
    splits: { train: 0.9, val: 0.1, test: 0 },
  });
  log(`pretrain: corpus of ${r.counts.images} images, ${r.counts.instances} instances in ${dir}`);
  const coco = JSON.parse(await fs.readFile(r.annotationsPath, 'utf8'));
  const split = async (name: 'train' | 'val') => {
    const images = coco.images.filter((i: { split: string }) => i.split === name);
    const ids = new Set(images.map((i: { id: number }) => i.id));
    const annotations = coco.annotations.filter((a: { image_id: number }) => ids.has(a.image_id));
    const file = path.join(dir, `${name}.json`);
    await fs.writeFile(file, JSON.stringify({ ...coco, images, annotations }));
    return { file, images: images.length };
  };
  const [train, val] = [await split('train'), await split('val')];
  return {
    dir,
    train: train.file,
    val: val.file,
    counts: { train: train.images, val: val.images, instances: r.counts.instances },
  };
}

function buildSpec(o: PretrainOptions, corpus: Corpus, work: string) {
  const images = path.join(corpus.dir, 'images');
  return {
    jobId: `pretrain-${o.preset}-s${o.seed}`,
    preset: o.preset,
    weights: 'none' as const,
    categories: familyCategories('pretrain'),
    data: { train: { coco: corpus.train, imageRoot: images }, val: { coco: corpus.val, imageRoot: images } },
    outputDir: path.join(work, 'out'),
    hyper: { maxIterations: o.iterations, evalEvery: o.evalEvery },
    seed: o.seed,
    device: { type: 'cpu' as const, threads: o.threads ?? os.availableParallelism() },
    checkpointEvery: 100,
    progressEvery: 20,
    resume: 'auto' as const,
    // The base is the checkpoint; an ONNX of the corpus's classes would serve nothing.
    export: { enabled: false },
  };
}

async function train(python: string, specPath: string, log: (line: string) => void): Promise<DoneEvent> {
  const started = Date.now();
  const onEvent = (e: ProgressEvent) => {
    const min = ((Date.now() - started) / 60_000).toFixed(1);
    if (e.type === 'iteration' && e.iteration % 100 === 0)
      log(
        `pretrain [${min} min] iteration ${e.iteration}/${e.totalIterations} loss ${e.losses.total?.toFixed(3)}`,
      );
    if (e.type === 'evaluation')
      log(
        `pretrain [${min} min] held-out mask AP ${e.metrics.segmAP?.toFixed(3)} at iteration ${e.iteration}`,
      );
  };
  const proc = startTrainer({ python, specPath, cwd: path.dirname(specPath), env: {}, onEvent });
  const result = await proc.result;
  if (!result.done || result.exitCode !== 0)
    throw new Error(
      `pretraining failed: ${result.error?.message ?? result.failure ?? `exit ${result.exitCode}`}\n${result.stderrTail}`,
    );
  return result.done;
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

/** What a reader needs to trust and reproduce the base; export-base adds the file's hash and architecture. */
function provenance(o: PretrainOptions, corpus: Corpus, done: DoneEvent, commit: string) {
  return {
    command: pretrainCommandLine(o),
    seed: o.seed,
    commit,
    preset: o.preset,
    corpus: {
      generator: 'vlm-loop synthetic shapes (src/dataset)',
      version: SYNTH_VERSION,
      family: 'pretrain',
      difficulty: o.difficulty,
      size: o.size,
      images: o.images,
      seed: o.seed,
      splits: { train: 0.9, val: 0.1 },
      counts: corpus.counts,
    },
    classes: familyCategories('pretrain'),
    training: {
      iterations: done.iterations,
      seconds: done.trainingSeconds,
      device: done.device,
      stopReason: done.stopReason,
    },
    heldOut: { split: 'val', images: corpus.counts.val, metrics: done.metrics },
    createdAt: new Date().toISOString(),
  };
}

function exportBase(
  python: string,
  checkpoint: string | null | undefined,
  preset: string,
  out: string,
  prov: string,
) {
  if (!checkpoint) throw new Error('pretraining left no checkpoint');
  const args = ['-m', 'vlm_loop_trainer', 'export-base', '--checkpoint', checkpoint, '--preset', preset];
  return new Promise<void>((resolve, reject) => {
    // Its summary line goes to stderr: stdout carries only this command's result.
    const child = spawn(python, [...args, '--out', out, '--provenance', prov], { stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`export-base exited ${code}`))));
  });
}
