import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ApiClient } from '../../client/api-client.ts';
import { loadConfig } from '../../config.ts';
import { createDatasetProject, prepareDataset } from '../../experiment/dataset.ts';
import type { RunRequestBody } from '../../experiment/plan.ts';
import { runProgress } from '../../experiment/run-progress.ts';
import { type IterationView, isMeasured, isTerminal, type RunView } from '../../experiment/run-view.ts';
import { startServer } from '../../server.ts';
import { newKey } from '../../services/auth.service.ts';
import { createProgressView } from '../progress.ts';
import { closeOnSignals } from '../shutdown.ts';
import { type Column, fixed, renderTable } from '../table.ts';
import { printBanner } from './serve.ts';

/**
 * The demo's size, for 15 minutes on 2 CPU cores: the built-in dataset at its default difficulty and
 * 160 px, the `small` trainer preset with a fixed budget per training job. Measured: 13.7 min with these
 * defaults on the shared 2-core machine (load 6-8), the run stopping after iteration 2 for lack of approvals.
 */
export const DEMO_DEFAULTS = {
  images: 200,
  fraction: 0.2,
  iterations: 3,
  trainIterations: 200,
};

const JUDGES = ['oracle', 'vlm', 'simulated', 'accept-all'] as const;

interface DemoOptions {
  images: number;
  seed: number;
  fraction: number;
  iterations: number;
  trainIterations: number;
  trainerPreset: string;
  minApprovals?: number;
  judge?: string;
  port?: number;
  dataDir: string;
  exit: boolean;
  pollMs: number;
}

const positive =
  (name: string, integer = true) =>
  (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
      throw new Error(`${name} must be a non-negative ${integer ? 'integer' : 'number'}, got "${v}"`);
    return n;
  };

/**
 * The README's main job: a whole system on the embedded PostgreSQL, the built-in dataset uploaded
 * through the real API, and one active-learning run (initial labels, then predict, judge, accept and
 * retrain) followed live, with a table per iteration and the learning curve at the end.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Start the service on an embedded PostgreSQL, upload the built-in dataset and run the active-learning loop on it',
    )
    .option('--images <n>', 'synthetic images to generate', positive('--images'), DEMO_DEFAULTS.images)
    .option('--seed <n>', 'dataset and initial-label seed', positive('--seed'), 1)
    .option(
      '--fraction <f>',
      'share of the train split labelled at the start',
      positive('--fraction', false),
      DEMO_DEFAULTS.fraction,
    )
    .option(
      '--iterations <n>',
      'loop iterations after iteration 0',
      positive('--iterations'),
      DEMO_DEFAULTS.iterations,
    )
    .option(
      '--train-iterations <n>',
      'training iterations per model version',
      positive('--train-iterations'),
      DEMO_DEFAULTS.trainIterations,
    )
    .option('--trainer-preset <name>', 'trainer preset: small | tiny (tests) | resnet50-fpn (GPU)', 'small')
    .option(
      '--min-approvals <n>',
      'stop when a pass approves fewer images than this (the API default: 1; 0 always runs every iteration)',
      positive('--min-approvals'),
    )
    .option('--judge <kind>', `${JUDGES.join(' | ')} (default: vlm when VLM_BASE_URL is set, else oracle)`)
    .option('-p, --port <port>', 'port to listen on', (v) => Number(v))
    .option('--data-dir <dir>', 'where the demo keeps its database, blobs and plots', '.vlm-loop/demo')
    .option('--poll-ms <ms>', 'how often to read the run', (v) => Number(v), 1000)
    .option('--exit', 'stop the service when the run has ended instead of leaving it running')
    .action(async (opts: DemoOptions) => {
      const judge = opts.judge ?? (process.env.VLM_BASE_URL ? 'vlm' : 'oracle');
      if (!JUDGES.includes(judge as (typeof JUDGES)[number]))
        throw new Error(`--judge must be one of ${JUDGES.join(', ')}, got "${judge}"`);
      if (!(opts.fraction > 0 && opts.fraction <= 1))
        throw new Error(`--fraction must be in (0, 1], got ${opts.fraction}`);
      await demo({ ...opts, judge });
    });
}

async function demo(opts: DemoOptions & { judge: string }): Promise<void> {
  const started = Date.now();
  process.env.VLM_LOOP_DATA_DIR = opts.dataDir;
  const adminKey = process.env.VLM_LOOP_ADMIN_KEY || newKey();
  const config = loadConfig(
    { ...process.env, VLM_LOOP_ADMIN_KEY: adminKey },
    opts.port !== undefined ? { port: opts.port } : {},
  );
  const server = await startServer(config, { logger: false });
  const view = createProgressView();
  closeOnSignals(async () => {
    view.stop();
    await server.close();
  });
  const api = new ApiClient(server.url, adminKey);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  printBanner(server.url, undefined);
  out(`  Admin key: ${adminKey}   (curl -H "Authorization: Bearer ${adminKey}" ${server.url}/v1/projects)`);

  const dataset = await prepareDataset(path.join(config.dataDir, `synth-${opts.seed}-${opts.images}`), {
    images: opts.images,
    seed: opts.seed,
    size: 160,
  });
  const project = await createDatasetProject(api, dataset, {
    name: `demo (${opts.judge} from ${Math.round(opts.fraction * 100)}%, ${new Date().toISOString()})`,
    description: 'The built-in synthetic shapes dataset',
  });
  out(
    `Project ${project.id}: ${dataset.files.length} images (${dataset.trainImages} train), ${project.annotations} instance labels imported`,
  );

  const body: RunRequestBody = {
    name: `demo: ${opts.judge} from ${Math.round(opts.fraction * 100)}%`,
    initialLabels: opts.fraction >= 1 ? { existing: true } : { fraction: opts.fraction, seed: opts.seed },
    iterations: opts.iterations,
    judge: judgeConfig(opts.judge),
    training: {
      preset: 'small',
      hyper: { maxIterations: opts.trainIterations },
      warmStart: 'previous',
      seed: opts.seed,
    },
    ...(opts.minApprovals !== undefined && { stop: { minApprovals: opts.minApprovals } }),
  };
  const created = await api.json<RunView>('POST', `/v1/projects/${project.id}/runs`, body);
  const runUrl = `/v1/projects/${project.id}/runs/${created.id}`;
  out(
    `Run ${created.id}: ${body.iterations} iteration(s) after iteration 0, judge ${opts.judge}  ${server.url}${runUrl}`,
  );

  const run = await follow(api, project.id, created.id, opts, view);
  view.stop();
  out(`\n${iterationTable(run.iterations)}\n`);
  out(
    `Run ${run.status}${run.stopReason ? ` (${run.stopReason})` : ''} in ${((Date.now() - started) / 60_000).toFixed(1)} min.`,
  );
  const plots = await savePlots(api, runUrl, config.dataDir, run.id);
  out(
    [
      'Results:',
      `  Run:            ${server.url}${runUrl}`,
      `  Iterations:     ${server.url}${runUrl}/iterations`,
      `  Cost ledger:    ${server.url}${runUrl}/costs`,
      `  Learning curve: ${server.url}${runUrl}/learning-curve.svg  (.png)`,
      ...plots.map((p) => `  Saved:          ${p}`),
      opts.exit
        ? 'Demo finished; stopping (--exit).'
        : 'The service stays up: open /docs. Press Ctrl+C to stop.',
    ].join('\n'),
  );
  if (opts.exit) {
    await server.close();
    // As after a signal (shutdown.ts): exit now, before a late error of a closed pool's idle client can throw.
    process.exit(run.status === 'succeeded' ? 0 : 1);
  }
}

function judgeConfig(kind: string): RunRequestBody['judge'] {
  // The simulated reviewer of the demo errs on one image in ten either way.
  if (kind === 'simulated') return { kind, falseApproveRate: 0.1, falseRejectRate: 0.1, seed: 1 };
  return { kind };
}

/** Polls the run until it ends, moving the bar and printing the table each time an iteration is measured. */
async function follow(
  api: ApiClient,
  projectId: number,
  runId: number,
  opts: DemoOptions,
  view: ReturnType<typeof createProgressView>,
): Promise<RunView> {
  let measured = 0;
  for (;;) {
    const run = await api.json<RunView>('GET', `/v1/projects/${projectId}/runs/${runId}`);
    const progress = await runProgress(api, run, opts.iterations);
    view.update([{ key: `run ${runId}`, ...progress }]);
    const done = run.iterations.filter(isMeasured);
    if (done.length > measured) {
      measured = done.length;
      view.log(`\n${iterationTable(run.iterations)}\n`);
    }
    if (isTerminal(run)) return run;
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}

const hours = (v: number | null | undefined) => fixed(v, 2);

export const ITERATION_COLUMNS: Column<IterationView>[] = [
  { header: 'iteration', cell: (it) => String(it.iteration) },
  { header: 'status', cell: (it) => it.status, align: 'left' },
  { header: 'train images', cell: (it) => String(it.trainImages ?? '-') },
  { header: 'approved', cell: (it) => (it.iteration === 0 ? '-' : String(it.approved ?? '-')) },
  { header: 'rejected', cell: (it) => (it.iteration === 0 ? '-' : String(it.rejected ?? '-')) },
  { header: 'mask AP', cell: (it) => fixed(it.metrics?.segmAP) },
  { header: 'AP50', cell: (it) => fixed(it.metrics?.segmAP50) },
  { header: 'human h', cell: (it) => hours(it.cost?.humanHours) },
  { header: 'cumulative h', cell: (it) => hours(it.cumulativeCost?.humanHours) },
];

export function iterationTable(iterations: IterationView[]): string {
  return renderTable(
    ITERATION_COLUMNS,
    [...iterations].sort((a, b) => a.iteration - b.iteration),
  );
}

/** The run's learning curve as the API draws it, saved beside the demo's data. */
async function savePlots(api: ApiClient, runUrl: string, dataDir: string, runId: number): Promise<string[]> {
  const saved: string[] = [];
  for (const ext of ['svg', 'png']) {
    const file = path.join(dataDir, `run-${runId}-learning-curve.${ext}`);
    try {
      const res = await api.request('GET', `${runUrl}/learning-curve.${ext}`);
      await fs.writeFile(file, Buffer.from(await res.arrayBuffer()));
      saved.push(path.resolve(file));
    } catch (err) {
      process.stderr.write(`Could not save the learning curve (${ext}): ${(err as Error).message}\n`);
    }
  }
  return saved;
}
