import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, decompress } from '../../../src/coco/coco-rle.ts';
import { loadConfig } from '../../../src/config.ts';
import { signCvatBody } from '../../../src/domains/integrations/cvat.service.ts';
import { form, png } from '../../helpers/images.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import { sqlOn } from '../../helpers/sql.ts';
import { waitUntil } from '../../helpers/training.ts';

/**
 * CVAT's webhook into a real server, and a fake CVAT over real HTTP that speaks CVAT's REST protocol for
 * a job's dataset export (POST /api/jobs/{id}/dataset/export, GET /api/requests/{rq_id}, the zip at
 * result_url), refusing any request without its token.
 */
let t: TestServer;
const sql = sqlOn(() => t);
let projectId: number;
let secret: string;
let cvat: http.Server;
let cvatBase: string;
const cvatCalls: string[] = [];
const TOKEN = 'Token cvat-pat-1234';
const W = 20;
const H = 16;

/** A CVAT "COCO 1.0" export of job 7: a cat polygon on img-0, a dog on img-1, and a frame we lack. */
function cocoExport() {
  return {
    licenses: [{ name: '', id: 0, url: '' }],
    info: { contributor: '', date_created: '', description: '', url: '', version: '', year: '' },
    categories: [
      { id: 1, name: 'cat', supercategory: '' },
      { id: 2, name: 'dog', supercategory: '' },
    ],
    images: [
      {
        id: 1,
        width: W,
        height: H,
        file_name: 'frames/img-0.png',
        license: 0,
        flickr_url: '',
        coco_url: '',
        date_captured: 0,
      },
      {
        id: 2,
        width: W,
        height: H,
        file_name: 'frames/img-1.png',
        license: 0,
        flickr_url: '',
        coco_url: '',
        date_captured: 0,
      },
      {
        id: 3,
        width: W,
        height: H,
        file_name: 'frames/missing.png',
        license: 0,
        flickr_url: '',
        coco_url: '',
        date_captured: 0,
      },
    ],
    annotations: [
      {
        id: 1,
        image_id: 1,
        category_id: 1,
        segmentation: [[2, 2, 10, 2, 10, 8, 2, 8]],
        area: 48,
        bbox: [2, 2, 8, 6],
        iscrowd: 0,
        attributes: { occluded: false },
      },
      {
        id: 2,
        image_id: 2,
        category_id: 2,
        segmentation: [[4, 4, 16, 4, 16, 12, 4, 12]],
        area: 96,
        bbox: [4, 4, 12, 8],
        iscrowd: 0,
        attributes: { occluded: false },
      },
      {
        id: 3,
        image_id: 3,
        category_id: 1,
        segmentation: [[1, 1, 5, 1, 5, 5, 1, 5]],
        area: 16,
        bbox: [1, 1, 4, 4],
        iscrowd: 0,
        attributes: { occluded: false },
      },
    ],
  };
}

function fakeCvat(): http.Server {
  let polls = 0;
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', cvatBase);
    cvatCalls.push(`${req.method} ${url.pathname}${url.search}`);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers.authorization !== TOKEN)
      return json(401, { detail: 'Authentication credentials were not provided.' });
    if (req.method === 'POST' && url.pathname === '/api/jobs/7/dataset/export') {
      if (url.searchParams.get('format') !== 'COCO 1.0' || url.searchParams.get('save_images') !== 'false')
        return json(400, { detail: 'unknown format' });
      return json(202, { rq_id: 'action=export&target=job&target_id=7&format=COCO 1.0' });
    }
    if (req.method === 'GET' && url.pathname.startsWith('/api/requests/')) {
      const rqId = decodeURIComponent(url.pathname.slice('/api/requests/'.length));
      if (!rqId.includes('target_id=7')) return json(404, { detail: 'Not found.' });
      polls++;
      if (polls === 1) return json(200, { id: rqId, status: 'started', message: '', result_url: null });
      return json(200, {
        id: rqId,
        status: 'finished',
        message: '',
        result_url: `${cvatBase}/api/jobs/7/dataset/download?rq_id=${encodeURIComponent(rqId)}`,
      });
    }
    if (req.method === 'GET' && url.pathname === '/api/jobs/7/dataset/download') {
      const zip = zipSync({
        'annotations/instances_default.json': Buffer.from(JSON.stringify(cocoExport())),
      });
      return res.writeHead(200, { 'content-type': 'application/zip' }).end(Buffer.from(zip));
    }
    json(404, { detail: 'Not found.' });
  });
}

/** What CVAT sends when a job's state changes (webhook payload of `update:job`). */
const jobUpdate = (state: string, previous?: string) => ({
  event: 'update:job',
  job: {
    url: `${cvatBase}/api/jobs/7`,
    id: 7,
    task_id: 3,
    project_id: 2,
    stage: 'acceptance',
    state,
    type: 'annotation',
  },
  before_update: previous === undefined ? {} : { state: previous },
  webhook_id: 1,
  sender: { url: `${cvatBase}/api/users/1`, id: 1, username: 'annotator' },
});

async function deliver(
  body: unknown,
  sign: (raw: Buffer) => string | undefined = (raw) => signCvatBody(secret, raw),
  pid = projectId,
) {
  const raw = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-event': String((body as { event?: string }).event),
  };
  const signature = sign(raw);
  if (signature !== undefined) headers['x-signature-256'] = signature;
  const res = await fetch(`${t.url}/v1/projects/${pid}/cvat/webhook`, { method: 'POST', headers, body: raw });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: text ? JSON.parse(text) : null,
  };
}

/** The import once the worker has finished it. */
async function finished(importId: number) {
  const url = `${t.url}/v1/projects/${projectId}/cvat/imports/${importId}`;
  await waitUntil(async () => {
    const res = await call(url, t.adminKey, 'GET');
    return res.body.status === 'succeeded' || res.body.status === 'failed';
  }, 60_000);
  return call(url, t.adminKey, 'GET');
}

const importRows = () =>
  sql<{ id: string }>('select id from cvat_imports where project_id = $1', [projectId]);

beforeAll(async () => {
  cvat = fakeCvat();
  await new Promise<void>((resolve) => cvat.listen(0, '127.0.0.1', resolve));
  cvatBase = `http://127.0.0.1:${(cvat.address() as AddressInfo).port}`;
  // A real worker, on the cvat.import queue only: the training job it starts stays queued (no training here).
  const defaults = loadConfig({});
  t = await startTestServer({
    inProcessWorker: true,
    worker: { ...defaults.worker, devices: 'cpu', queues: ['cvat.import'], pollMs: 50 },
  });
  const project = await t.admin.json<{ id: number }>('POST', '/v1/projects', {
    name: 'cvat',
    categories: [{ name: 'cat' }, { name: 'dog' }],
  });
  projectId = project.id;
  const up = await call(
    `${t.url}/v1/projects/${projectId}/images`,
    t.adminKey,
    'POST',
    form([
      { name: 'img-0.png', bytes: await png(W, H, 1) },
      { name: 'img-1.png', bytes: await png(W, H, 2) },
    ]),
  );
  await t.admin.json('PATCH', `/v1/projects/${projectId}/images`, {
    ids: [up.body.data[1].id],
    split: 'val',
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => cvat?.close(resolve));
});

describe('CVAT connection', () => {
  it('refuses a CVAT on loopback until the allow-list names it', async () => {
    const res = await call(`${t.url}/v1/projects/${projectId}/cvat`, t.adminKey, 'PUT', {
      baseUrl: cvatBase,
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ name: 'baseUrl', detail: expect.stringMatching(/allow-list/) }]);
  });

  it('connects, showing the webhook secret once and the token only by a hint', async () => {
    await t.admin.json('PUT', `/v1/projects/${projectId}/url-allow-list`, { entries: ['127.0.0.1'] });
    const res = await call(`${t.url}/v1/projects/${projectId}/cvat`, t.adminKey, 'PUT', {
      baseUrl: cvatBase,
      authHeader: { name: 'Authorization', value: TOKEN },
      onJobCompleted: { train: true, preset: 'tiny', hyper: { maxIterations: 2 } },
    });
    expect(res.status).toBe(200);
    secret = res.body.webhookSecret;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.authHeader).toEqual({ name: 'Authorization', hint: '…1234' });
    const read = await call(`${t.url}/v1/projects/${projectId}/cvat`, t.adminKey, 'GET');
    expect(read.body.webhookSecret).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain('cvat-pat');
  });
});

describe('CVAT webhook receiver', () => {
  it('answers a correctly signed ping, without an API key', async () => {
    const res = await deliver({ event: 'ping', webhook: { id: 1 }, sender: { username: 'admin' } });
    expect(res).toMatchObject({ status: 200, body: { action: 'pong' } });
  });

  const forgeries: [string, (raw: Buffer) => string | undefined][] = [
    ['no signature', () => undefined],
    ['a signature with another secret', (raw) => signCvatBody('f'.repeat(64), raw)],
    ['the signature of another body', () => signCvatBody(secret, Buffer.from('{}'))],
    ['a malformed signature', () => 'sha256=xyz'],
    ['the bare hex without sha256=', (raw) => signCvatBody(secret, raw).slice(7)],
  ];
  it.each(forgeries)('refuses %s with 401 problem+json and queues nothing', async (_label, sign) => {
    const res = await deliver(jobUpdate('completed', 'in progress'), sign);
    expect(res.status).toBe(401);
    expect(res.type).toContain('application/problem+json');
    expect(await importRows()).toEqual([]);
  });

  it('refuses a correct signature sent to a project without a CVAT connection', async () => {
    const other = await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'no cvat' });
    const res = await deliver(jobUpdate('completed', 'in progress'), undefined, other.id);
    expect(res.status).toBe(401);
  });

  it('refuses a non-canonical project id with 400, like every other route', async () => {
    const raw = Buffer.from('{"event":"ping"}');
    const res = await fetch(`${t.url}/v1/projects/0${projectId}/cvat/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-256': signCvatBody(secret, raw) },
      body: raw,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { name: string }[] }).errors[0].name).toBe('projectId');
  });

  it('ignores a job that is not newly completed', async () => {
    expect((await deliver(jobUpdate('in progress', 'new'))).body).toMatchObject({ action: 'ignored' });
    expect((await deliver(jobUpdate('completed'))).body).toMatchObject({ action: 'ignored' });
    expect(await importRows()).toEqual([]);
  });

  it('on a completed job: queues the import, which pulls COCO 1.0 from CVAT, stores human labels and starts training', async () => {
    const res = await deliver(jobUpdate('completed', 'in progress'));
    expect(res.status).toBe(202);
    expect(res.body.action).toBe('queued');
    const importId = res.body.importId as number;
    const done = await finished(importId);
    expect(done.body).toMatchObject({
      status: 'succeeded',
      cvatJobId: 7,
      result: { images: 2, annotations: 2, skippedImages: ['frames/missing.png'] },
      error: null,
    });
    expect(cvatCalls.filter((c) => c.startsWith('POST'))).toEqual([
      'POST /api/jobs/7/dataset/export?format=COCO%201.0&save_images=false',
    ]);
    expect(cvatCalls.filter((c) => c.includes('/api/requests/'))).toHaveLength(2); // started, then finished
    // The labels are human, on the images of the same file name, with the polygon's mask.
    const labels = await sql<{
      file_name: string;
      name: string;
      source: string;
      rle: string;
      height: number;
      width: number;
    }>(
      `select i.file_name, c.name, l.source, l.rle, l.height, l.width from labels l
       join images i on i.id = l.image_id join categories c on c.id = l.category_id
       where l.project_id = $1 order by i.file_name`,
      [projectId],
    );
    expect(labels.map((l) => [l.file_name, l.name, l.source])).toEqual([
      ['img-0.png', 'cat', 'human'],
      ['img-1.png', 'dog', 'human'],
    ]);
    const cat = decode(decompress({ size: [H, W], counts: labels[0].rle }));
    expect(cat.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(40);
    expect(cat[5 * W + 5]).toBe(1);
    expect(cat[12 * W + 15]).toBe(0);
    // Training started as the connection says.
    const job = await call(
      `${t.url}/v1/projects/${projectId}/training-jobs/${done.body.result.trainingJobId}`,
      t.adminKey,
      'GET',
    );
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      status: 'queued',
      preset: 'tiny',
      labelSnapshot: { trainImages: 1, valImages: 1, labels: 2 },
    });
  });

  it('runs an import once: a repeated message finds it done', async () => {
    const [row] = await importRows();
    await t.server.ctx.services.cvat.runImport(Number(row.id)); // as a redelivered message would
    const jobs = await sql('select id from training_jobs where project_id = $1', [projectId]);
    expect(jobs).toHaveLength(1);
  });

  it("records a failed import with CVAT's answer when the token is refused", async () => {
    const previous = secret;
    secret = (
      await t.admin.json<{ webhookSecret: string }>('PUT', `/v1/projects/${projectId}/cvat`, {
        baseUrl: cvatBase,
        authHeader: { name: 'Authorization', value: 'Token wrong' },
      })
    ).webhookSecret;
    // Connecting again replaced the secret: the old one no longer signs.
    expect(
      (await deliver(jobUpdate('completed', 'validation'), (raw) => signCvatBody(previous, raw))).status,
    ).toBe(401);
    const res = await deliver(jobUpdate('completed', 'validation'));
    await t.server.ctx.services.cvat.runImport(res.body.importId);
    const done = await call(
      `${t.url}/v1/projects/${projectId}/cvat/imports/${res.body.importId}`,
      t.adminKey,
      'GET',
    );
    expect(done.body).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/answered 401/) },
    });
  });
});
