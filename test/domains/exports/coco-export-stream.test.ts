import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, jpeg } from '../../helpers/images.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;
let projectId: number;
beforeAll(async () => {
  t = await startTestServer();
  const project = await t.admin.json<{ id: number; categories: { id: number }[] }>('POST', '/v1/projects', {
    name: 'E',
    categories: [{ name: 'a' }, { name: 'b' }],
  });
  projectId = project.id;
  const files = await Promise.all(
    Array.from({ length: 7 }, async (_, i) => ({ name: `${i}.jpg`, bytes: await jpeg(16, 12, i + 1) })),
  );
  const up = await call(`${t.url}/v1/projects/${projectId}/images`, t.adminKey, 'POST', form(files));
  for (const [i, image] of up.body.data.entries())
    await t.server.ctx.services.labels.create(
      projectId,
      image.id,
      Array.from({ length: i % 3 }, (_, k) => ({
        categoryId: project.categories[k % 2].id,
        segmentation: [[1 + k, 1, 8, 1, 8, 8, 1 + k, 8]],
      })),
    );
});
afterAll(() => t?.close());

/** The export with its one moving part, the creation date, fixed. */
const normalised = (text: string) => text.replace(/"date_created":"[^"]+"/, '"date_created":"X"');

async function serviceExport(batch?: { images: number; labels: number }): Promise<string> {
  let text = '';
  for await (const chunk of t.server.ctx.services.coco.export(projectId, {}, batch)) text += chunk;
  return normalised(text);
}

describe('the streamed COCO export', () => {
  it('writes the same bytes whatever the batch size', async () => {
    const whole = await serviceExport();
    for (const batch of [
      { images: 1, labels: 1 },
      { images: 2, labels: 3 },
      { images: 7, labels: 5 },
    ])
      expect(await serviceExport(batch)).toBe(whole);
    const parsed = JSON.parse(whole);
    expect(parsed.images).toHaveLength(7);
    expect(parsed.annotations).toHaveLength(0 + 1 + 2 + 0 + 1 + 2 + 0);
    expect(parsed.annotations.map((a: { id: number }) => a.id)).toEqual(
      [...parsed.annotations.map((a: { id: number }) => a.id)].sort((x: number, y: number) => x - y),
    );
  });

  it('sends over HTTP exactly the bytes the service writes', async () => {
    const res = await fetch(`${t.url}/v1/projects/${projectId}/coco-export`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(res.status).toBe(200);
    expect(normalised(await res.text())).toBe(await serviceExport());
  });
});
