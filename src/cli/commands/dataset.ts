/** `vlm-loop dataset synth`: writes the built-in synthetic dataset. */
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_SIZE,
  DEFAULT_SPLITS,
  DIFFICULTIES,
  type Difficulty,
  generateSynthDataset,
  MAX_IMAGES,
  MAX_SIZE,
  MIN_SIZE,
  parseSplits,
  type Splits,
  type SynthDatasetResult,
} from '../../dataset/synth.ts';

interface SynthFlags {
  out: string;
  images: number;
  seed: number;
  difficulty: Difficulty;
  size: number;
  splits: Splits;
  progress: boolean;
  json?: boolean;
}

/** Below this many images a progress display is just noise. */
const PROGRESS_MIN_IMAGES = 50;

const intInRange =
  (lo: number, hi: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < lo || n > hi) {
      throw new InvalidArgumentError(`expected an integer in [${lo}, ${hi}]`);
    }
    return n;
  };

const splitsArg = (value: string): Splits => {
  try {
    return parseSplits(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

/**
 * A bar on a terminal; elsewhere (CI logs, pipes) a line per 10 % so logs stay short.
 * Either way on stderr, so stdout carries only the result.
 */
function progressReporter(total: number): { update: (done: number) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: 'synth [{bar}] {value}/{total} images | {eta}s left' },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  const step = Math.max(1, Math.ceil(total / 10));
  return {
    update: (done) => {
      if (done % step === 0 || done === total) process.stderr.write(`synth: ${done}/${total} images\n`);
    },
    stop: () => {},
  };
}

function printSummary(result: SynthDatasetResult, seconds: number): void {
  const splits = Object.entries(result.counts.bySplit)
    .map(([name, n]) => `${name}=${n}`)
    .join(' ');
  process.stdout.write(
    `wrote ${result.counts.images} images, ${result.counts.instances} instances (${splits}) in ${seconds.toFixed(1)} s\n` +
      `  annotations: ${result.annotationsPath}\n  images:      ${result.imagesDir}\n`,
  );
}

async function runSynth(flags: SynthFlags): Promise<void> {
  const progress =
    flags.progress && flags.images >= PROGRESS_MIN_IMAGES ? progressReporter(flags.images) : undefined;
  const started = performance.now();
  let result: SynthDatasetResult;
  try {
    result = await generateSynthDataset({
      outDir: flags.out,
      images: flags.images,
      seed: flags.seed,
      difficulty: flags.difficulty,
      size: flags.size,
      splits: flags.splits,
      onProgress: progress?.update,
    });
  } finally {
    progress?.stop();
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else printSummary(result, (performance.now() - started) / 1000);
}

export function registerDatasetCommand(program: Command): void {
  const dataset = program.command('dataset').description('Built-in datasets');
  dataset
    .command('synth')
    .description(
      'Write a seeded synthetic instance-segmentation dataset: OUT/images/000000.png ... and ' +
        'OUT/annotations.json (COCO instances, compressed RLE masks, a "split" field per image). ' +
        'The same options always give byte-identical files.',
    )
    .requiredOption('--out <dir>', 'output directory (created if missing; files in it are overwritten)')
    .option('--images <n>', 'number of images', intInRange(1, MAX_IMAGES), 500)
    .option('--seed <n>', 'random seed', intInRange(0, Number.MAX_SAFE_INTEGER), 0)
    .addOption(
      new Option('--difficulty <level>', 'clutter, noise, occlusion and object-size preset')
        .choices(DIFFICULTIES)
        .default('medium'),
    )
    .option('--size <px>', 'side of the square images', intInRange(MIN_SIZE, MAX_SIZE), DEFAULT_SIZE)
    .addOption(
      new Option('--splits <weights>', 'split weights, normalised; image counts are exact')
        .argParser(splitsArg)
        .default(DEFAULT_SPLITS, 'train=0.7,val=0.1,test=0.2'),
    )
    .option('--no-progress', 'no progress output on stderr')
    .option('--json', 'print the result as JSON on stdout')
    .action((flags: SynthFlags) => runSynth(flags));
}
