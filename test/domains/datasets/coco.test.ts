import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compress, decode, decompress, encode, fromCocoSegmentation } from '../../../src/coco/coco-rle.ts';
import { form, jpeg } from '../../helpers/images.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

async function newProject(name: string, categories = ['cat', 'dog']) {
  return t.admin.json<{ id: number; categories: { id: number; name: string }[] }>('POST', '/v1/projects', {
    name,
    categories: categories.map((n) => ({ name: n })),
  });
}

const W = 40;
const H = 30;
/** Uncompressed RLE (column-major) of a mask: a rectangle from rows 3..9, columns 5..14. */
function rectRle(): { size: [number, number]; counts: number[] } {
  const counts: number[] = [];
  let run = 0;
  let value = 0;
  for (let x = 0; x < W; x++)
    for (let y = 0; y < H; y++) {
      const v = x >= 5 && x < 15 && y >= 3 && y < 10 ? 1 : 0;
      if (v !== value) {
        counts.push(run);
        run = 0;
        value = v;
      }
      run++;
    }
  counts.push(run);
  return { size: [H, W], counts };
}

/** A row-major disc mask, compressed by our encoder for the compressed-RLE case. */
function disc(): Uint8Array {
  const mask = new Uint8Array(H * W);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) mask[y * W + x] = (x - 25) ** 2 + (y - 15) ** 2 < 64 ? 1 : 0;
  return mask;
}

function cocoFile() {
  return {
    images: [
      { id: 10, file_name: 'one.jpg', width: W, height: H },
      { id: 11, file_name: 'two.jpg', width: W, height: H },
    ],
    categories: [
      { id: 1, name: 'cat' },
      { id: 2, name: 'dog' },
    ],
    annotations: [
      { id: 100, image_id: 10, category_id: 1, iscrowd: 0, segmentation: [[2.5, 3, 20.2, 4.7, 12, 25.5]] },
      { id: 101, image_id: 10, category_id: 2, iscrowd: 1, segmentation: rectRle() },
      {
        id: 102,
        image_id: 11,
        category_id: 2,
        iscrowd: 0,
        segmentation: compress(encode(disc(), H, W)),
      },
      {
        id: 103,
        image_id: 11,
        category_id: 1,
        iscrowd: 0,
        segmentation: [
          [0, 0, 39, 0, 39, 5, 0, 5],
          [30, 20, 39, 20, 35, 29],
        ],
      },
    ],
  };
}

describe('COCO import and export', () => {
  it('round-trips polygon, RLE and crowd annotations pixel for pixel', async () => {
    const p = await newProject('roundtrip');
    const fd = form([
      { name: 'one.jpg', bytes: await jpeg(W, H, 1) },
      { name: 'two.jpg', bytes: await jpeg(W, H, 2) },
    ]);
    const source = cocoFile();
    fd.append('annotations', new Blob([JSON.stringify(source)], { type: 'application/json' }), 'coco.json');
    const imported = await call(`${t.url}/v1/projects/${p.id}/coco-imports`, t.adminKey, 'POST', fd);
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({
      images: 2,
      annotations: 4,
      categoriesCreated: [],
      replacedLabels: 0,
    });

    const exported = await call(`${t.url}/v1/projects/${p.id}/coco-export`, t.adminKey, 'GET');
    expect(exported.status).toBe(200);
    const out = exported.body;
    expect(out.images.map((i: any) => i.file_name)).toEqual(['one.jpg', 'two.jpg']);
    expect(out.categories.map((c: any) => c.name)).toEqual(['cat', 'dog']);
    expect(out.annotations).toHaveLength(4);
    const nameOfImage = new Map(out.images.map((i: any) => [i.id, i.file_name]));
    const nameOfCat = new Map(out.categories.map((c: any) => [c.id, c.name]));
    source.annotations.forEach((original, i) => {
      const got = out.annotations[i];
      expect(nameOfImage.get(got.image_id)).toBe(original.image_id === 10 ? 'one.jpg' : 'two.jpg');
      expect(nameOfCat.get(got.category_id)).toBe(original.category_id === 1 ? 'cat' : 'dog');
      expect(got.iscrowd).toBe(original.iscrowd);
      expect(typeof got.segmentation.counts).toBe('string');
      const want = decode(fromCocoSegmentation(original.segmentation, H, W, 'x'));
      const have = decode(decompress(got.segmentation));
      expect(Buffer.from(have).equals(Buffer.from(want))).toBe(true);
      expect(got.area).toBe(want.reduce((a, b) => a + b, 0));
    });

    const labeled = await call(`${t.url}/v1/projects/${p.id}/images?poolState=labeled`, t.adminKey, 'GET');
    expect(labeled.body.data).toHaveLength(2);
    const bySource = await call(`${t.url}/v1/projects/${p.id}/images?labelSource=import`, t.adminKey, 'GET');
    expect(bySource.body.data).toHaveLength(2);
  });

  it('replaces its own labels when the same import is retried', async () => {
    const p = await newProject('retry');
    await t.admin.uploadImages(p.id, []);
    const fd = form([
      { name: 'one.jpg', bytes: await jpeg(W, H, 3) },
      { name: 'two.jpg', bytes: await jpeg(W, H, 4) },
    ]);
    await call(`${t.url}/v1/projects/${p.id}/images`, t.adminKey, 'POST', fd);
    const first = await call(`${t.url}/v1/projects/${p.id}/coco-imports`, t.adminKey, 'POST', cocoFile());
    const again = await call(`${t.url}/v1/projects/${p.id}/coco-imports`, t.adminKey, 'POST', cocoFile());
    expect(first.status).toBe(201);
    expect(again.body).toMatchObject({ annotations: 4, replacedLabels: 4 });
    const labels = await call(`${t.url}/v1/projects/${p.id}/labels?limit=100`, t.adminKey, 'GET');
    expect(labels.body.data).toHaveLength(4);
  });

  it('refreshes the planner statistics after a bulk import, so keyset pages are planned on real sizes', async () => {
    const pool = t.server.ctx.database.pool;
    const lastAnalyze = async () =>
      (await pool.query(`select last_analyze from pg_stat_user_tables where relname = 'labels'`)).rows[0]
        ?.last_analyze as Date | null;
    const p = await newProject('bulk');
    const fd = form([
      { name: 'one.jpg', bytes: await jpeg(W, H, 5) },
      { name: 'two.jpg', bytes: await jpeg(W, H, 6) },
    ]);
    await call(`${t.url}/v1/projects/${p.id}/images`, t.adminKey, 'POST', fd);
    const before = await lastAnalyze();
    // A small import leaves the statistics to autovacuum.
    expect(
      (await call(`${t.url}/v1/projects/${p.id}/coco-imports`, t.adminKey, 'POST', cocoFile())).status,
    ).toBe(201);
    expect(await lastAnalyze()).toEqual(before);
    const bulk = cocoFile();
    bulk.annotations = Array.from({ length: 5000 }, (_, i) => ({
      id: 1000 + i,
      image_id: 10 + (i % 2),
      category_id: 1,
      iscrowd: 0,
      segmentation: [[1, 1, 10, 1, 10, 8]],
    })) as ReturnType<typeof cocoFile>['annotations'];
    const imported = await call(`${t.url}/v1/projects/${p.id}/coco-imports`, t.adminKey, 'POST', bulk);
    expect(imported.body).toMatchObject({ annotations: 5000 });
    const after = await lastAnalyze();
    expect(after).not.toBeNull();
    expect(after).not.toEqual(before);
  });

  const badImports: [string, (f: ReturnType<typeof cocoFile>) => unknown, string, string?][] = [
    ['not an object', () => [1, 2, 3], '$'],
    [
      'an unknown category',
      (f) => ({ ...f, categories: [...f.categories, { id: 3, name: 'zebra' }] }),
      '$.categories[2].name',
    ],
    [
      'a category id missing from categories',
      (f) => ({ ...f, annotations: [...f.annotations, { ...f.annotations[0], category_id: 9 }] }),
      '$.annotations[4].category_id',
    ],
    [
      'a mask whose size does not match its image',
      (f) => ({
        ...f,
        annotations: [{ ...f.annotations[1], segmentation: { size: [H + 1, W], counts: [0, H * W + W] } }],
      }),
      '$.annotations[0].segmentation',
    ],
    [
      'an unknown file name',
      (f) => ({ ...f, images: [...f.images, { id: 12, file_name: 'nope.jpg' }] }),
      '$.images[2].file_name',
    ],
    [
      'a bad polygon',
      (f) => ({ ...f, annotations: [{ ...f.annotations[0], segmentation: [['a', 'b']] }] }),
      '$.annotations[0].segmentation',
    ],
    [
      'a duplicate annotation id',
      (f) => ({ ...f, annotations: [...f.annotations, { ...f.annotations[2], id: 100 }] }),
      '$.annotations[4].id',
    ],
    [
      'one category id with two names',
      (f) => ({ ...f, categories: [...f.categories, { id: 2, name: 'cat' }] }),
      '$.categories[2].id',
    ],
    [
      'a category name longer than REST allows',
      (f) => ({ ...f, categories: [f.categories[0], { id: 2, name: 'd'.repeat(201) }] }),
      '$.categories[1].name',
      '?createCategories=true',
    ],
    [
      'a supercategory longer than REST allows',
      (f) => ({
        ...f,
        categories: [f.categories[0], { ...f.categories[1], supercategory: 's'.repeat(201) }],
      }),
      '$.categories[1].supercategory',
    ],
    [
      'a second COCO file hidden in info',
      (f) => ({ ...f, info: { description: 'x', hidden: { ...f, pad: 'p'.repeat(70_000) } } }),
      '$.info',
    ],
  ];
  for (const [label, mutate, path, query = '?createCategories=false'] of badImports) {
    it(`rejects ${label} naming ${path}, leaving no trace`, async () => {
      const p = await newProject(`bad-${label}`);
      const fd = form([
        { name: 'one.jpg', bytes: await jpeg(W, H, 5) },
        { name: 'two.jpg', bytes: await jpeg(W, H, 6) },
      ]);
      await call(`${t.url}/v1/projects/${p.id}/images`, t.adminKey, 'POST', fd);
      await call(`${t.url}/v1/projects/${p.id}/coco-imports`, t.adminKey, 'POST', cocoFile());
      const before = await call(`${t.url}/v1/projects/${p.id}/coco-export`, t.adminKey, 'GET');
      const res = await call(
        `${t.url}/v1/projects/${p.id}/coco-imports${query}`,
        t.adminKey,
        'POST',
        mutate(cocoFile()),
      );
      expect(res.status).toBe(422);
      expect(res.type).toContain('application/problem+json');
      expect(res.body.errors.some((e: any) => e.name.startsWith(path))).toBe(true);
      const after = await call(`${t.url}/v1/projects/${p.id}/coco-export`, t.adminKey, 'GET');
      expect(after.body.annotations).toEqual(before.body.annotations);
      expect(after.body.categories).toEqual(before.body.categories);
    });
  }

  const postRaw = (projectId: number, text: string, query = '') =>
    fetch(`${t.url}/v1/projects/${projectId}/coco-imports${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      body: text,
    }).then(async (r) => ({
      status: r.status,
      type: r.headers.get('content-type') ?? '',
      body: (await r.json()) as any,
    }));

  it('refuses an id nested 5,000 deep with a 422 naming where, not a stack overflow', async () => {
    const p = await newProject('deep');
    await call(
      `${t.url}/v1/projects/${p.id}/images`,
      t.adminKey,
      'POST',
      form([{ name: 'one.jpg', bytes: await jpeg(W, H, 11) }]),
    );
    const deep = `${'['.repeat(5000)}10${']'.repeat(5000)}`;
    const file = {
      ...cocoFile(),
      images: [cocoFile().images[0]],
      annotations: [{ ...cocoFile().annotations[0], image_id: '@' }],
    };
    const text = JSON.stringify(file).replace('"@"', deep);
    // As a JSON body, the HTTP layer refuses the nesting before parsing it.
    const asBody = await postRaw(p.id, text);
    expect(asBody.status).toBe(400);
    expect(asBody.body.errors[0].name).toBe('body');
    // As a multipart file part, the COCO reader refuses it and says where.
    const fd = new FormData();
    fd.append('annotations', new Blob([text]), 'coco.json');
    const res = await call(`${t.url}/v1/projects/${p.id}/coco-imports`, t.adminKey, 'POST', fd);
    expect(res.status).toBe(422);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.errors[0].name).toMatch(/^\$\.annotations\[0\]\.image_id(\[0\])+$/);
    const labels = await call(`${t.url}/v1/projects/${p.id}/labels`, t.adminKey, 'GET');
    expect(labels.body.data).toHaveLength(0);
  });

  it('refuses two new categories of one name with createCategories, creating neither', async () => {
    const p = await newProject('same-name', []);
    const file = { ...cocoFile(), images: [], annotations: [] };
    file.categories.push({ id: 3, name: 'cat' });
    const res = await postRaw(p.id, JSON.stringify(file), '?createCategories=true');
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      { name: '$.categories[2].name', detail: '"cat" is also $.categories[0].name' },
    ]);
    const project = await call(`${t.url}/v1/projects/${p.id}`, t.adminKey, 'GET');
    expect(project.body.categories).toEqual([]);
  });

  it('says precisely how a width or height differs from the uploaded image', async () => {
    const p = await newProject('sizes');
    await call(
      `${t.url}/v1/projects/${p.id}/images`,
      t.adminKey,
      'POST',
      form([{ name: 'one.jpg', bytes: await jpeg(W, H, 12) }]),
    );
    const file = {
      ...cocoFile(),
      images: [{ id: 10, file_name: 'one.jpg', width: W + 0.5, height: String(H) }],
      annotations: [],
    };
    const res = await postRaw(p.id, JSON.stringify(file));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      {
        name: '$.images[0].width',
        detail: `must be the number ${W}, the width of the uploaded image "one.jpg"; got ${W + 0.5}`,
      },
      {
        name: '$.images[0].height',
        detail: `must be the number ${H}, the height of the uploaded image "one.jpg"; got the string "${H}"`,
      },
    ]);
  });

  it('looks file_name up as uploads are stored, so control and bidi characters neither 5xx nor miss', async () => {
    const p = await newProject('odd-names');
    const fd = form([
      { name: 'one\u202e.jpg', bytes: await jpeg(W, H, 13) },
      { name: 'two.jpg', bytes: await jpeg(W, H, 14) },
    ]);
    const file = cocoFile();
    file.images[0].file_name = 'one\u202e.jpg'; // as the client named the file it sent
    file.images[1].file_name = 'tw\u0000o.jpg'; // PostgreSQL cannot even compare a NUL
    fd.append('annotations', new Blob([JSON.stringify(file)]), 'coco.json');
    const res = await call(`${t.url}/v1/projects/${p.id}/coco-imports`, t.adminKey, 'POST', fd);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ images: 2, annotations: 4 });
    const images = await call(`${t.url}/v1/projects/${p.id}/images`, t.adminKey, 'GET');
    expect(images.body.data.map((i: any) => i.fileName)).toEqual(['one.jpg', 'two.jpg']);
  });

  it('rejects a multipart import whose images are bad without storing any of them', async () => {
    const p = await newProject('bad-multipart');
    const fd = form([
      { name: 'one.jpg', bytes: await jpeg(W, H, 7) },
      { name: 'two.jpg', bytes: Buffer.from('not an image') },
    ]);
    fd.append('annotations', new Blob([JSON.stringify(cocoFile())]), 'coco.json');
    const res = await call(`${t.url}/v1/projects/${p.id}/coco-imports`, t.adminKey, 'POST', fd);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].name).toBe('files[1]');
    const images = await call(`${t.url}/v1/projects/${p.id}/images`, t.adminKey, 'GET');
    expect(images.body.data).toHaveLength(0);
  });

  it('keeps no blob of the images sent with an import it refuses for its annotations', async () => {
    const p = await newProject('refused-annotations');
    const fd = form([
      { name: 'one.jpg', bytes: await jpeg(W, H, 21) },
      { name: 'two.jpg', bytes: await jpeg(W, H, 22) },
    ]);
    const file = cocoFile();
    file.annotations[0].category_id = 999; // not a category of the file
    fd.append('annotations', new Blob([JSON.stringify(file)]), 'coco.json');
    const blobsBefore = await blobFiles(path.join(t.dataDir, 'blobs'));
    const res = await call(`${t.url}/v1/projects/${p.id}/coco-imports`, t.adminKey, 'POST', fd);
    expect(res.status).toBe(422);
    expect(await blobFiles(path.join(t.dataDir, 'blobs'))).toEqual(blobsBefore);
  });

  it('creates missing categories when asked and filters the export by split and source', async () => {
    const p = await newProject('create', []);
    const fd = form([
      { name: 'one.jpg', bytes: await jpeg(W, H, 8) },
      { name: 'two.jpg', bytes: await jpeg(W, H, 9) },
    ]);
    const file = cocoFile();
    (file.images[1] as Record<string, unknown>).split = 'test';
    fd.append('annotations', new Blob([JSON.stringify(file)]), 'coco.json');
    const res = await call(
      `${t.url}/v1/projects/${p.id}/coco-imports?createCategories=true`,
      t.adminKey,
      'POST',
      fd,
    );
    expect(res.body.categoriesCreated).toEqual(['cat', 'dog']);
    const test = await call(`${t.url}/v1/projects/${p.id}/coco-export?split=test`, t.adminKey, 'GET');
    expect(test.body.images.map((i: any) => i.file_name)).toEqual(['two.jpg']);
    expect(test.body.annotations).toHaveLength(2);
    const human = await call(`${t.url}/v1/projects/${p.id}/coco-export?source=human`, t.adminKey, 'GET');
    expect(human.body.annotations).toHaveLength(0);
  });
});

describe('COCO import size cap', () => {
  it('refuses a COCO body past VLM_LOOP_MAX_COCO_BYTES as JSON and as a multipart part, with 413 problem+json', async () => {
    const small = await startTestServer({ coco: { maxBytes: 4096 } });
    try {
      const p = await small.admin.json<{ id: number }>('POST', '/v1/projects', {
        name: 'cap',
        categories: [],
      });
      const big = { ...cocoFile(), info: { description: 'x'.repeat(5000) } };
      const url = `${small.url}/v1/projects/${p.id}/coco-imports`;
      const json = await call(url, small.adminKey, 'POST', big);
      expect(json.status).toBe(413);
      expect(json.type).toContain('application/problem+json');
      const fd = new FormData();
      fd.append('annotations', new Blob([JSON.stringify(big)]), 'coco.json');
      const multipart = await call(url, small.adminKey, 'POST', fd);
      expect(multipart.status).toBe(413);
      expect(multipart.body.errors).toEqual([{ name: 'annotations', detail: 'larger than 4096 bytes' }]);
      const fits = await call(url, small.adminKey, 'POST', { ...cocoFile(), images: [], annotations: [] });
      expect(fits.status).toBe(422); // within the cap; refused only because project 'cap' has no categories
    } finally {
      await small.close();
    }
  });
});

/** Every stored blob (staged files under tmp/ excluded). */
async function blobFiles(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && !path.relative(root, e.parentPath).startsWith('tmp'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
