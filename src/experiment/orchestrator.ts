import fs from 'node:fs/promises';
import path from 'node:path';
import { type ApiClient, unwrap } from '../client/api-client.ts';
import type { RunResult } from './aggregate.ts';
import { type ExperimentConfig, fingerprint } from './config.ts';
import { createDatasetProject, type PreparedDataset, prepareDataset } from './dataset.ts';
import { writeOutputs } from './outputs.ts';
import type { Plan, PlannedRun } from './plan.ts';
import { type RunProgress, runProgress } from './run-progress.ts';
import { createRunRequest, fetchRun, isMeasured, isTerminal, type Run, type RunView } from './run-view.ts';

/**
 * What `--out` remembers between starts: the project of each (fraction, seed) group and each supervised
 * baseline, and the run of each planned run, so a restarted experiment finds them again and goes on where
 * a group stopped (the runs themselves are durable in the service's database).
 */
export interface Manifest {
  version: 2;
  experiment: string;
  /** By `PlannedRun.projectKey`; recorded once the dataset import has finished. */
  projects: Record<string, { projectId: number }>;
  runs: Record<string, ManifestRun>;
}

interface ManifestRun {
  /** Fingerprint of the run's request body: a restart with other settings must not adopt this run. */
  body: string;
  projectId: number;
  runId: number;
  /** The iteration-0 model the run reused, and the run that trained it. */
  initialModel?: { modelVersionId: number; fromRun: string };
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

/** The manifest of `outDir`, refused when it was made by another design or layout. */
async function loadManifest(outDir: string, config: ExperimentConfig, plan: Plan): Promise<Manifest> {
  const found = await readManifest(outDir);
  const manifest: Manifest = found ?? { version: 2, experiment: config.name, projects: {}, runs: {} };
  if (manifest.version !== 2)
    throw new Error(
      `${outDir} holds an experiment of an earlier layout (a project per run); use another --out`,
    );
  for (const planned of plan.runs) {
    const entry = manifest.runs[planned.key];
    if (entry && entry.body !== fingerprint(planned.body))
      throw new Error(
        `${outDir} holds run ${planned.key} made with other settings (dataset, training, iterations, judge, cost or stop changed); ` +
          'use another --out for the new design',
      );
  }
  return manifest;
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

/** The runs of one project, in the order they take turns. */
interface Lane {
  projectKey: string;
  runs: PlannedRun[];
}

function lanesOf(plan: Plan): Lane[] {
  const lanes = new Map<string, Lane>();
  for (const planned of plan.runs) {
    const lane = lanes.get(planned.projectKey) ?? { projectKey: planned.projectKey, runs: [] };
    lane.runs.push(planned);
    lanes.set(planned.projectKey, lane);
  }
  return [...lanes.values()];
}

/** What one start of the experiment knows: the manifest, the runs' latest views and the refused runs. */
interface Session {
  options: RunExperimentOptions;
  log: (line: string) => void;
  manifest: Manifest;
  dataset: PreparedDataset;
  views: Map<string, RunView>;
  refused: { key: string; reason: string }[];
}

/**
 * Runs the plan: each project's runs one after another (the first of a (fraction, seed) trains iteration
 * 0, the later ones reuse its model), the projects side by side; polls until every run has ended, and
 * writes the results into `outDir` whenever a run measures an iteration. Returns the runs as results.json
 * has them.
 */
export async function runExperiment(options: RunExperimentOptions): Promise<RunResult[] | undefined> {
  const { config, plan, outDir, signal } = options;
  await fs.mkdir(outDir, { recursive: true });
  const manifest = await loadManifest(outDir, config, plan);
  const dataset = await prepareDataset(path.join(outDir, 'dataset'), config.dataset);
  const session: Session = {
    options,
    log: options.log ?? (() => {}),
    manifest,
    dataset,
    views: new Map(),
    refused: [],
  };
  const lanes = lanesOf(plan);
  let measured = -1;
  for (;;) {
    for (const lane of lanes) {
      if (signal?.aborted) return undefined;
      await advanceLane(session, lane);
    }
    if (signal?.aborted) return undefined;
    options.progress?.(await progressItems(session, lanes));
    const results = plan.runs.flatMap((p) => {
      const run = session.views.get(p.key);
      return run ? [toResult(p, run)] : [];
    });
    const nowMeasured = results.reduce((a, r) => a + r.iterations.filter(isMeasured).length, 0);
    const done = lanes.every((lane) => lane.runs.every((p) => settled(session, p)));
    if (nowMeasured !== measured || done) {
      measured = nowMeasured;
      await writeOutputs({ ...options, refused: session.refused, results, trainImages: dataset.trainImages });
    }
    if (done) return results;
    await sleep(options.pollMs ?? 3000, signal);
  }
}

const isRefused = (session: Session, planned: PlannedRun): boolean =>
  session.refused.some((r) => r.key === planned.key);

const settled = (session: Session, planned: PlannedRun): boolean => {
  const run = session.views.get(planned.key);
  return isRefused(session, planned) || (run !== undefined && isTerminal(run));
};

/**
 * Refreshes the lane's active run; once the project is free, creates (or finds again) its next run. A
 * project has one active run at a time, so at most one run of a lane is in flight.
 */
async function advanceLane(session: Session, lane: Lane): Promise<void> {
  const { api } = session.options;
  for (const planned of lane.runs) {
    if (isRefused(session, planned)) continue;
    const entry = session.manifest.runs[planned.key];
    if (!entry) {
      await startRun(session, lane, planned).catch((err: Error) => {
        // The service validates each run against its project; one it refuses must not sink the others.
        if (!/ -> 4\d\d: /.test(err.message)) throw err;
        session.refused.push({ key: planned.key, reason: err.message });
        session.log(`[${planned.key}] refused by the service: ${err.message}`);
      });
      return;
    }
    let run = session.views.get(planned.key);
    if (!run || !isTerminal(run)) {
      run = await fetchRun(api, entry.projectId, entry.runId);
      session.views.set(planned.key, run);
      if (isTerminal(run)) session.log(`[${planned.key}] ${finishedLine(run)}`);
    }
    if (!isTerminal(run)) return;
  }
}

/** Creates the planned run in its lane's project (made first if need be), reusing an earlier run's iteration 0. */
async function startRun(session: Session, lane: Lane, planned: PlannedRun): Promise<void> {
  const { api, outDir } = session.options;
  const projectId = await ensureProject(session, lane);
  const reuse = reusableModel(session, lane, planned);
  // A start killed between creating the run and recording it left the run in the project: adopt it.
  const recorded = new Set(Object.values(session.manifest.runs).map((r) => r.runId));
  const listed = await unwrap(
    api.typed.GET('/v1/projects/{projectId}/runs', {
      params: { path: { projectId }, query: { limit: 100 } },
    }),
  );
  const found = listed.data.find((r) => r.name === planned.body.name && !recorded.has(r.id));
  const created = found ? undefined : await createRun(session, projectId, planned, reuse);
  const runId = found?.id ?? created!.run.id;
  const used = found ? (found.config as RunConfigView | undefined)?.initialModel : created!.initialModel;
  const fromRun = used && reuse?.modelVersionId === used.modelVersionId ? reuse.fromRun : undefined;
  session.manifest.runs[planned.key] = {
    body: fingerprint(planned.body),
    projectId,
    runId,
    ...(used && { initialModel: { modelVersionId: used.modelVersionId, fromRun: fromRun ?? '?' } }),
  };
  await saveManifest(outDir, session.manifest);
  const view = await fetchRun(api, projectId, runId);
  session.views.set(planned.key, view);
  session.log(
    `[${planned.key}] run ${runId} ${found ? 'found again' : 'created'} in project ${projectId}` +
      (used
        ? `, reusing iteration 0 (model version ${used.modelVersionId}) of ${fromRun ?? 'an earlier run'}`
        : ''),
  );
}

interface RunConfigView {
  initialModel?: { modelVersionId: number } | null;
}

/** The lane's project, made and filled with the dataset on first use. */
async function ensureProject(session: Session, lane: Lane): Promise<number> {
  const known = session.manifest.projects[lane.projectKey];
  if (known) return known.projectId;
  const { api, config, outDir } = session.options;
  const { dataset } = session;
  // Recorded only once the import has finished: a half-filled project from a killed start is left aside.
  const project = await createDatasetProject(api, dataset, {
    name: `${config.name}: ${lane.projectKey}`,
    description: `Experiment runs ${lane.runs.map((r) => r.key).join(', ')} (one after another), built-in synthetic dataset`,
  });
  session.manifest.projects[lane.projectKey] = { projectId: project.id };
  await saveManifest(outDir, session.manifest);
  session.log(
    `[${lane.projectKey}] project ${project.id}: ${dataset.files.length} images, ${project.annotations} labels imported`,
  );
  return project.id;
}

/**
 * The iteration-0 model an earlier run of the lane trained (or reused) on the same initial set with the
 * same training: every run of a lane has those. None when no earlier run got that far.
 */
function reusableModel(
  session: Session,
  lane: Lane,
  planned: PlannedRun,
): { modelVersionId: number; fromRun: string } | undefined {
  for (const earlier of lane.runs.slice(0, lane.runs.indexOf(planned))) {
    const it0 = session.views.get(earlier.key)?.iterations.find((it) => it.iteration === 0);
    if (it0?.status === 'completed' && it0.modelVersionId)
      return {
        modelVersionId: it0.modelVersionId,
        fromRun: session.manifest.runs[earlier.key]?.initialModel?.fromRun ?? earlier.key,
      };
  }
  return undefined;
}

async function createRun(
  session: Session,
  projectId: number,
  planned: PlannedRun,
  reuse: { modelVersionId: number } | undefined,
): Promise<{ run: Run; initialModel?: { modelVersionId: number } }> {
  const post = (body: object) => createRunRequest(session.options.api, projectId, body);
  if (!reuse) return { run: await post(planned.body) };
  const initialModel = { modelVersionId: reuse.modelVersionId };
  try {
    return { run: await post({ ...planned.body, initialModel }), initialModel };
  } catch (err) {
    // The service verifies the reuse; a model it refuses is trained again rather than losing the run.
    if (!/ -> 422: .*initialModel/s.test((err as Error).message)) throw err;
    session.log(`[${planned.key}] iteration 0 not reused (${(err as Error).message}); training it`);
    return { run: await post(planned.body) };
  }
}

/** Each planned run's progress; a run waiting for its project's turn shows which run it waits on. */
async function progressItems(
  session: Session,
  lanes: Lane[],
): Promise<{ key: string; progress: RunProgress }[]> {
  const items: { key: string; progress: RunProgress }[] = [];
  for (const lane of lanes)
    for (const planned of lane.runs) {
      if (isRefused(session, planned)) continue;
      const run = session.views.get(planned.key);
      if (run) {
        items.push({
          key: planned.key,
          progress: await runProgress(session.options.api, run, planned.body.iterations),
        });
        continue;
      }
      const ahead = lane.runs.slice(0, lane.runs.indexOf(planned)).find((p) => !settled(session, p));
      const phase = `waiting for ${ahead?.key ?? 'its turn'} (same project)`;
      items.push({ key: planned.key, progress: { fraction: 0, phase, detail: phase } });
    }
  return items;
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

function finishedLine(run: RunView): string {
  const last = run.iterations.filter(isMeasured).at(-1);
  const ap = last?.metrics?.segmAP;
  return (
    `run ${run.id} ${run.status}${run.stopReason ? ` (${run.stopReason})` : ''}` +
    (last ? `: mask AP ${ap?.toFixed(3)} after iteration ${last.iteration}` : '')
  );
}
