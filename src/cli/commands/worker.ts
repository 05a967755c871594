import { type Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../../config.ts';
import { createContext } from '../../context.ts';
import { JOB_NAMES } from '../../queue/registry.ts';
import { startWorker } from '../../worker/start.ts';
import { closeOnSignals, exitWhenDatabaseDies } from '../shutdown.ts';

interface WorkerFlags {
  queues?: string[];
  gpus?: string;
  cpu?: boolean;
  slots?: number;
  dataDir?: string;
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1)
    throw new InvalidArgumentError('expected an integer of at least 1');
  return n;
};

const list = (value: string): string[] =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run a worker: takes jobs from the queues in DATABASE_URL and runs them (serve runs one itself; ' +
        'workers beside it need a shared DATABASE_URL and data folder)',
    )
    .option(
      '--queues <names>',
      `queues to serve, comma-separated (default: all of ${JOB_NAMES.join(', ')})`,
      list,
    )
    .addOption(
      new Option(
        '--gpus <list>',
        'GPUs to use: "all" or indexes such as 0,1 (default: every GPU, else the CPU)',
      ).conflicts('cpu'),
    )
    .option('--cpu', 'train on the CPU even when GPUs are present')
    .option(
      '--slots <n>',
      'jobs at once (default: one per device; more than the GPUs share them)',
      positiveInt,
    )
    .option(
      '--data-dir <dir>',
      'folder for the embedded database, blobs and job folders (env VLM_LOOP_DATA_DIR)',
    )
    .action(async (flags: WorkerFlags) => {
      if (flags.dataDir) process.env.VLM_LOOP_DATA_DIR = flags.dataDir;
      const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const ctx = await createContext(loadConfig(), log);
      try {
        const worker = await startWorker(ctx, {
          devices: flags.cpu ? 'cpu' : flags.gpus,
          slots: flags.slots,
          queues: flags.queues,
          log,
        });
        const close = async () => {
          await worker.stop();
          await ctx.close();
        };
        closeOnSignals(close, ctx.config.shutdownTimeoutMs);
        exitWhenDatabaseDies(ctx.database, close);
        log(
          `worker ${worker.id} started: devices ${worker.devices.join(', ')}, ${worker.slots} slot(s), ` +
            `queues ${worker.queues.join(', ')}`,
        );
      } catch (err) {
        await ctx.close();
        throw err;
      }
    });
}
