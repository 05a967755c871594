/**
 * A training job's resumable checkpoint in the blob store: recorded per attempt (fenced), the replaced one
 * deleted, restored into a job folder, discarded when the job ends unless a model version uses the bytes;
 * and a worker's sweep of the folders of ended jobs.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingCheckpoints } from '../../../src/domains/training/training-checkpoints.ts';
import type { ClaimedJob } from '../../../src/domains/training/training-jobs.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { sqlOn } from '../../helpers/sql.ts';
import { type SeededProject, seedSynthProject } from '../../helpers/training.ts';

let t: TestServer;
let project: SeededProject;
let checkpoints: TrainingCheckpoints;
const sql = sqlOn(() => t);

beforeAll(async () => {
  t = await startTestServer({ inProcessWorker: false });
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 5);
  checkpoints = new TrainingCheckpoints(t.server.ctx.database.db, t.server.ctx.blobs);
});
afterAll(() => t?.close());

async function claimedJob(): Promise<ClaimedJob> {
  const job = await t.admin.json<{ id: number }>('POST', `/v1/projects/${project.id}/training-jobs`, {
    preset: 'tiny',
  });
  const claim = await t.server.ctx.services.trainingJobs.claim(job.id, 'test-worker', 30_000);
  if (!claim) throw new Error('not claimed');
  return claim;
}

async function file(bytes: Buffer): Promise<string> {
  const p = path.join(t.dataDir, `ckpt-${randomBytes(4).toString('hex')}.pt`);
  await fs.writeFile(p, bytes);
  return p;
}

const stored = async (id: number) =>
  (await sql('select resume_checkpoint_sha256 as s from training_jobs where id = $1', [id]))[0].s as
    | string
    | null;

describe('TrainingCheckpoints', () => {
  it('records each checkpoint for its attempt, deletes the one it replaces, and restores the latest', async () => {
    const claim = await claimedJob();
    const a = await checkpoints.save(claim, await file(Buffer.from('checkpoint A')));
    expect(await stored(claim.job.id)).toBe(a);
    const b = await checkpoints.save(claim, await file(Buffer.from('checkpoint B')));
    expect(await stored(claim.job.id)).toBe(b);
    expect(await t.server.ctx.blobs.has(a!)).toBe(false);
    expect(await t.server.ctx.blobs.has(b!)).toBe(true);

    const target = path.join(t.dataDir, 'jobs-elsewhere', 'out', 'checkpoints', 'last.pt');
    expect(await checkpoints.restore({ ...claim.job, resumeCheckpointSha256: b! }, target)).toBe(true);
    expect(await fs.readFile(target, 'utf8')).toBe('checkpoint B');
    expect(await checkpoints.restore({ ...claim.job, resumeCheckpointSha256: null }, target)).toBe(false);
  });

  it('refuses an upload of an attempt that lost the job, and leaves nothing of it in the store', async () => {
    const claim = await claimedJob();
    const current = await checkpoints.save(claim, await file(Buffer.from('current')));
    const stale = { ...claim, job: { ...claim.job, attempt: claim.job.attempt - 1 } };
    const bytes = Buffer.from('from a worker that lost the job');
    expect(await checkpoints.save(stale, await file(bytes))).toBeUndefined();
    expect(await stored(claim.job.id)).toBe(current);
    const [hash] = await sql(`select encode(sha256($1::bytea), 'hex') as h`, [bytes]);
    expect(await t.server.ctx.blobs.has(hash.h)).toBe(false);
  });

  it('discards the checkpoint when the job has ended, keeping bytes a model version uses', async () => {
    const running = await claimedJob();
    const kept = await checkpoints.save(running, await file(Buffer.from('also a model version checkpoint')));
    await checkpoints.discard(running.job.id);
    expect(await stored(running.job.id)).toBe(kept); // still running: nothing discarded

    await sql(`update training_jobs set status = 'succeeded' where id = $1`, [running.job.id]);
    await sql(
      `insert into model_versions (project_id, training_job_id, preset, hyper, metrics, training_seconds, device,
         onnx_sha256, onnx_bytes, checkpoint_sha256, metadata)
       values ($1, $2, 'tiny', '{}', '{}', 1, 'cpu', 'none', 1, $3, '{}')`,
      [project.id, running.job.id, kept],
    );
    await checkpoints.discard(running.job.id);
    expect(await stored(running.job.id)).toBeNull();
    expect(await t.server.ctx.blobs.has(kept!)).toBe(true);

    const failed = await claimedJob();
    const gone = await checkpoints.save(failed, await file(Buffer.from('of a failed job')));
    await sql(`update training_jobs set status = 'failed' where id = $1`, [failed.job.id]);
    await checkpoints.discard(failed.job.id);
    expect(await stored(failed.job.id)).toBeNull();
    expect(await t.server.ctx.blobs.has(gone!)).toBe(false);
  });
});

describe('TrainingRunner.sweepScratch', () => {
  it('removes the folders of ended or unknown jobs, keeps those of queued and running ones', async () => {
    const runner = t.server.ctx.services.trainingRunner;
    const running = await claimedJob();
    const ended = await claimedJob();
    await sql(`update training_jobs set status = 'cancelled' where id = $1`, [ended.job.id]);
    const queued = await t.admin.json<{ id: number }>('POST', `/v1/projects/${project.id}/training-jobs`, {
      preset: 'tiny',
    });
    const ids = [running.job.id, ended.job.id, queued.id, 999_999];
    for (const id of ids) await fs.mkdir(path.join(runner.jobDir(id), 'out'), { recursive: true });
    expect((await runner.sweepScratch()).sort()).toEqual([ended.job.id, 999_999].sort());
    const left = await fs.readdir(path.join(t.dataDir, 'jobs'));
    expect(left.sort()).toEqual([String(running.job.id), String(queued.id)].sort());
  });
});
