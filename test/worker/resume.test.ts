/**
 * Workers as separate processes (`vlm-loop worker`), killed mid-training: the job goes back to the queue
 * and another worker resumes it from the trainer's checkpoint, producing exactly one model version.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  ensureTrainerEnv,
  type JobView,
  processAlive,
  type SeededProject,
  seedSynthProject,
  trainingConfig,
  waitForJob,
  waitUntil,
} from '../helpers/training.ts';
import { exited, liveWorkers, spawnWorker } from '../helpers/worker-process.ts';

/** Real training on a shared CPU: minutes, not seconds. */
const TRAINING_TIMEOUT = { timeout: 300_000 };

let t: TestServer;
let project: SeededProject;
const children: ChildProcess[] = [];

beforeAll(async () => {
  await ensureTrainerEnv();
  t = await startTestServer({ inProcessWorker: false, ...trainingConfig() });
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'));
}, 900_000);

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await t?.close();
});

async function trainerPidOf(jobId: number): Promise<number> {
  let pid = 0;
  await waitUntil(async () => {
    const jobs = (await liveWorkers(t)).flatMap((w) => w.currentJobs);
    pid = jobs.find((j) => j.trainingJobId === jobId)?.trainerPid ?? 0;
    return pid > 0;
  }, 60_000);
  return pid;
}

describe('a worker killed mid-training', TRAINING_TIMEOUT, () => {
  it('leaves the job to another worker, which resumes from the checkpoint; one model version', async () => {
    const first = await spawnWorker(t, children);
    const created = await t.admin.json<JobView>('POST', `/v1/projects/${project.id}/training-jobs`, {
      preset: 'tiny',
      hyper: { maxIterations: 20, batchSize: 2, evalEvery: 100 },
      seed: 3,
    });
    const atCheckpoint = await waitForJob(
      t.admin,
      project.id,
      created.id,
      (j) => (j.progress.lastCheckpoint?.iteration ?? 0) >= 2,
    );
    const checkpointed = atCheckpoint.progress.lastCheckpoint!.iteration;
    const pid = await trainerPidOf(created.id);

    first.child.kill('SIGKILL');
    await exited(first.child);
    // The trainer dies with its worker (PR_SET_PDEATHSIG): no stray twin keeps writing checkpoints.
    await waitUntil(() => !processAlive(pid), 10_000);
    expect(
      (await t.admin.json<JobView>('GET', `/v1/projects/${project.id}/training-jobs/${created.id}`)).status,
    ).toBe('running');

    const second = await spawnWorker(t, children);
    const done = await waitForJob(t.admin, project.id, created.id, (j) => j.status === 'succeeded');
    expect(done.attempt).toBe(2);
    expect(done.progress.iteration).toBe(20);
    const runs = done.progress.runs!;
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ attempt: 1, workerId: first.id, startIteration: 0 });
    expect(runs[1]).toMatchObject({ attempt: 2, workerId: second.id });
    expect(runs[1].startIteration).toBeGreaterThanOrEqual(checkpointed);
    expect(runs[1].startIteration).toBeLessThan(20);

    const versions = await t.admin.json<{ data: { trainingJobId: number }[] }>(
      'GET',
      `/v1/projects/${project.id}/model-versions`,
    );
    expect(versions.data.filter((v) => v.trainingJobId === created.id)).toHaveLength(1);
    expect(done.modelVersionId).toEqual(expect.any(Number));

    second.child.kill('SIGTERM');
    await exited(second.child);
    expect(second.child.exitCode).toBe(0);
  });

  it('hands its job straight back to the queue when stopped with SIGTERM (after a checkpoint)', async () => {
    const worker = await spawnWorker(t, children);
    const created = await t.admin.json<JobView>('POST', `/v1/projects/${project.id}/training-jobs`, {
      preset: 'tiny',
      hyper: { maxIterations: 400, batchSize: 2, evalEvery: 1000 },
    });
    await waitForJob(t.admin, project.id, created.id, (j) => (j.progress.iteration ?? 0) >= 1);
    worker.child.kill('SIGTERM');
    await exited(worker.child);
    expect(worker.child.exitCode, worker.output.join('')).toBe(0);
    const job = await t.admin.json<JobView>('GET', `/v1/projects/${project.id}/training-jobs/${created.id}`);
    expect(job.status).toBe('queued');
    expect(job.progress.lastCheckpoint?.reason).toBe('signal');
    await t.admin.json('POST', `/v1/projects/${project.id}/training-jobs/${created.id}/cancel`);
  });
});
