/**
 * Workers that share nothing but PostgreSQL and an S3 bucket (moto, a real S3 protocol server): each
 * has its own empty data folder. A training job and a VLM pass complete on them; a worker SIGKILLed
 * mid-training leaves the job to the other, which resumes from the checkpoint in the bucket; every
 * pass image is judged exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/blob/blob-store.ts';
import { openS3BlobStore } from '../../src/blob/s3-blob-store.ts';
import { type FakeOpenAiServer, imageUrls, startFakeOpenAiServer } from '../helpers/fake-openai-server.ts';
import { type Moto, startMoto } from '../helpers/moto.ts';
import { makePool, type PassView, waitForPass } from '../helpers/passes.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  ensureTrainerEnv,
  type JobView,
  type SeededProject,
  seedSynthProject,
  trainingConfig,
  waitForJob,
  waitUntil,
} from '../helpers/training.ts';
import { exited, spawnWorker, type WorkerProcess } from '../helpers/worker-process.ts';

const BLOB_URL = 's3://fleet/site';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let moto: Moto;
let fake: FakeOpenAiServer;
let t: TestServer;
let project: SeededProject;
let bucket: BlobStore;
const folders: Record<'a' | 'b', string> = { a: '', b: '' };
const children: ChildProcess[] = [];

const sql = <T = any>(text: string, values: unknown[] = []) =>
  t.server.ctx.database.pool.query(text, values).then((r) => r.rows as T[]);
const url = (p: string) => `/v1/projects/${project.id}${p}`;

/** A worker "on another machine": its own empty data folder, the bucket, the database; nothing else. */
const startWorker = (name: 'a' | 'b') =>
  spawnWorker(t, children, { VLM_LOOP_DATA_DIR: folders[name], ...moto.env(BLOB_URL) });

beforeAll(async () => {
  await ensureTrainerEnv();
  moto = await startMoto();
  await moto.createBucket('fleet');
  fake = await startFakeOpenAiServer();
  t = await startTestServer({
    inProcessWorker: false,
    ...trainingConfig(),
    blobUrl: BLOB_URL,
    s3: { ...moto.s3, downloads: 'presigned' },
  });
  for (const name of ['a', 'b'] as const)
    folders[name] = await fs.mkdtemp(path.join(os.tmpdir(), `vlm-worker-${name}-`));
  bucket = openS3BlobStore(BLOB_URL, moto.s3, path.join(t.dataDir, 'check'));
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 16);
}, 900_000);

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await t?.close();
  await fake?.close();
  await moto?.stop();
  for (const dir of Object.values(folders)) if (dir) await fs.rm(dir, { recursive: true, force: true });
});

// Real training and passes by worker processes on a shared CPU: minutes.
describe('share-nothing workers on S3 and one PostgreSQL', { timeout: 600_000 }, () => {
  let versionId: number;
  let b: WorkerProcess;

  it('keeps blobs in the bucket only: uploads went there, originals are presigned redirects', async () => {
    await expect(fs.access(path.join(t.dataDir, 'blobs'))).rejects.toThrow();
    const [image] = await sql<{ id: number; sha256: string }>('select id, sha256 from images limit 1');
    expect(await bucket.has(image.sha256)).toBe(true);
    const res = await fetch(`${t.url}${url(`/images/${image.id}/original`)}`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const location = res.headers.get('location') ?? '';
    expect(location.startsWith(`${moto.endpoint}/fleet/site/`)).toBe(true);
    const bytes = Buffer.from(await (await fetch(location)).arrayBuffer());
    expect(sha256(bytes)).toBe(image.sha256);
  });

  it('resumes a training job from the checkpoint in the bucket after its worker is SIGKILLed', async () => {
    const a = await startWorker('a');
    const created = await t.admin.json<JobView>('POST', url('/training-jobs'), {
      preset: 'tiny',
      hyper: { maxIterations: 20, batchSize: 2, evalEvery: 100 },
      seed: 3,
    });
    let stored = '';
    await waitUntil(async () => {
      const [row] = await sql('select resume_checkpoint_sha256 as s from training_jobs where id = $1', [
        created.id,
      ]);
      stored = row?.s ?? '';
      return stored !== '';
    }, 300_000);
    expect(await bucket.has(stored)).toBe(true);
    a.child.kill('SIGKILL');
    await exited(a.child);

    b = await startWorker('b');
    const done = await waitForJob(t.admin, project.id, created.id, (j) => j.status === 'succeeded', 400_000);
    expect(done.attempt).toBe(2);
    const runs = done.progress.runs!;
    expect(runs[1]).toMatchObject({ attempt: 2, workerId: b.id });
    // b's folder was empty: a start past 0 can only come from the bucket.
    expect(runs[1].startIteration).toBeGreaterThan(0);
    expect(runs[1].startIteration).toBeLessThan(20);
    expect(b.output.join('')).toContain(
      `training job ${created.id}: resuming from the checkpoint in the blob store`,
    );
    versionId = done.modelVersionId as number;

    // The job's checkpoint left the store with the job, then its scratch folder left b's disk.
    const gone = (p: string) =>
      fs.access(p).then(
        () => false,
        () => true,
      );
    await waitUntil(() => gone(path.join(folders.b, 'jobs', String(created.id))), 30_000);
    const [job] = await sql('select resume_checkpoint_sha256 as s from training_jobs where id = $1', [
      created.id,
    ]);
    expect(job.s).toBeNull();
    expect(await bucket.has(stored)).toBe(false);
    // Everything the version needs is in the bucket.
    const [version] = await sql(
      'select onnx_sha256 as o, checkpoint_sha256 as c from model_versions where id = $1',
      [versionId],
    );
    expect(await bucket.has(version.o)).toBe(true);
    expect(await bucket.has(version.c)).toBe(true);

    // a, restarted on its old folder, removes the folder the killed attempt left there.
    expect(await fs.readdir(path.join(folders.a, 'jobs'))).toEqual([String(created.id)]);
    await startWorker('a');
    expect(await fs.readdir(path.join(folders.a, 'jobs'))).toEqual([]);
  });

  it('answers an ONNX download with a presigned URL that names the file', async () => {
    const res = await fetch(`${t.url}${url(`/model-versions/${versionId}/model.onnx`)}`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const download = await fetch(res.headers.get('location') ?? '');
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="model-v${versionId}.onnx"`,
    );
    const [version] = await sql('select onnx_sha256 as o from model_versions where id = $1', [versionId]);
    // Compared by hash: toEqual walks a 20 MB buffer element by element.
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(version.o);
  });

  it('runs a VLM pass on both workers: every pool image judged exactly once', async () => {
    const pool = await makePool(t.admin, project.id, 3);
    expect(pool.length).toBeGreaterThanOrEqual(5);
    const created = await t.admin.json<PassView>('POST', url('/passes'), {
      modelVersionId: versionId,
      images: { ids: pool },
      judge: { kind: 'vlm', baseUrl: fake.url, model: 'fake-vlm', apiKey: 'sk-test' },
      scoreThreshold: 0.05,
    });
    const pass = await waitForPass(t.admin, project.id, created.id, (p) => p.status === 'completed', 400_000);
    expect(pass.counts.images).toBe(pool.length);
    expect(pass.counts.approved + pass.counts.rejected).toBe(pool.length);
    const requests = fake.completionRequests();
    expect(requests).toHaveLength(pool.length);
    expect(new Set(requests.flatMap(imageUrls)).size).toBe(pool.length);
    const rows = await sql<{ verdict: string | null; tries: number }>(
      'select verdict, tries from pass_images where pass_id = $1',
      [created.id],
    );
    expect(rows).toHaveLength(pool.length);
    expect(rows.every((r) => r.verdict !== null && r.tries === 0)).toBe(true);
  });
});
