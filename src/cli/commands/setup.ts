import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { PythonEnv } from '../../domains/training/python-env.ts';

export function registerSetupCommand(program: Command): void {
  program
    .command('setup')
    .description(
      "Create and fill the trainer's Python environment (trainer/.venv) by running trainer/setup.sh",
    )
    .option('--force', 'run setup.sh even when the environment looks ready')
    .option('--check', 'only report whether the environment is ready (exit code 1 when not)')
    .action(async (opts: { force?: boolean; check?: boolean }) => {
      const config = loadConfig();
      const env = new PythonEnv({
        trainerDir: config.trainer.dir,
        python: config.trainer.python,
        basePython: config.pythonBin,
      });
      const before = await env.status();
      if (opts.check) {
        process.stdout.write(
          before.ready ? `ready: ${config.trainer.python}\n` : `not ready: ${before.reason}\n`,
        );
        process.exitCode = before.ready ? 0 : 1;
        return;
      }
      if (before.ready && !opts.force) {
        process.stdout.write(
          `trainer environment is ready (${config.trainer.python}); --force to set it up again\n`,
        );
        return;
      }
      const started = Date.now();
      await env.setup((line) => {
        const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
        process.stderr.write(`[setup ${seconds}s] ${line}\n`);
      });
      process.stdout.write(`trainer environment ready: ${config.trainer.python}\n`);
    });
}
