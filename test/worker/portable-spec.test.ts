/**
 * A training job's spec names its inputs relative to the job folder (base model, data, output), so the
 * trainer's fingerprint of a job is the same on every worker, wherever it keeps its jobs or installed the
 * trainer: a checkpoint from one worker resumes on another (test/worker/share-nothing.test.ts).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  ensureTrainerEnv,
  type SeededProject,
  seedSynthProject,
  trainingConfig,
  waitForJob,
} from '../helpers/training.ts';

let t: TestServer;
let project: SeededProject;

beforeAll(async () => {
  await ensureTrainerEnv();
  t = await startTestServer({ inProcessWorker: true, ...trainingConfig() });
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 6);
}, 900_000);
afterAll(() => t?.close());

// Real training on a shared CPU.
describe('a training job from the base model', { timeout: 300_000 }, () => {
  it('trains from the base linked into its folder, checked against its provenance there', async () => {
    const job = await t.admin.json<{ id: number }>('POST', `/v1/projects/${project.id}/training-jobs`, {
      preset: 'small',
      warmStart: 'base',
      hyper: { maxIterations: 20, batchSize: 2, evalEvery: 100 },
    });
    const done = await waitForJob(t.admin, project.id, job.id, (j) => j.status === 'succeeded');
    const version = await t.admin.json<{ metadata: { training: { weights: string } } }>(
      'GET',
      `/v1/projects/${project.id}/model-versions/${done.modelVersionId}`,
    );
    expect(version.metadata.training.weights).toBe('base:small-base.pt');
  });
});
