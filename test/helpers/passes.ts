import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ApiClient } from '../../src/client/api-client.ts';
import { loadConfig } from '../../src/config.ts';
import { MaskRcnnModel, type ModelMetadata } from '../../src/inference/mask-rcnn.ts';
import { waitForJob } from './training.ts';

export interface PassView {
  id: number;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  modelVersionId: number;
  scoreThreshold: number;
  acceptance: 'image' | 'instance';
  judge: Record<string, unknown>;
  progress: { done: number; total: number; fraction: number };
  counts: {
    images: number;
    pending: number;
    predicted: number;
    approved: number;
    rejected: number;
    abstained: number;
    errored: number;
    awaitingReview: number;
    accepted: number;
  };
  reviewSeconds: number;
  agreement: {
    images: number;
    compared: number;
    accuracy: number | null;
    confusion: Record<string, number>;
    [key: string]: unknown;
  } | null;
  error: { code: string; message: string } | null;
}

export interface PredictionView {
  id: number;
  imageId: number;
  categoryId: number;
  categoryName: string;
  score: number;
  bbox: [number, number, number, number];
  segmentation: { size: [number, number]; counts: string };
  drawnIndex: number | null;
}

/** Trains the tiny preset through the queue and returns the model version it registered. */
export async function trainTinyModel(admin: ApiClient, projectId: number, iterations = 8): Promise<number> {
  const job = await admin.json<{ id: number }>('POST', `/v1/projects/${projectId}/training-jobs`, {
    preset: 'tiny',
    hyper: { maxIterations: iterations, batchSize: 2, evalEvery: 1000 },
    seed: 5,
  });
  const done = await waitForJob(admin, projectId, job.id, (j) => j.status === 'succeeded', 600_000);
  return done.modelVersionId as number;
}

/** Polls a pass until `done` says so; fails fast when it ends another way. */
export async function waitForPass(
  admin: ApiClient,
  projectId: number,
  id: number,
  done: (pass: PassView) => boolean,
  timeoutMs = 180_000,
): Promise<PassView> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pass = await admin.json<PassView>('GET', `/v1/projects/${projectId}/passes/${id}`);
    if (done(pass)) return pass;
    if (['completed', 'failed', 'cancelled'].includes(pass.status))
      throw new Error(`pass ${id} ended ${pass.status}: ${JSON.stringify(pass)}`);
    if (Date.now() > end) throw new Error(`timed out waiting for pass ${id}: ${JSON.stringify(pass)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The version's ONNX file and metadata, loaded in the test process as the worker loads them. */
export async function loadVersion(
  admin: ApiClient,
  projectId: number,
  versionId: number,
  dir: string,
): Promise<{ model: MaskRcnnModel; onnxPath: string; metadata: ModelMetadata }> {
  const base = `/v1/projects/${projectId}/model-versions/${versionId}`;
  const version = await admin.json<{ metadata: ModelMetadata }>('GET', base);
  const res = await admin.request('GET', `${base}/model.onnx`);
  const onnxPath = path.join(dir, `model-${versionId}.onnx`);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(onnxPath, new Uint8Array(await res.arrayBuffer()));
  return {
    model: await MaskRcnnModel.load(onnxPath, version.metadata),
    onnxPath,
    metadata: version.metadata,
  };
}

export async function imageBytes(admin: ApiClient, projectId: number, imageId: number): Promise<Buffer> {
  const res = await admin.request('GET', `/v1/projects/${projectId}/images/${imageId}/original`);
  return Buffer.from(await res.arrayBuffer());
}

/** Moves all but the first `keep` labelled train images back to the unlabelled pool (their labels stay: hidden truth). */
export async function makePool(admin: ApiClient, projectId: number, keep: number): Promise<number[]> {
  const train = await admin.json<{ data: { id: number }[] }>(
    'GET',
    `/v1/projects/${projectId}/images?split=train&limit=500`,
  );
  const pool = train.data.slice(keep).map((i) => i.id);
  await admin.json('PATCH', `/v1/projects/${projectId}/images`, { ids: pool, poolState: 'unlabeled' });
  return pool;
}

/**
 * The trained version's checkpoint exported again in torchvision's own form (masks pasted inside the
 * graph), as a user's upload would be: by the trainer's `export` command, from the checkpoint blob.
 */
export async function exportFullForm(
  admin: ApiClient,
  projectId: number,
  versionId: number,
  blobDir: string,
  dir: string,
): Promise<string> {
  const version = await admin.json<{ metadata: ModelMetadata; checkpointSha256: string }>(
    'GET',
    `/v1/projects/${projectId}/model-versions/${versionId}`,
  );
  const sha = version.checkpointSha256;
  const out = path.join(dir, `full-${versionId}`);
  await fs.mkdir(out, { recursive: true });
  await fs.writeFile(path.join(out, 'metadata.json'), JSON.stringify(version.metadata));
  const config = loadConfig();
  const onnx = path.join(out, 'model.onnx');
  const checkpoint = path.join(blobDir, sha.slice(0, 2), sha.slice(2, 4), sha);
  await promisify(execFile)(
    config.trainer.python,
    [
      '-m',
      'vlm_loop_trainer',
      'export',
      '--output-dir',
      out,
      '--checkpoint',
      checkpoint,
      '--form',
      'full',
      '--out',
      onnx,
    ],
    { cwd: config.trainer.dir, env: { ...process.env, PYTHONPATH: path.join(config.trainer.dir, 'src') } },
  );
  return onnx;
}
