/**
 * The real Label Studio (PyPI `label-studio`, in a venv of its own, started offline on SQLite) with our
 * ML backend connected: Label Studio's API returns our predictions for its tasks, their brush RLE decodes
 * to our masks, and its "Start training" reaches our webhook, which pulls the annotation as a human label
 * and starts a training job. Slow (installing Label Studio takes minutes the first time, starting it about
 * 30 s), so not in the default suite: `npm run test:label-studio`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brushRleToMask, maskToBrushRle } from '../../src/coco/brush-rle.ts';
import { decode, decompress } from '../../src/coco/coco-rle.ts';
import { trainTinyModel } from '../helpers/passes.ts';
import { freePort } from '../helpers/ports.ts';
import { ensureVenv } from '../helpers/python-venvs.ts';
import { call, startTestServer, type TestServer } from '../helpers/server.ts';
import {
  ensureTrainerEnv,
  type SeededProject,
  seedSynthProject,
  trainingConfig,
} from '../helpers/training.ts';

const TOKEN = 'vlmlooptesttoken0123456789abcdef01234567';
let t: TestServer;
let project: SeededProject;
let projectKey: string;
let categories: { id: number; name: string }[];
let ls: ChildProcess | undefined;
let lsUrl: string;
let lsDir: string;
let lsProject: number;
let taskIds: number[];
const lsLog: string[] = [];

async function lsApi<T = any>(method: string, p: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Token ${TOKEN}` };
  let payload: string | FormData | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${lsUrl}${p}`, { method, headers, body: payload });
  const text = await res.text();
  if (!res.ok) throw new Error(`Label Studio ${method} ${p}: ${res.status} ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function startLabelStudio(): Promise<void> {
  const python = await ensureVenv('label-studio', ['label-studio']);
  const port = await freePort();
  lsUrl = `http://127.0.0.1:${port}`;
  lsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-ls-'));
  ls = spawn(
    path.join(path.dirname(python), 'label-studio'),
    [
      'start',
      '--no-browser',
      '--port',
      String(port),
      '--internal-host',
      '127.0.0.1',
      '--username',
      'e2e@example.com',
      '--password',
      'e2e-password-1',
      '--user-token',
      TOKEN,
      '--enable-legacy-api-token',
    ],
    {
      env: {
        ...process.env,
        LABEL_STUDIO_BASE_DATA_DIR: lsDir,
        // Our backend and Label Studio are both on loopback here.
        ML_BLOCK_LOCAL_IP: 'false',
        SSRF_PROTECTION_ENABLED: 'false',
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (c: Buffer) => lsLog.push(c.toString());
  ls.stdout?.on('data', keep);
  ls.stderr?.on('data', keep);
  // The first start migrates its SQLite database: minutes on a loaded machine.
  const end = Date.now() + 900_000;
  for (;;) {
    try {
      await lsApi('GET', '/api/projects');
      return;
    } catch (err) {
      if (ls.exitCode !== null) throw new Error(`Label Studio exited: ${lsLog.join('').slice(-3000)}`);
      if (Date.now() > end)
        throw new Error(
          `Label Studio did not start: ${(err as Error).message}\n${lsLog.join('').slice(-3000)}`,
        );
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

beforeAll(async () => {
  await ensureTrainerEnv();
  // Private targets allowed: this Label Studio is on loopback.
  t = await startTestServer({ inProcessWorker: true, allowPrivateWebhookTargets: true, ...trainingConfig() });
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 10);
  await trainTinyModel(t.admin, project.id);
  categories = (
    await t.admin.json<{ categories: { id: number; name: string }[] }>('GET', `/v1/projects/${project.id}`)
  ).categories;
  projectKey = (
    await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'ls', projectId: project.id })
  ).key;
  await startLabelStudio();
  const labels = categories.map((c) => `<Label value="${c.name}"/>`).join('');
  const created = await lsApi<{ id: number }>('POST', '/api/projects', {
    title: 'vlm-loop e2e',
    label_config: `<View><Image name="image" value="$image"/><BrushLabels name="tag" toName="image">${labels}</BrushLabels></View>`,
  });
  lsProject = created.id;
  const files = new FormData();
  for (const file of project.files.slice(0, 2))
    files.append(
      'file',
      new Blob([new Uint8Array(await fs.readFile(file))], { type: 'image/png' }),
      path.basename(file),
    );
  await lsApi('POST', `/api/projects/${lsProject}/import`, files);
  const tasks = await lsApi<{ tasks: { id: number }[] } | { id: number }[]>(
    'GET',
    `/api/tasks?project=${lsProject}`,
  );
  taskIds = (Array.isArray(tasks) ? tasks : tasks.tasks).map((task) => task.id).sort((a, b) => a - b);
  await t.admin.json('PUT', `/v1/projects/${project.id}/integrations/label-studio`, {
    url: lsUrl,
    token: TOKEN,
    settings: {
      scoreThreshold: 0,
      training: {
        preset: 'tiny',
        hyper: { maxIterations: 2, batchSize: 2, evalEvery: 1000 },
        warmStart: 'scratch',
      },
    },
  });
}, 1_800_000);

afterAll(async () => {
  if (ls && ls.exitCode === null) {
    ls.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 2000));
    if (ls.exitCode === null) ls.kill('SIGKILL');
  }
  if (lsDir) await fs.rm(lsDir, { recursive: true, force: true });
  await t?.close();
});

describe('Label Studio with our ML backend', () => {
  let mlId: number;

  it('connects: Label Studio calls /health and /setup with Basic auth', async () => {
    const ml = await lsApi<{ id: number; state: string }>('POST', '/api/ml', {
      project: lsProject,
      url: `${t.url}/integrations/label-studio/${project.id}/`,
      title: 'vlm-loop',
      auth_method: 'BASIC_AUTH',
      basic_auth_user: 'label-studio',
      basic_auth_pass: projectKey,
    });
    mlId = ml.id;
    const state = await lsApi<{ state: string; error_message?: string }>('GET', `/api/ml/${mlId}`);
    expect(state.state, JSON.stringify(state)).not.toBe('ER');
  });

  it('returns our predictions for a task through its API, and they decode to our masks', async () => {
    await lsApi('POST', `/api/dm/actions?id=retrieve_tasks_predictions&project=${lsProject}`, {
      selectedItems: { all: true, excluded: [] },
    });
    for (const taskId of taskIds) {
      const task = await lsApi<{ data: { image: string } }>('GET', `/api/tasks/${taskId}`);
      const predictions = await lsApi<{ result: any[]; score: number; model_version: string }[]>(
        'GET',
        `/api/predictions?task=${taskId}`,
      );
      expect(predictions.length, `task ${taskId}: ${lsLog.join('').slice(-2000)}`).toBe(1);
      const [prediction] = predictions;
      // The same image predicted by our own endpoint, at the same threshold.
      const form = new FormData();
      form.set('scoreThreshold', '0');
      form.set('image', new Blob([new Uint8Array(await fs.readFile(fileOf(task.data.image)))]), 'x.png');
      const ours = await call(
        `${t.url}/v1/projects/${project.id}/model-versions/active/predict`,
        projectKey,
        'POST',
        form,
      );
      expect(ours.status).toBe(200);
      expect(prediction.model_version).toBe(`vlm-loop-v${ours.body.modelVersionId}`);
      const known = ours.body.detections.filter((d: { categoryName: string }) =>
        categories.some((c) => c.name === d.categoryName),
      );
      expect(prediction.result.length).toBe(known.length);
      expect(prediction.result.length).toBeGreaterThan(0);
      for (const [k, result] of prediction.result.entries()) {
        expect(result).toMatchObject({ type: 'brushlabels', from_name: 'tag', to_name: 'image' });
        expect(result.value.brushlabels).toEqual([known[k].categoryName]);
        const { width, height } = ours.body;
        const mask = brushRleToMask(result.value.rle, width, height);
        expect(Buffer.from(mask).equals(Buffer.from(decode(decompress(known[k].segmentation))))).toBe(true);
      }
    }
  });

  it('START_TRAINING pulls the annotation as a human label and starts a training job here', async () => {
    const taskId = taskIds[0];
    const task = await lsApi<{ data: { image: string } }>('GET', `/api/tasks/${taskId}`);
    expect(task.data.image).toBeTruthy();
    const before = await t.admin.json<{ data: { id: number }[] }>(
      'GET',
      `/v1/projects/${project.id}/training-jobs`,
    );
    // An annotation drawn in Label Studio: a rectangle as a brush mask.
    const { width, height } = await imageSize(fileOf(task.data.image));
    const mask = new Uint8Array(width * height);
    for (let y = 10; y < 40; y++) mask.fill(1, y * width + 20, y * width + 50);
    await lsApi('POST', `/api/tasks/${taskId}/annotations`, {
      result: [
        {
          from_name: 'tag',
          to_name: 'image',
          type: 'brushlabels',
          original_width: width,
          original_height: height,
          value: {
            format: 'rle',
            rle: maskToBrushRle(mask, width, height),
            brushlabels: [categories[0].name],
          },
        },
      ],
    });
    await lsApi('POST', `/api/ml/${mlId}/train`, {});
    const after = await t.admin.json<{ data: { id: number; status: string }[] }>(
      'GET',
      `/v1/projects/${project.id}/training-jobs`,
    );
    expect(after.data.length, lsLog.join('').slice(-3000)).toBe(before.data.length + 1);
    const labels = await t.admin.json<{
      data: {
        imageId: number;
        source: string;
        categoryId: number;
        segmentation: { size: [number, number]; counts: string };
        provenance: any;
      }[];
    }>('GET', `/v1/projects/${project.id}/labels?source=human`);
    const fromLs = labels.data.filter((l) => l.provenance.labelStudio?.taskId === taskId);
    expect(fromLs.length).toBe(1);
    expect(fromLs[0].categoryId).toBe(categories[0].id);
    expect(Buffer.from(decode(decompress(fromLs[0].segmentation))).equals(Buffer.from(mask))).toBe(true);
  });
});

/** Label Studio keeps an upload as /data/upload/<project>/<hash>-<file name>. */
function fileOf(url: string): string {
  const file = project.files.find((f) => url.endsWith(`-${path.basename(f)}`));
  if (!file) throw new Error(`no file for ${url}`);
  return file;
}

async function imageSize(file: string): Promise<{ width: number; height: number }> {
  const sharp = (await import('sharp')).default;
  const meta = await sharp(file).metadata();
  return { width: meta.width as number, height: meta.height as number };
}
