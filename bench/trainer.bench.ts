/**
 * `npm run bench -- trainer`: the trainer's benchmark (`trainer/bench/train_bench.py`) on the built-in dataset
 * at its default difficulty (medium; results `trainer.{md,json}`, with the warm-started retrain) and at `easy`
 * (results `trainer-easy.{md,json}`, from scratch only). About 35 minutes on 2 idle cores. The trainer's
 * virtual environment is made first if it is missing (`vlm-loop setup`).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './lib.ts';

const python = path.join(ROOT, 'trainer/.venv/bin/python');
const runs: string[][] = [
  ['--work', '/tmp/vlm-loop-trainer-bench/medium', '--results', 'trainer'],
  [
    '--work',
    '/tmp/vlm-loop-trainer-bench/easy',
    '--difficulty',
    'easy',
    '--skip-warm',
    '--results',
    'trainer-easy',
  ],
];

const run = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' }).status ?? 1;

let failed = run(process.execPath, ['bin/vlm-loop.mjs', 'setup']);
for (const args of runs) {
  if (failed) break;
  failed = run(python, ['trainer/bench/train_bench.py', ...args]);
}
process.exit(failed ? 1 : 0);
