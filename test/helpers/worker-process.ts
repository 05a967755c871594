import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT as ROOT } from './paths.ts';
import { call, type TestServer } from './server.ts';
import { TRAINING_ENV, waitUntil } from './training.ts';

export interface WorkerProcess {
  child: ChildProcess;
  id: string;
  output: string[];
}

export interface LiveWorker {
  id: string;
  pid: number;
  currentJobs: { trainingJobId?: number; trainerPid?: number }[];
}

export async function liveWorkers(t: TestServer): Promise<LiveWorker[]> {
  return (await call(`${t.url}/v1/workers`, t.adminKey, 'GET')).body.data;
}

/**
 * `node bin/vlm-loop.mjs worker --cpu` on the test server's database and data folder, returned once it has
 * registered itself. The child is added to `children` so the test file can kill what is left at the end.
 */
export async function spawnWorker(
  t: TestServer,
  children: ChildProcess[],
  /** Replaces the shared folders: a worker on another machine has its own data folder and a blob URL. */
  env: NodeJS.ProcessEnv = { VLM_LOOP_DATA_DIR: t.dataDir, VLM_LOOP_BLOB_DIR: path.join(t.dataDir, 'blobs') },
): Promise<WorkerProcess> {
  const before = new Set((await liveWorkers(t)).map((w) => w.id));
  const { VLM_LOOP_DATA_DIR, VLM_LOOP_BLOB_DIR, VLM_LOOP_BLOB_URL, ...inherited } = process.env;
  const child = spawn(process.execPath, ['bin/vlm-loop.mjs', 'worker', '--cpu'], {
    cwd: ROOT,
    env: { ...inherited, ...TRAINING_ENV, DATABASE_URL: t.server.ctx.database.url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output: string[] = [];
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  let id = '';
  await waitUntil(async () => {
    if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}:\n${output.join('')}`);
    id = (await liveWorkers(t)).find((w) => !before.has(w.id) && w.pid === child.pid)?.id ?? '';
    return id !== '';
  }, 60_000);
  return { child, id, output };
}

export const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
