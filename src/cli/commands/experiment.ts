import net from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import { ApiClient } from '../../client/api-client.ts';
import { loadConfig } from '../../config.ts';
import { newKey } from '../../domains/auth/auth.service.ts';
import type { SummaryRow } from '../../experiment/aggregate.ts';
import { summarize } from '../../experiment/aggregate.ts';
import {
  type ExperimentConfig,
  loadExperimentConfig,
  PRESET_NAMES,
  type PresetName,
  presetPath,
} from '../../experiment/config.ts';
import { runExperiment } from '../../experiment/orchestrator.ts';
import { expandPlan } from '../../experiment/plan.ts';
import { startServer } from '../../server.ts';
import { fixed, meanStd, renderTable } from '../../text/table.ts';
import { createProgressView } from '../progress.ts';
import { closeOnSignals } from '../shutdown.ts';

interface ExperimentOptions {
  config?: string;
  preset?: string;
  out?: string;
  pollMs: number;
}

export function registerExperimentCommand(program: Command): void {
  program
    .command('experiment')
    .description(
      'Run the study design (judges x initial fractions x seeds, plus baselines) as runs on an embedded ' +
        'service in --out; resumable: run it again with the same --out to continue',
    )
    .option('-c, --config <file>', 'experiment config (JSON; see experiments/*.json)')
    .option('--preset <name>', `a committed config: ${PRESET_NAMES.join(' | ')} (experiments/<name>.json)`)
    .option(
      '-o, --out <dir>',
      'results, manifest, dataset and database (default .vlm-loop/experiments/<name>)',
    )
    .option('--poll-ms <ms>', 'how often to read the runs', (v) => Number(v), 3000)
    .action(async (opts: ExperimentOptions) => {
      const config = await resolveConfig(opts);
      const outDir = path.resolve(opts.out ?? path.join('.vlm-loop', 'experiments', config.name));
      await runExperimentCommand(config, outDir, opts);
    });
}

async function resolveConfig(opts: ExperimentOptions): Promise<ExperimentConfig> {
  if (opts.config && opts.preset) throw new Error('give --config or --preset, not both');
  if (opts.preset && !PRESET_NAMES.includes(opts.preset as PresetName))
    throw new Error(`--preset must be one of ${PRESET_NAMES.join(', ')}, got "${opts.preset}"`);
  const file = opts.config ?? (opts.preset ? presetPath(opts.preset as PresetName) : undefined);
  if (!file) throw new Error('give --config FILE or --preset quick|study');
  return loadExperimentConfig(file);
}

/** A port nobody listens on now, for this experiment's own embedded PostgreSQL. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function runExperimentCommand(config: ExperimentConfig, outDir: string, opts: ExperimentOptions) {
  const started = Date.now();
  const adminKey = process.env.VLM_LOOP_ADMIN_KEY || newKey();
  const base = loadConfig({
    ...process.env,
    VLM_LOOP_DATA_DIR: path.join(outDir, 'service'),
    VLM_LOOP_ADMIN_KEY: adminKey,
  });
  const serviceConfig = {
    ...base,
    port: 0,
    embeddedPgPort: process.env.VLM_LOOP_PG_PORT ? base.embeddedPgPort : await freePort(),
    inProcessWorker: true,
    worker: { ...base.worker, slots: config.worker.slots },
    trainer: { ...base.trainer, threads: config.worker.threads ?? base.trainer.threads },
  };
  const plan = expandPlan(config, { vlmBaseUrl: serviceConfig.vlm.baseUrl });
  const view = createProgressView({ total: true });
  view.log(`Experiment "${config.name}": ${plan.runs.length} runs, results in ${outDir}`);
  for (const s of plan.skipped) view.log(`  skipping judge ${s.judge}: ${s.reason}`);
  const server = await startServer(serviceConfig, { logger: false });
  const controller = new AbortController();
  closeOnSignals(async () => {
    controller.abort();
    view.stop();
    process.stderr.write('Stopping; the runs are durable: run the same command again to continue.\n');
    await server.close();
  });
  view.log(`Service: ${server.url}/docs (admin key ${adminKey}), worker slots ${config.worker.slots}`);
  const results = await runExperiment({
    api: new ApiClient(server.url, adminKey),
    config,
    plan,
    outDir,
    command: `node bin/vlm-loop.mjs experiment ${process.argv.slice(3).join(' ')}`.trim(),
    pollMs: opts.pollMs,
    signal: controller.signal,
    log: (line) => view.log(line),
    progress: (items) => view.update(items.map((i) => ({ key: i.key, ...i.progress }))),
  }).catch((err) => {
    if (controller.signal.aborted) return undefined;
    throw err;
  });
  if (!results) return;
  view.stop();
  process.stdout.write(`\n${finalTable(summarize(results))}\n\n`);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  for (const name of [
    'report.md',
    'results.json',
    'results.csv',
    'summary.csv',
    'summary.json',
    'learning-curve.svg',
    'learning-curve.png',
  ])
    process.stdout.write(`  ${path.join(outDir, name)}\n`);
  process.stdout.write(`Done in ${minutes} min.\n`);
  await server.close();
  // As after a signal (shutdown.ts): exit now, before a late error of a closed pool's idle client can throw.
  process.exit(results.every((r) => r.status === 'succeeded') ? 0 : 1);
}

/** Each group's last measured iteration, the line a reader looks for first. */
function finalTable(summary: SummaryRow[]): string {
  const finals = new Map<string, SummaryRow>();
  for (const row of summary) if (row.segmAP.mean !== null) finals.set(row.group, row);
  return renderTable(
    [
      { header: 'run', cell: (r: SummaryRow) => r.group, align: 'left' },
      { header: 'iteration', cell: (r) => String(r.iteration) },
      { header: 'seeds', cell: (r) => String(r.n) },
      { header: 'train images', cell: (r) => fixed(r.trainImages.mean, 1) },
      { header: 'mask AP', cell: (r) => meanStd(r.segmAP.mean, r.segmAP.std) },
      { header: 'AP50', cell: (r) => meanStd(r.segmAP50.mean, r.segmAP50.std) },
      { header: 'human h', cell: (r) => meanStd(r.humanHours.mean, r.humanHours.std, 2) },
    ],
    [...finals.values()],
  );
}
