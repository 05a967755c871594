import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ApiClient } from '../client/api-client.ts';
import type { RunResult } from './aggregate.ts';
import { type ExperimentConfig, fingerprint } from './config.ts';
import { createDatasetProject, type PreparedDataset, prepareDataset } from './dataset.ts';
import { writeOutputs } from './outputs.ts';
import type { Plan, PlannedRun } from './plan.ts';
import { type RunProgress, runProgress } from './run-progress.ts';
import { isMeasured, isTerminal, type RunView } from './run-view.ts';

/**
 * What `--out` remembers between starts: the project and run of each planned run, so a restarted
 * experiment finds them again (the runs themselves are durable in the service's database).
 */
export interface Manifest {
  version: 1;
  experiment: string;
  runs: Record<string, ManifestRun>;
}

interface ManifestRun {
  /** Fingerprint of the run's request body: a restart with other settings must not adopt this run. */
  body: string;
  projectId: number;
  runId?: number;
}

export interface ExperimentHooks {
  log?: (line: string) => void;
  progress?: (items: { key: string; progress: RunProgress }[]) => void;
}

export interface RunExperimentOptions extends ExperimentHooks {
  api: ApiClient;
  config: ExperimentConfig;
  plan: Plan;
  outDir: string;
  /** The command line, written into report.md. */
  command: string;
  pollMs?: number;
  /** Aborted: stop polling and return (the runs go on in the service). */
  signal?: AbortSignal;
}

export const manifestPath = (outDir: string) => path.join(outDir, 'manifest.json');

export async function readManifest(outDir: string): Promise<Manifest | undefined> {
  const text = await fs.readFile(manifestPath(outDir), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as Manifest);
}

async function saveManifest(outDir: string, manifest: Manifest): Promise<void> {
  const file = manifestPath(outDir);
  await fs.writeFile(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await fs.rename(`${file}.tmp`, file);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Submits every planned run (or finds it again), polls them until all have ended, and writes the
 * results into `outDir` whenever a run measures an iteration. Returns the runs as results.json has them.
 */
export async function runExperiment(options: RunExperimentOptions): Promise<RunResult[] | undefined> {
  const { api, config, plan, outDir, signal } = options;
  const log = options.log ?? (() => {});
  await fs.mkdir(outDir, { recursive: true });
  const manifest = (await readManifest(outDir)) ?? { version: 1, experiment: config.name, runs: {} };
  const dataset = await prepareDataset(path.join(outDir, 'dataset'), config.dataset);
  const submitted: { planned: PlannedRun; projectId: number; runId: number }[] = [];
  const refused: { key: string; reason: string }[] = [];
  for (const planned of plan.runs) {
    if (signal?.aborted) return undefined;
    const ids = await ensureRun(api, planned, manifest, dataset, outDir, log).catch((err: Error) => {
      // The service validates each run against its project; one it refuses must not sink the others.
      if (!/ -> 4\d\d: /.test(err.message)) throw err;
      refused.push({ key: planned.key, reason: err.message });
      log(`[${planned.key}] refused by the service: ${err.message}`);
      return undefined;
    });
    if (ids) submitted.push({ planned, ...ids });
  }
  log(`${submitted.length} runs submitted; the service's queue schedules them.`);
  return pollUntilDone({ ...options, refused }, submitted, dataset.trainImages);
}

async function ensureRun(
  api: ApiClient,
  planned: PlannedRun,
  manifest: Manifest,
  dataset: PreparedDataset,
  outDir: string,
  log: (line: string) => void,
): Promise<{ projectId: number; runId: number }> {
  const body = fingerprint(planned.body);
  let entry = manifest.runs[planned.key];
  if (entry && entry.body !== body)
    throw new Error(
      `${outDir} holds run ${planned.key} made with other settings (dataset, training, iterations, judge, cost or stop changed); ` +
        'use another --out for the new design',
    );
  if (!entry) {
    // Recorded only once the import has finished: a half-filled project from a killed start is left aside.
    const project = await createDatasetProject(api, dataset, {
      name: `${planned.body.name}`,
      description: `Experiment run ${planned.key}, built-in synthetic dataset`,
    });
    entry = { body, projectId: project.id };
    manifest.runs[planned.key] = entry;
    await saveManifest(outDir, manifest);
    log(
      `[${planned.key}] project ${project.id}: ${dataset.files.length} images, ${project.annotations} labels imported`,
    );
  }
  if (entry.runId === undefined) {
    // A start killed between creating the run and recording it left the run in the project: adopt it.
    const existing = await api.json<{ data: RunView[] }>('GET', `/v1/projects/${entry.projectId}/runs`);
    const run = existing.data[0] ?? (await createRun(api, entry.projectId, planned, dataset));
    entry.runId = run.id;
    await saveManifest(outDir, manifest);
    log(`[${planned.key}] run ${run.id} ${existing.data[0] ? 'found again' : 'created'}`);
  }
  return { projectId: entry.projectId, runId: entry.runId };
}

async function createRun(
  api: ApiClient,
  projectId: number,
  planned: PlannedRun,
  dataset: PreparedDataset,
): Promise<RunView> {
  const post = () => api.json<RunView>('POST', `/v1/projects/${projectId}/runs`, planned.body);
  try {
    return await post();
  } catch (err) {
    // The service (for now) wants an unlabelled train image even for a run of 0 iterations, which judges
    // nothing. One blank placeholder without labels satisfies it, and the baseline still trains on
    // exactly the dataset's train split and is charged for exactly those images.
    if (planned.kind !== 'supervised' || !/there is no pool to label/.test((err as Error).message)) throw err;
    await api.uploadImages(projectId, [await placeholderImage(dataset.dir)], {
      query: '?split=train&poolState=unlabeled',
    });
    return post();
  }
}

async function placeholderImage(dir: string): Promise<string> {
  const file = path.join(dir, 'placeholder.png');
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  await fs.writeFile(file, png);
  return file;
}

export function toResult(planned: PlannedRun, run: RunView): RunResult {
  return {
    key: planned.key,
    group: planned.group,
    judge: planned.judge,
    kind: planned.kind,
    fraction: planned.fraction,
    seed: planned.seed,
    plannedIterations: planned.body.iterations,
    projectId: run.projectId,
    runId: run.id,
    status: run.status,
    stopReason: run.stopReason ?? null,
    iterations: run.iterations,
  };
}

async function pollUntilDone(
  options: RunExperimentOptions & { refused: { key: string; reason: string }[] },
  submitted: { planned: PlannedRun; projectId: number; runId: number }[],
  trainImages: number,
): Promise<RunResult[] | undefined> {
  const { api, signal } = options;
  const log = options.log ?? (() => {});
  const runs = new Map<string, RunView>();
  let measured = -1;
  for (;;) {
    const items: { key: string; progress: RunProgress }[] = [];
    for (const s of submitted) {
      if (signal?.aborted) return undefined;
      const before = runs.get(s.planned.key);
      let run = before;
      if (!run || !isTerminal(run)) {
        run = await api.json<RunView>('GET', `/v1/projects/${s.projectId}/runs/${s.runId}`);
        runs.set(s.planned.key, run);
        if (isTerminal(run)) log(`[${s.planned.key}] ${finishedLine(run)}`);
      }
      items.push({ key: s.planned.key, progress: await runProgress(api, run, s.planned.body.iterations) });
    }
    options.progress?.(items);
    const results = submitted.map((s) => toResult(s.planned, runs.get(s.planned.key)!));
    const nowMeasured = results.reduce((a, r) => a + r.iterations.filter(isMeasured).length, 0);
    const done = results.every((r) => isTerminal(r));
    if (nowMeasured !== measured || done) {
      measured = nowMeasured;
      await writeOutputs({ ...options, results, trainImages });
    }
    if (done) return results;
    await sleep(options.pollMs ?? 3000, signal);
  }
}

function finishedLine(run: RunView): string {
  const last = run.iterations.filter(isMeasured).at(-1);
  const ap = last?.metrics?.segmAP;
  return (
    `run ${run.id} ${run.status}${run.stopReason ? ` (${run.stopReason})` : ''}` +
    (last ? `: mask AP ${ap?.toFixed(3)} after iteration ${last.iteration}` : '')
  );
}
