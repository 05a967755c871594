/** A segm evaluation of detections with boxes also reports box AP, equal to a separate bbox evaluation. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import { seedSynthProject } from '../../helpers/training.ts';

let t: TestServer;
let projectId: number;

beforeAll(async () => {
  t = await startTestServer({ inProcessWorker: false });
  projectId = (await seedSynthProject(t.admin, path.join(t.dataDir, 'synth'), 15)).id;
});
afterAll(() => t?.close());

const evaluate = (body: unknown) =>
  call(`${t.url}/v1/projects/${projectId}/evaluations`, t.adminKey, 'POST', body).then((r) => r.body);

describe('box AP beside mask AP', () => {
  it('comes from the same detections, as a bbox evaluation of them scores', async () => {
    const gt = (await call(`${t.url}/v1/projects/${projectId}/coco-export?split=test`, t.adminKey, 'GET'))
      .body as { annotations: any[] };
    // Every other instance found, boxes shifted by a pixel: neither AP is 0 or 1.
    const results = gt.annotations
      .filter((_, i) => i % 2 === 0)
      .map((a, i) => ({
        image_id: a.image_id,
        category_id: a.category_id,
        score: 1 - i / 100,
        segmentation: a.segmentation,
        bbox: [a.bbox[0] + 1, a.bbox[1], a.bbox[2], a.bbox[3]],
      }));
    const segm = await evaluate({ split: 'test', results });
    const bbox = await evaluate({ split: 'test', iouType: 'bbox', results });
    expect(segm.status).toBe('completed');
    expect(segm.result.bbox.stats).toEqual(bbox.result.stats);
    expect(segm.result.bbox.perCategory).toEqual(bbox.result.perCategory);
    expect(segm.result.bbox.stats[0]).toBeGreaterThan(0);
    expect(segm.result.bbox.stats[0]).not.toBe(segm.result.stats[0]);
    expect(bbox.result.bbox).toBeUndefined();
    // Results without boxes: no box AP (a mask's box is not the detector's box).
    const masksOnly = await evaluate({
      split: 'test',
      results: results.map(({ bbox: _, ...r }) => r),
    });
    expect(masksOnly.result.bbox).toBeUndefined();
  });
});
