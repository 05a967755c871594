/**
 * The CLI's commands, each loaded only when it runs: importing every command's module (and through them
 * the server, sharp, onnxruntime, graphql...) cost over a second of CPU before `--help` printed anything.
 * The top-level help is drawn from the names and descriptions here; a test keeps them equal to what the
 * commands themselves declare (test/cli/command-index.test.ts).
 */
import { Command } from 'commander';

type Register = (program: Command) => void;

export interface CommandEntry {
  name: string;
  /** How the top-level help lists it, e.g. `serve [options]`. */
  term: string;
  description: string;
  load(): Promise<Register>;
}

export const COMMANDS: CommandEntry[] = [
  {
    name: 'serve',
    term: 'serve [options]',
    description:
      'Start the API (and, unless --no-worker, an in-process worker) on DATABASE_URL or an embedded PostgreSQL',
    load: async () => (await import('./commands/serve.ts')).registerServeCommand,
  },
  {
    name: 'worker',
    term: 'worker [options]',
    description:
      'Run a worker: takes jobs from the queues in DATABASE_URL and runs them (serve runs one itself; workers beside it need a shared DATABASE_URL and data folder)',
    load: async () => (await import('./commands/worker.ts')).registerWorkerCommand,
  },
  {
    name: 'setup',
    term: 'setup [options]',
    description:
      "Create and fill the trainer's Python environment (trainer/.venv) by running trainer/setup.sh",
    load: async () => (await import('./commands/setup.ts')).registerSetupCommand,
  },
  {
    name: 'migrate',
    term: 'migrate [options]',
    description:
      'Apply the SQL migrations in migrations/ to DATABASE_URL or the embedded PostgreSQL, then exit',
    load: async () => (await import('./commands/migrate.ts')).registerMigrateCommand,
  },
  {
    name: 'blobs',
    term: 'blobs',
    description: 'Work on the blob store (images, models, checkpoints)',
    load: async () => (await import('./commands/blobs.ts')).registerBlobsCommand,
  },
  {
    name: 'demo',
    term: 'demo [options]',
    description:
      'Start the service on an embedded PostgreSQL, upload the built-in dataset and run the active-learning loop on it',
    load: async () => (await import('./commands/demo.ts')).registerDemoCommand,
  },
  {
    name: 'pretrain',
    term: 'pretrain [options]',
    description:
      'Train the base model (init: "base") on a synthetic corpus of shapes disjoint from the built-in dataset\'s classes',
    load: async () => (await import('./commands/pretrain.ts')).registerPretrainCommand,
  },
  {
    name: 'experiment',
    term: 'experiment [options]',
    description:
      'Run the study design (judges x initial fractions x seeds, plus baselines) as runs on an embedded service in --out; resumable: run it again with the same --out to continue',
    load: async () => (await import('./commands/experiment.ts')).registerExperimentCommand,
  },
  {
    name: 'dataset',
    term: 'dataset',
    description: 'Built-in datasets',
    load: async () => (await import('./commands/dataset.ts')).registerDatasetCommand,
  },
  {
    name: 'eval',
    term: 'eval [options]',
    description:
      'COCO evaluation of detection results against ground truth, with the numbers pycocotools COCOeval gives: the 12 summary stats and AP / AP50 per category.',
    load: async () => (await import('./commands/eval.ts')).registerEvalCommand,
  },
  {
    name: 'openapi',
    term: 'openapi [options]',
    description: 'Write the OpenAPI 3.1 document generated from the route schemas',
    load: async () => (await import('./commands/openapi.ts')).registerOpenapiCommand,
  },
];

export const newProgram = (): Command =>
  new Command('vlm-loop')
    .description('Annotation-as-a-service for instance segmentation, with a VLM in the human-in-the-loop.')
    .showHelpAfterError();

/** The command that `args` (argv after the script) runs: its first word, or the one after `help`. */
export function commandOf(args: string[]): CommandEntry | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}

/**
 * Registers what `args` needs: the one command it names, fully; otherwise (top-level help, an unknown
 * command) every command as a name and description only, without loading any.
 */
export async function registerFor(program: Command, args: string[]): Promise<void> {
  const wanted = commandOf(args);
  if (wanted) {
    (await wanted.load())(program);
    return;
  }
  const terms = new Map(COMMANDS.map((c) => [c.name, c.term]));
  for (const c of COMMANDS) program.command(c.name).description(c.description);
  const defaultTerm = program.createHelp().subcommandTerm;
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? defaultTerm(cmd) });
}
