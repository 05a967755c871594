import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { form, jpeg } from '../../helpers/images.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import { waitUntil } from '../../helpers/training.ts';
import { WebhookReceiver } from '../../helpers/webhook-receiver.ts';

let t: TestServer;
let receiver: WebhookReceiver;
let projectId: number;

beforeAll(async () => {
  const defaults = loadConfig({});
  t = await startTestServer({
    allowPrivateWebhookTargets: true,
    inProcessWorker: true,
    worker: { ...defaults.worker, devices: 'cpu', queues: ['export.coco', 'webhook.deliver'], pollMs: 50 },
  });
  receiver = await WebhookReceiver.start();
  projectId = (
    await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'E', categories: [{ name: 'a' }] })
  ).id;
  const up = await call(
    `${t.url}/v1/projects/${projectId}/images`,
    t.adminKey,
    'POST',
    form([{ name: 'a.jpg', bytes: await jpeg(30, 20) }]),
  );
  await t.admin.json('POST', `/v1/projects/${projectId}/images/${up.body.data[0].id}/labels`, {
    labels: [
      {
        categoryId: (await t.admin.json<any>('GET', `/v1/projects/${projectId}`)).categories[0].id,
        segmentation: [[1, 1, 20, 1, 20, 15]],
      },
    ],
  });
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

describe('background COCO exports', () => {
  it('writes the same COCO file as the streamed export and announces it with a signed export.ready', async () => {
    const hook = await t.admin.json<{ secret: string }>('POST', `/v1/projects/${projectId}/webhooks`, {
      url: receiver.url,
      eventTypes: ['export.ready'],
    });
    const queued = await call(`${t.url}/v1/projects/${projectId}/exports`, t.adminKey, 'POST', {
      source: 'human',
    });
    expect(queued.status).toBe(202);
    await waitUntil(() => receiver.received.length > 0, 30_000);
    const delivered = receiver.received[0];
    const payload = new Webhook(hook.secret).verify(delivered.body, delivered.headers) as any;
    expect(payload).toMatchObject({
      type: 'export.ready',
      data: { projectId, exportId: queued.body.id, format: 'coco' },
    });

    const ready = await t.admin.json<any>('GET', `/v1/projects/${projectId}/exports/${queued.body.id}`);
    expect(ready).toMatchObject({ status: 'ready', bytes: payload.data.bytes });
    const file = await (
      await t.admin.request('GET', `/v1/projects/${projectId}/exports/${queued.body.id}/coco.json`)
    ).json();
    const streamed = (
      await call(`${t.url}/v1/projects/${projectId}/coco-export?source=human`, t.adminKey, 'GET')
    ).body;
    const { info: _a, ...fileRest } = file as any;
    const { info: _b, ...streamedRest } = streamed;
    expect(fileRest).toEqual(streamedRest);
    expect(streamedRest.annotations).toHaveLength(1);
  });

  it('answers 404 for an export that is not ready or does not exist', async () => {
    const res = await call(`${t.url}/v1/projects/${projectId}/exports/999/coco.json`, t.adminKey, 'GET');
    expect(res.status).toBe(404);
    expect(res.type).toContain('application/problem+json');
  });
});
