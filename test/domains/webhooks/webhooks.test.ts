import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../../src/config.ts';
import { postWebhook } from '../../../src/domains/webhooks/webhook-http.ts';
import { checkTarget, isPrivateAddress } from '../../../src/net/ssrf-guard.ts';
import { form, jpeg } from '../../helpers/images.ts';
import { call, startTestServer, type TestServer } from '../../helpers/server.ts';
import { WebhookReceiver } from '../../helpers/webhook-receiver.ts';

/** Loopback targets allowed, an in-process worker polling fast, and retries in milliseconds. */
function fastWebhooks(webhooks: Partial<Config['webhooks']> = {}): Partial<Config> {
  const defaults = loadConfig({});
  return {
    allowPrivateWebhookTargets: true,
    inProcessWorker: true,
    worker: {
      ...defaults.worker,
      devices: 'cpu',
      queues: ['webhook.deliver'],
      pollMs: 50,
      heartbeatMs: 1000,
    },
    webhooks: {
      ...defaults.webhooks,
      timeoutMs: 2000,
      retryBaseMs: 100,
      retryMaxDelayMs: 400,
      retryForMs: 120_000,
      ...webhooks,
    },
  };
}

let t: TestServer;
let projectId: number;
let key: string;
let receiver: WebhookReceiver;

beforeAll(async () => {
  t = await startTestServer(fastWebhooks());
  projectId = (
    await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'W', categories: [{ name: 'a' }] })
  ).id;
  key = (await t.admin.json<{ key: string }>('POST', '/v1/api-keys', { name: 'w', projectId })).key;
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

const api = (method: string, path: string, body?: unknown, server = t, id = projectId) =>
  call(`${server.url}/v1/projects/${id}${path}`, server === t ? key : server.adminKey, method, body);

async function until<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  ms = 15_000,
) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const headersOf = (h: Record<string, string>) => ({
  'webhook-id': h['webhook-id'],
  'webhook-timestamp': h['webhook-timestamp'],
  'webhook-signature': h['webhook-signature'],
});

/** A stored event through the service API, as a worker's service would publish it. */
const activated = (modelVersionId: number, server = t, id = projectId) =>
  server.server.ctx.events.publish('model.activated', {
    projectId: id,
    modelVersionId,
    previousModelVersionId: null,
  });

async function createEndpoint(url: string, eventTypes: string[], server = t, id = projectId) {
  const res = await api('POST', '/webhooks', { url, eventTypes }, server, id);
  expect(res.status).toBe(201);
  return res.body as { id: number; secret: string };
}

interface Delivery {
  id: number;
  status: string;
  attempts: number;
  lastError: string | null;
}

async function deliveries(webhookId: number, server = t, id = projectId): Promise<Delivery[]> {
  return (await api('GET', `/webhooks/${webhookId}/deliveries?limit=500`, undefined, server, id)).body.data;
}

describe('webhook endpoints', () => {
  it('shows the secret once and validates the event types', async () => {
    const created = await createEndpoint(receiver.url, ['images.uploaded']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await api('GET', `/webhooks/${created.id}`);
    expect(JSON.stringify(got.body)).not.toContain(created.secret);
    expect(got.body.secrets).toEqual([
      expect.objectContaining({ hint: `${created.secret.slice(0, 10)}…`, expiresAt: null }),
    ]);
    const bad = await api('POST', '/webhooks', { url: receiver.url, eventTypes: ['images.deleted'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].name).toMatch(/^eventTypes\[0\]/);
    expect((await api('DELETE', `/webhooks/${created.id}`)).status).toBe(204);
  });

  it('delivers a real upload’s images.uploaded, signed per Standard Webhooks', async () => {
    const endpoint = await createEndpoint(receiver.url, ['images.uploaded']);
    const up = await call(
      `${t.url}/v1/projects/${projectId}/images?split=test`,
      key,
      'POST',
      form([{ name: 'a.jpg', bytes: await jpeg(10, 10, 1) }]),
    );
    const hook = await until(
      () => receiver.delivered().find((r) => r.body.includes('images.uploaded')),
      'the delivery',
    );
    const payload = new Webhook(endpoint.secret).verify(hook.body, headersOf(hook.headers));
    expect(payload).toEqual({
      type: 'images.uploaded',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: {
        projectId,
        imageIds: [up.body.data[0].id],
        created: 1,
        existing: 0,
        split: 'test',
        poolState: 'unlabeled',
      },
    });
    expect(hook.headers['webhook-id']).toMatch(/^evt_\d+$/);
    expect(hook.headers['content-type']).toBe('application/json');
    const wrong = new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`);
    expect(() => wrong.verify(hook.body, headersOf(hook.headers))).toThrow(/signature/i);
    const tampered = hook.body.replace('"test"', '"train"');
    expect(() => new Webhook(endpoint.secret).verify(tampered, headersOf(hook.headers))).toThrow();

    const [logged] = await until(async () => {
      const list = await deliveries(endpoint.id);
      return list[0]?.status === 'succeeded' && list;
    }, 'the log');
    expect(logged).toMatchObject({
      eventType: 'images.uploaded',
      attempts: 1,
      lastStatusCode: 204,
      nextAttemptAt: null,
    });
    const detail = await api('GET', `/webhooks/${endpoint.id}/deliveries/${logged.id}`);
    expect(JSON.stringify(detail.body.payload)).toBe(hook.body);
    await api('DELETE', `/webhooks/${endpoint.id}`);
  });

  it('retries while the receiver is down and delivers every event once when it is back', async () => {
    const down = await WebhookReceiver.start();
    await down.close();
    const endpoint = await createEndpoint(down.url, ['model.activated']);
    const published = [];
    for (let i = 1; i <= 5; i++) published.push(await activated(i));
    await until(async () => (await deliveries(endpoint.id)).every((d) => d.attempts >= 2), 'failed attempts');
    const failing = await deliveries(endpoint.id);
    expect(failing.map((d) => d.status)).toEqual(Array(5).fill('pending'));
    expect(failing[0].lastError).toMatch(/ECONNREFUSED/);

    // Back, but answering 503 to its first two requests: those are retried too.
    let refusals = 2;
    down.respond = () => (refusals-- > 0 ? 503 : 200);
    await down.listen();
    await until(
      async () => (await deliveries(endpoint.id)).every((d) => d.status === 'succeeded'),
      'every delivery',
      30_000,
    );
    const ids = down.delivered().map((r) => r.headers['webhook-id']);
    expect(ids.sort()).toEqual(published.map((e) => `evt_${e.id}`).sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(down.received.filter((r) => r.status === 503)).toHaveLength(2);
    for (const r of down.delivered()) new Webhook(endpoint.secret).verify(r.body, headersOf(r.headers));
    await down.close();
    await api('DELETE', `/webhooks/${endpoint.id}`);
  });

  it('does not retry a 4xx answer, and a delivery id is never sent twice', async () => {
    const endpoint = await createEndpoint(receiver.url, ['model.activated']);
    receiver.respond = (hook) => (hook.body.includes('"modelVersionId":100') ? 400 : 204);
    await activated(100);
    const [failed] = await until(async () => {
      const list = await deliveries(endpoint.id);
      return list[0]?.status === 'failed' && list;
    }, 'the failure');
    expect(failed).toMatchObject({ attempts: 1, lastStatusCode: 400, responseExcerpt: 'answered 400' });
    receiver.respond = () => 204;

    await activated(101);
    const done = await until(
      async () => (await deliveries(endpoint.id)).find((d) => d.status === 'succeeded'),
      'success',
    );
    const before = receiver.received.length;
    // A duplicated or late job for a finished delivery does nothing.
    expect(await t.server.ctx.services.webhookDeliveries.deliver(done.id)).toBe('skipped');
    expect(receiver.received.length).toBe(before);
    await api('DELETE', `/webhooks/${endpoint.id}`);
  });

  it('pings and redelivers with the same webhook-id', async () => {
    const endpoint = await createEndpoint(receiver.url, ['model.activated']);
    const ping = await api('POST', `/webhooks/${endpoint.id}/ping`);
    expect(ping.status).toBe(202);
    const pinged = await until(
      () =>
        receiver
          .delivered()
          .find((r) => r.body.includes('webhook.ping') && r.body.includes(`"webhookId":${endpoint.id}`)),
      'the ping',
    );
    expect(JSON.parse(pinged.body).data).toEqual({ projectId, webhookId: endpoint.id });
    await until(async () => (await deliveries(endpoint.id))[0]?.status === 'succeeded', 'the ping’s log');

    const again = await api('POST', `/webhooks/${endpoint.id}/deliveries/${ping.body.id}/redeliver`);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({
      redeliveryOf: ping.body.id,
      status: 'pending',
      eventType: 'webhook.ping',
    });
    await until(
      () =>
        receiver.delivered().filter((r) => r.headers['webhook-id'] === pinged.headers['webhook-id'])
          .length === 2,
      'the redelivery',
    );
    await api('DELETE', `/webhooks/${endpoint.id}`);
  });

  it('signs with both secrets during a rotation, then with the new one alone', async () => {
    const endpoint = await createEndpoint(receiver.url, ['model.activated']);
    const rotated = await api('POST', `/webhooks/${endpoint.id}/rotate-secret`, { overlapSeconds: 3600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect(rotated.body.secrets).toHaveLength(2);
    const event = await activated(200);
    const hook = await until(
      () => receiver.delivered().find((r) => r.headers['webhook-id'] === `evt_${event.id}`),
      'delivery',
    );
    expect(hook.headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.body.secret])
      expect(new Webhook(secret).verify(hook.body, headersOf(hook.headers))).toMatchObject({
        type: 'model.activated',
      });

    const final = await api('POST', `/webhooks/${endpoint.id}/rotate-secret`, { overlapSeconds: 0 });
    const next = await activated(201);
    const last = await until(
      () => receiver.delivered().find((r) => r.headers['webhook-id'] === `evt_${next.id}`),
      'delivery',
    );
    expect(last.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(() => new Webhook(rotated.body.secret).verify(last.body, headersOf(last.headers))).toThrow();
    new Webhook(final.body.secret).verify(last.body, headersOf(last.headers));
    await api('DELETE', `/webhooks/${endpoint.id}`);
  });

  it('keeps projects apart', async () => {
    const other = (await t.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'other' })).id;
    const theirs = await createEndpoint(receiver.url, ['model.activated'], t, projectId);
    const res = await call(`${t.url}/v1/projects/${other}/webhooks/${theirs.id}`, t.adminKey, 'GET');
    expect(res.status).toBe(404);
    expect((await call(`${t.url}/v1/projects/${other}/webhooks`, key, 'GET')).status).toBe(403);
    await api('DELETE', `/webhooks/${theirs.id}`);
  });
});

describe('persistent failure', () => {
  let strict: TestServer;
  let pid: number;
  beforeAll(async () => {
    strict = await startTestServer(fastWebhooks({ disableAfterFailures: 3, disableAfterMs: 0 }));
    pid = (await strict.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'S' })).id;
  });
  afterAll(() => strict?.close());

  it('disables an endpoint whose attempts keep failing and announces it', async () => {
    const failing = await WebhookReceiver.start();
    failing.respond = () => 500;
    const watcher = await WebhookReceiver.start();
    const bad = await createEndpoint(failing.url, ['model.activated'], strict, pid);
    const watch = await createEndpoint(watcher.url, ['webhook.endpoint.disabled'], strict, pid);
    await activated(1, strict, pid);
    const notice = await until(() => watcher.delivered()[0], 'the disabled event');
    const body = new Webhook(watch.secret).verify(notice.body, headersOf(notice.headers));
    expect(body).toMatchObject({
      type: 'webhook.endpoint.disabled',
      data: { projectId: pid, webhookId: bad.id, url: failing.url, consecutiveFailures: 3 },
    });
    expect(failing.received).toHaveLength(3);
    const endpoint = (await api('GET', `/webhooks/${bad.id}`, undefined, strict, pid)).body;
    expect(endpoint).toMatchObject({ enabled: false, consecutiveFailures: 3 });
    expect(endpoint.disabledReason).toMatch(/3 consecutive failed attempts/);
    const [delivery] = await deliveries(bad.id, strict, pid);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 500 });
    expect(delivery.lastError).toMatch(/endpoint disabled/);
    expect((await api('POST', `/webhooks/${bad.id}/ping`, undefined, strict, pid)).status).toBe(409);

    const enabled = await api('PATCH', `/webhooks/${bad.id}`, { enabled: true }, strict, pid);
    expect(enabled.body).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledAt: null });
    await failing.close();
    await watcher.close();
  });
});

describe('webhook targets', () => {
  it('refuses private, loopback and link-local addresses unless allowed', async () => {
    const strict = await startTestServer({ allowPrivateWebhookTargets: false });
    try {
      const pid = (await strict.admin.json<{ id: number }>('POST', '/v1/projects', { name: 'P' })).id;
      for (const url of [
        'http://127.0.0.1:9/x',
        'http://localhost:9/',
        'http://[::1]/',
        'http://169.254.169.254/latest',
        'http://10.1.2.3/',
        'http://[::ffff:192.168.0.1]/',
        'http://[::127.0.0.1]/',
        'http://[2002:7f00:1::]/',
      ]) {
        const res = await api('POST', '/webhooks', { url, eventTypes: ['model.activated'] }, strict, pid);
        expect({ url, status: res.status }).toEqual({ url, status: 422 });
        expect(res.body.errors[0]).toMatchObject({
          name: 'url',
          detail: expect.stringMatching(/private|loopback/),
        });
      }
    } finally {
      await strict.close();
    }
    for (const ip of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.1.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      '100.64.0.1',
    ])
      expect({ ip, private: isPrivateAddress(ip) }).toEqual({ ip, private: true });
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111'])
      expect({ ip, private: isPrivateAddress(ip) }).toEqual({ ip, private: false });
    // Every address a name resolves to is checked, not only the first.
    const lookup = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    await expect(checkTarget('https://mixed.example/hook', false, lookup)).rejects.toThrow(/10\.0\.0\.5/);
    await expect(checkTarget('ftp://example.com/', true)).rejects.toThrow(/http or https/);
  });

  it('checks again when sending, so a name re-pointed inside is refused', async () => {
    const result = await postWebhook(
      `http://localhost:${receiver.port}/`,
      Buffer.from('{}'),
      {},
      {
        timeoutMs: 2000,
        allowPrivate: false,
      },
    );
    expect(result).toMatchObject({ status: null, errorKind: 'refused' });
    expect(result.error).toMatch(/localhost resolves to (127\.0\.0\.1|::1), a private address/);
  });
});
