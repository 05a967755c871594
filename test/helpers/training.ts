import fs from 'node:fs/promises';
import path from 'node:path';
import type { ApiClient } from '../../src/client/api-client.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { generateSynthDataset } from '../../src/dataset/synth.ts';
import { PythonEnv } from '../../src/domains/training/python-env.ts';

/**
 * Settings that make training tests quick and light: one torch thread, frequent checkpoints and
 * progress, fast heartbeats and polling. As environment variables, so a child worker gets the same.
 */
export const TRAINING_ENV: Record<string, string> = {
  VLM_LOOP_WORKER_DEVICES: 'cpu',
  VLM_LOOP_WORKER_HEARTBEAT_MS: '300',
  VLM_LOOP_WORKER_STALE_MS: '3000',
  VLM_LOOP_QUEUE_POLL_MS: '500',
  VLM_LOOP_TRAINER_THREADS: '1',
  VLM_LOOP_TRAINER_CHECKPOINT_EVERY: '2',
  VLM_LOOP_TRAINER_PROGRESS_EVERY: '1',
  VLM_LOOP_TRAINER_PROGRESS_WRITE_MS: '200',
};

export function trainingConfig(): Pick<Config, 'worker' | 'trainer'> {
  const config = loadConfig({ ...process.env, ...TRAINING_ENV });
  return { worker: config.worker, trainer: config.trainer };
}

/** The same code as `vlm-loop setup`: creates trainer/.venv with trainer/setup.sh unless it is ready. */
export async function ensureTrainerEnv(): Promise<void> {
  const config = loadConfig();
  const env = new PythonEnv({
    trainerDir: config.trainer.dir,
    python: config.trainer.python,
    basePython: config.pythonBin,
  });
  await env.ensure((line) => process.stderr.write(`[trainer setup] ${line}\n`));
}

export interface SeededProject {
  id: number;
  imagesDir: string;
  files: string[];
}

/** A project filled through the API with a small built-in synthetic dataset (images + COCO import). */
export async function seedSynthProject(admin: ApiClient, dir: string, images = 10): Promise<SeededProject> {
  const dataset = await generateSynthDataset({
    outDir: dir,
    images,
    seed: 7,
    size: 96,
    difficulty: 'easy',
    splits: { train: 0.6, val: 0.2, test: 0.2 },
  });
  const project = await admin.json<{ id: number }>('POST', '/v1/projects', {
    name: `training ${path.basename(dir)}`,
    categories: dataset.categories.map((c) => ({ name: c.name })),
  });
  const files = (await fs.readdir(dataset.imagesDir)).sort().map((f) => path.join(dataset.imagesDir, f));
  await admin.uploadImages(project.id, files);
  const coco = JSON.parse(await fs.readFile(dataset.annotationsPath, 'utf8'));
  await admin.json('POST', `/v1/projects/${project.id}/coco-imports`, coco);
  return { id: project.id, imagesDir: dataset.imagesDir, files };
}

export interface JobView {
  id: number;
  status: string;
  attempt: number;
  modelVersionId: number | null;
  error: { code: string; message: string } | null;
  progress: {
    phase?: string;
    iteration?: number;
    totalIterations?: number;
    losses?: Record<string, number>;
    etaSeconds?: number;
    lastEvaluation?: { iteration: number; metrics: Record<string, number | null> };
    lastCheckpoint?: { iteration: number; reason: string };
    runs?: { attempt: number; workerId: string; device: string; startIteration: number }[];
  };
  labelSnapshot: { id: number; trainImages: number; valImages: number; labels: number };
  [key: string]: unknown;
}

/** Polls a training job until `done` says so; fails fast when it ends another way. */
export async function waitForJob(
  admin: ApiClient,
  projectId: number,
  id: number,
  done: (job: JobView) => boolean,
  timeoutMs = 240_000,
): Promise<JobView> {
  const end = Date.now() + timeoutMs;
  let job: JobView;
  for (;;) {
    job = await admin.json<JobView>('GET', `/v1/projects/${projectId}/training-jobs/${id}`);
    if (done(job)) return job;
    if (['succeeded', 'failed', 'cancelled'].includes(job.status))
      throw new Error(`training job ${id} ended ${job.status}: ${JSON.stringify(job.error ?? job.progress)}`);
    if (Date.now() > end) throw new Error(`timed out waiting for training job ${id}: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(probe: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
