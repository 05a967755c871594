/**
 * The CVAT detector function (docker/cvat: function.yaml + main.py) called as CVAT calls it: nuclio's
 * own test platform (nuclio-sdk) runs init_context and the handler with CVAT's JSON body, a base64
 * image and a threshold, against the real server's synchronous predict with a tiny model trained here.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, decompress } from '../../src/coco/coco-rle.ts';
import { fromCvatDetectorMask, toCvatDetectorMask } from '../../src/coco/cvat-mask.ts';
import { trainTinyModel } from '../helpers/passes.ts';
import { call, startTestServer, type TestServer } from '../helpers/server.ts';
import { ensureTestPython, TEST_PYTHON } from '../helpers/test-python.ts';
import {
  ensureTrainerEnv,
  type SeededProject,
  seedSynthProject,
  trainingConfig,
} from '../helpers/training.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let t: TestServer;
let project: SeededProject;
let versionId: number;
let projectKey: string;
let image: Buffer;

interface Detection {
  categoryName: string;
  score: number;
  segmentation: { size: [number, number]; counts: string };
}
interface CvatShape {
  confidence: string;
  label: string;
  type: string;
  mask: number[];
  points: number[];
}

/** Runs the handler once with CVAT's body; answers nuclio's response. */
async function callDetector(body: unknown, env: Record<string, string> = {}) {
  const out = path.join(t.dataDir, `detector-${Math.random().toString(36).slice(2)}.json`);
  const child = execFile(
    TEST_PYTHON,
    [path.join(ROOT, 'test/python/call_cvat_detector.py'), path.join(ROOT, 'docker/cvat'), out],
    {
      env: {
        ...process.env,
        VLM_LOOP_URL: t.url,
        VLM_LOOP_PROJECT_ID: String(project.id),
        VLM_LOOP_MODEL_VERSION: String(versionId),
        VLM_LOOP_API_KEY: projectKey,
        ...env,
      },
      maxBuffer: 16 << 20,
    },
  );
  child.stdin?.end(JSON.stringify(body));
  await new Promise<void>((resolve, reject) =>
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`detector driver exited ${code}`)),
    ),
  );
  return JSON.parse(await fs.readFile(out, 'utf8')) as {
    status: number;
    contentType: string;
    body: CvatShape[] & { error?: string; detail?: string };
  };
}

async function predict(threshold: number): Promise<Detection[]> {
  const form = new FormData();
  form.set('scoreThreshold', String(threshold));
  form.set('image', new Blob([new Uint8Array(image)]), 'frame');
  const res = await call(
    `${t.url}/v1/projects/${project.id}/model-versions/${versionId}/predict`,
    projectKey,
    'POST',
    form,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.detections;
}

beforeAll(async () => {
  await Promise.all([ensureTrainerEnv(), ensureTestPython()]);
  t = await startTestServer({ inProcessWorker: true, ...trainingConfig() });
  project = await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 10);
  versionId = await trainTinyModel(t.admin, project.id);
  projectKey = (
    await t.admin.json<{ key: string }>('POST', '/v1/api-keys', {
      name: 'cvat function',
      projectId: project.id,
    })
  ).key;
  image = await fs.readFile(project.files[0]);
}, 900_000);
afterAll(() => t?.close());

describe('CVAT detector function (nuclio)', () => {
  it("answers CVAT's mask shapes for a base64 image: the predict's detections, each mask as its tight crop", async () => {
    const res = await callDetector({ image: image.toString('base64'), threshold: 0 });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    const detections = await predict(0);
    expect(detections.length).toBeGreaterThan(0);
    const expected = detections.flatMap((d) => {
      const [h, w] = d.segmentation.size;
      const mask = toCvatDetectorMask(decode(decompress(d.segmentation)), w, h);
      return mask ? [{ d, mask }] : [];
    });
    expect(res.body).toHaveLength(expected.length);
    res.body.forEach((shape: CvatShape, i: number) => {
      const { d, mask } = expected[i];
      expect(shape).toEqual({
        confidence: expect.any(String),
        label: d.categoryName,
        type: 'mask',
        mask,
        points: expect.any(Array),
      });
      expect(Number(shape.confidence)).toBeCloseTo(d.score, 6);
      const [x1, y1, x2, y2] = mask.slice(-4);
      expect(shape.points).toEqual([x1, y1, x2, y1, x2, y2, x1, y2]);
      // The crop decodes back to the detection's whole mask.
      const [h, w] = d.segmentation.size;
      expect(
        Buffer.from(fromCvatDetectorMask(shape.mask, w, h)).equals(
          Buffer.from(decode(decompress(d.segmentation))),
        ),
      ).toBe(true);
    });
  });

  it("applies CVAT's threshold", async () => {
    const all = await callDetector({ image: image.toString('base64'), threshold: 0 });
    const top = Math.max(...all.body.map((s: CvatShape) => Number(s.confidence)));
    const res = await callDetector({ image: image.toString('base64'), threshold: top });
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(0);
    expect(res.body.length).toBeLessThanOrEqual(all.body.length);
    for (const s of res.body) expect(Number(s.confidence)).toBeGreaterThanOrEqual(top - 1e-9);
  });

  it("passes vlm-loop's refusal on as a 502 with its detail (a key of another project)", async () => {
    const other = await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'other' });
    const key = (
      await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'o', projectId: other.id })
    ).key;
    const res = await callDetector(
      { image: image.toString('base64'), threshold: 0.5 },
      { VLM_LOOP_API_KEY: key },
    );
    expect(res.status).toBe(502);
    expect(res.body.error).toMatch(/answered 403/);
    expect(res.body.detail).toMatch(/scoped to project/);
  });
});
