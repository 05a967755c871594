import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, jpeg, png, pngDeclaring } from '../../helpers/images.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;
let projectId: number;
const upload = (fd: FormData, query = '', pid = projectId) =>
  call(`${t.url}/v1/projects/${pid}/images${query}`, t.adminKey, 'POST', fd);
const imageCount = async () =>
  (await call(`${t.url}/v1/projects/${projectId}/images?limit=500`, t.adminKey, 'GET')).body.data.length;

beforeAll(async () => {
  t = await startTestServer();
  projectId = (
    await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'imgs', categories: [{ name: 'a' }] })
  ).id;
});
afterAll(() => t?.close());

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
const tmpFiles = () => filesUnder(path.join(t.dataDir, 'blobs', 'tmp'));
const storedBlobs = async () => {
  const root = path.join(t.dataDir, 'blobs');
  return (await filesUnder(root))
    .filter((f) => !path.relative(root, f).startsWith(`tmp${path.sep}`))
    .map((f) => path.basename(f));
};
async function allShas(): Promise<string[]> {
  const projects = await call(`${t.url}/v1/projects?limit=100`, t.adminKey, 'GET');
  const shas = new Set<string>();
  for (const p of projects.body.data) {
    const res = await call(`${t.url}/v1/projects/${p.id}/images?limit=500`, t.adminKey, 'GET');
    for (const i of res.body.data) shas.add(i.sha256);
  }
  return [...shas];
}
async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 25)))
    if (await check()) return;
}

describe('image upload', () => {
  it('stores many files from one multipart request, with their decoded sizes', async () => {
    const files = [
      { name: 'a.jpg', bytes: await jpeg(64, 48, 1) },
      { name: 'b.png', bytes: await png(30, 20, 2) },
      {
        name: 'c.webp',
        bytes: await (await import('sharp'))
          .default(await jpeg(16, 8, 3))
          .webp()
          .toBuffer(),
      },
    ];
    const res = await upload(form(files), '?split=val');
    expect(res.status).toBe(201);
    expect(res.body.created).toBe(3);
    expect(
      res.body.data.map((i: any) => [i.fileName, i.width, i.height, i.mimeType, i.split, i.poolState]),
    ).toEqual([
      ['a.jpg', 64, 48, 'image/jpeg', 'val', 'unlabeled'],
      ['b.png', 30, 20, 'image/png', 'val', 'unlabeled'],
      ['c.webp', 16, 8, 'image/webp', 'val', 'unlabeled'],
    ]);
    const original = await fetch(`${t.url}/v1/projects/${projectId}/images/${res.body.data[0].id}/original`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(original.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await original.arrayBuffer()).equals(files[0].bytes)).toBe(true);
  });

  it('deduplicates by content and makes a retried upload harmless', async () => {
    const bytes = await jpeg(40, 40, 7);
    const first = await upload(form([{ name: 'x.jpg', bytes }]));
    const before = await imageCount();
    const retry = await upload(
      form([
        { name: 'x-again.jpg', bytes },
        { name: 'x-third.jpg', bytes },
      ]),
    );
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ created: 0, existing: 2 });
    expect(retry.body.data.map((i: any) => i.id)).toEqual([first.body.data[0].id, first.body.data[0].id]);
    expect(retry.body.data[0].duplicate).toBe(true);
    expect(await imageCount()).toBe(before);
  });

  it('records the display size of an EXIF-rotated JPEG', async () => {
    const sharp = (await import('sharp')).default;
    const rotated = await sharp(await jpeg(60, 20, 9))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const res = await upload(form([{ name: 'rot.jpg', bytes: rotated }]));
    expect(res.body.data[0]).toMatchObject({ width: 20, height: 60 });
  });

  const badCases: [string, () => Promise<Buffer>, RegExp][] = [
    [
      'truncated JPEG',
      async () => (await jpeg(200, 150, 4)).subarray(0, 600),
      /does not decode|not a decodable/,
    ],
    ['text file named .png', async () => Buffer.from('hello, I am not an image\n'), /not a decodable image/],
    ['zero bytes', async () => Buffer.alloc(0), /empty/],
    ['PNG declaring 50,000 x 50,000 pixels', async () => pngDeclaring(50_000, 50_000), /50000x50000/],
    [
      'PNG whose IHDR CRC is wrong',
      async () => {
        const bytes = Buffer.from(await png(12, 12, 5));
        bytes[29] ^= 0xff; // the first byte of IHDR's CRC
        return bytes;
      },
      /IHDR chunk fails its CRC/,
    ],
  ];
  for (const [label, make, reason] of badCases) {
    it(`rejects a ${label} with problem+json naming the file, storing nothing of the request`, async () => {
      const before = await imageCount();
      const good = await jpeg(10, 10, Math.floor(Math.random() * 1e6));
      const res = await upload(
        form([
          { name: 'good.jpg', bytes: good },
          { name: 'bad.png', bytes: await make() },
        ]),
      );
      expect(res.status).toBe(422);
      expect(res.type).toContain('application/problem+json');
      expect(res.body.errors).toEqual([{ name: 'files[1]', detail: expect.stringMatching(reason) }]);
      expect(await imageCount()).toBe(before);
    });
  }

  it('strips control and bidi characters from file names and caps their length, keeping the extension', async () => {
    const long = `${'n'.repeat(300)}.jpeg`;
    const res = await upload(
      form([
        { name: 'nul\u0000in\tname.jpg', bytes: await jpeg(9, 9, 21) },
        { name: 'invoice\u202egpj\u2066\u200f.exe.png', bytes: await png(9, 9, 22) },
        { name: long, bytes: await jpeg(9, 9, 23) },
      ]),
    );
    expect(res.status).toBe(201);
    const names = res.body.data.map((i: any) => i.fileName);
    expect(names.slice(0, 2)).toEqual(['nulinname.jpg', 'invoicegpj.exe.png']);
    expect(names[2]).toHaveLength(255);
    expect(names[2]).toBe(`${'n'.repeat(250)}.jpeg`);
    // Every stored blob belongs to a row: the refused NUL name used to leave its blob behind.
    expect((await storedBlobs()).sort()).toEqual((await allShas()).sort());
  });

  it('answers multipart without a boundary with 415 problem+json naming content-type', async () => {
    const res = await fetch(`${t.url}/v1/projects/${projectId}/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'multipart/form-data' },
      body: 'no parts can be found in this',
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as any).errors[0].name).toBe('content-type');
  });

  it('removes the staged file of an upload whose client goes away mid-file, storing nothing', async () => {
    const before = await imageCount();
    const blobsBefore = await storedBlobs();
    const socket = net.connect(Number(new URL(t.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const head = [
      `POST /v1/projects/${projectId}/images HTTP/1.1`,
      'host: localhost',
      `authorization: Bearer ${t.adminKey}`,
      'content-type: multipart/form-data; boundary=xyz',
      'content-length: 10000000',
      '',
      '--xyz',
      'content-disposition: form-data; name="files"; filename="half.jpg"',
      'content-type: image/jpeg',
      '',
      '',
    ].join('\r\n');
    socket.write(head);
    socket.write(Buffer.alloc(200_000, 7));
    await waitFor(async () => (await tmpFiles()).length > 0);
    socket.destroy();
    await waitFor(async () => (await tmpFiles()).length === 0);
    expect(await tmpFiles()).toEqual([]);
    expect(await imageCount()).toBe(before);
    expect(await storedBlobs()).toEqual(blobsBefore);
  });

  it('answers a body that ends without its closing boundary with 422, keeping no staged file', async () => {
    const before = await imageCount();
    const body = Buffer.concat([
      Buffer.from(
        '--xyz\r\ncontent-disposition: form-data; name="files"; filename="half.jpg"\r\n' +
          'content-type: image/jpeg\r\n\r\n',
      ),
      await jpeg(30, 30, 31),
    ]);
    const res = await fetch(`${t.url}/v1/projects/${projectId}/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'multipart/form-data; boundary=xyz' },
      body,
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as any).errors[0].name).toBe('files[0]');
    expect(await tmpFiles()).toEqual([]);
    expect(await imageCount()).toBe(before);
  });

  it('rejects a request without a file field', async () => {
    const fd = new FormData();
    fd.append('note', 'no files here');
    const res = await upload(fd);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].name).toBe('files');
  });

  it('rejects a non-multipart body and an unknown project', async () => {
    const json = await call(`${t.url}/v1/projects/${projectId}/images`, t.adminKey, 'POST', { files: [] });
    expect(json.status).toBe(415);
    const unknown = await upload(form([{ name: 'a.jpg', bytes: await jpeg(8, 8) }]), '', 999_999);
    expect(unknown.status).toBe(404);
    expect(unknown.type).toContain('application/problem+json');
  });

  it('rejects a bad query value naming the field', async () => {
    const res = await upload(form([{ name: 'a.jpg', bytes: await jpeg(8, 8) }]), '?split=holdout');
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.name)).toContain('split');
  });
});

describe('image listing and bulk updates', () => {
  it('pages with a cursor, filters, and updates split and pool state in bulk', async () => {
    const p = (await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'paging' })).id;
    const files = await Promise.all(
      Array.from({ length: 7 }, async (_, i) => ({ name: `${i}.jpg`, bytes: await jpeg(8, 8, 100 + i) })),
    );
    const up = await upload(form(files), '', p);
    const ids = up.body.data.map((i: any) => i.id);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const res = await call(`${t.url}/v1/projects/${p}/images?limit=3${q}`, t.adminKey, 'GET');
      seen.push(...res.body.data.map((i: any) => i.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);

    const patch = await call(`${t.url}/v1/projects/${p}/images`, t.adminKey, 'PATCH', {
      ids: ids.slice(0, 2),
      split: 'test',
      poolState: 'labeled',
    });
    expect(patch.status).toBe(200);
    const test = await call(
      `${t.url}/v1/projects/${p}/images?split=test&poolState=labeled`,
      t.adminKey,
      'GET',
    );
    expect(test.body.data.map((i: any) => i.id)).toEqual(ids.slice(0, 2));

    const foreign = await call(`${t.url}/v1/projects/${p}/images`, t.adminKey, 'PATCH', {
      ids: [ids[0], 987654],
      split: 'val',
    });
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors[0].name).toBe('ids[1]');
    const unchanged = await call(`${t.url}/v1/projects/${p}/images/${ids[0]}`, t.adminKey, 'GET');
    expect(unchanged.body.split).toBe('test');

    const bad = await call(`${t.url}/v1/projects/${p}/images?cursor=garbage`, t.adminKey, 'GET');
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].name).toBe('cursor');
  });
});

describe('list reads as prepared statements', () => {
  it('give, for every filter shape and page, exactly what the full list filtered by hand gives, per project', async () => {
    const make = async (name: string, seed: number) => {
      const created = await t.admin.json<any>('POST', '/v1/projects', { name, categories: [{ name: 'a' }] });
      const p: number = created.id;
      const files = await Promise.all(
        Array.from({ length: 8 }, async (_, i) => ({ name: `${i}.jpg`, bytes: await jpeg(8, 8, seed + i) })),
      );
      const ids: number[] = (await upload(form(files), '', p)).body.data.map((i: any) => i.id);
      for (const id of ids.slice(0, 3))
        await t.admin.json('POST', `/v1/projects/${p}/images/${id}/labels`, {
          labels: [{ categoryId: created.categories[0].id, segmentation: [[1, 1, 6, 1, 6, 6]] }],
        });
      await call(`${t.url}/v1/projects/${p}/images`, t.adminKey, 'PATCH', {
        ids: ids.slice(0, 4),
        split: 'val',
      });
      await call(`${t.url}/v1/projects/${p}/images`, t.adminKey, 'PATCH', {
        ids: [ids[1], ids[2], ids[5]],
        poolState: 'labeled',
      });
      return p;
    };
    // Two projects: a statement prepared for one must not leak the other's rows.
    for (const p of [await make('prepared-a', 300), await make('prepared-b', 400)]) {
      const all = (await call(`${t.url}/v1/projects/${p}/images?limit=500`, t.adminKey, 'GET')).body.data;
      expect(all).toHaveLength(8);
      for (const query of [
        '',
        'split=val',
        'poolState=labeled',
        'split=val&poolState=labeled',
        'split=train',
      ]) {
        const want = all.filter((i: any) => [...new URLSearchParams(query)].every(([k, v]) => i[k] === v));
        const seen: number[] = [];
        let cursor: string | null = null;
        do {
          const res: any = await call(
            `${t.url}/v1/projects/${p}/images?limit=2&${query}${cursor ? `&cursor=${cursor}` : ''}`,
            t.adminKey,
            'GET',
          );
          seen.push(...res.body.data.map((i: any) => i.id));
          cursor = res.body.nextCursor;
        } while (cursor);
        expect(seen, query).toEqual(want.map((i: any) => i.id));
      }
      const labels = async (query: string) =>
        (await call(`${t.url}/v1/projects/${p}/labels?${query}`, t.adminKey, 'GET')).body.data;
      const own = await labels('limit=500');
      expect(own).toHaveLength(3);
      expect(own.every((l: any) => l.projectId === p && l.source === 'human')).toBe(true);
      expect(await labels('limit=500&source=human')).toEqual(own);
      expect(await labels('limit=500&source=import')).toEqual([]);
      expect((await labels('limit=1')).map((l: any) => l.id)).toEqual(own.slice(0, 1).map((l: any) => l.id));
    }
  });
});

describe('image upload limits', () => {
  it('refuses a file past the byte limit with 413 naming it, keeping no staged file', async () => {
    const small = await startTestServer({ upload: { maxFileBytes: 2000, maxPixels: 1e8, maxFiles: 10 } });
    try {
      const p = (await small.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'limits' })).id;
      const res = await call(
        `${small.url}/v1/projects/${p}/images`,
        small.adminKey,
        'POST',
        form([
          { name: 'ok.jpg', bytes: await jpeg(8, 8, 1) },
          { name: 'big.png', bytes: await png(300, 300, 2) },
        ]),
      );
      expect(res.status).toBe(413);
      expect(res.body.errors[0].name).toBe('files[1]');
      expect(await fs.readdir(path.join(small.dataDir, 'blobs', 'tmp'))).toEqual([]);
      const list = await call(`${small.url}/v1/projects/${p}/images`, small.adminKey, 'GET');
      expect(list.body.data).toEqual([]);
    } finally {
      await small.close();
    }
  });
});
