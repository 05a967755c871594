/**
 * Integrations throughput over loopback, each figure beside its floor measured in the same run:
 * - GraphQL: a dataset-state query (a project, its first 50 images and their label counts by source)
 *   against a bare Fastify route returning a constant of the same size, from the same server process;
 * - REST: the same data the REST way (project, image page, label listing counted client-side: 3 requests)
 *   against three bare requests of the same sizes;
 * - webhooks: events published through the event bus (as a worker would) until every delivery reached a
 *   local receiver, with publish-to-receipt latency.
 * Run: node --import tsx bench/integrations.bench.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ApiClient, unwrap } from '../src/client/api-client.ts';
import { loadConfig } from '../src/config.ts';
import { createContext } from '../src/context.ts';
import { type ClientTransaction, withClientTransaction } from '../src/db/client-transaction.ts';
import { ensureDatabase } from '../src/db/database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { fmt, ROOT, seedDatasetState, writeResults } from './lib.ts';

const ADMIN = 'vlm_bench_admin_key';
const IMAGES = 50;
const LABELS_PER_IMAGE = 3;
const CONCURRENCY = 8;
const GRAPHQL_REQUESTS = 2000;
const REST_VIEWS = 700;
const WARMUP = 200;
const WEBHOOK_EVENTS = 1000;
const SEQUENTIAL_EVENTS = 200;

const STATE_QUERY = `query State($id: ID!) { project(id: $id) { id name categories { id name }
  images(first: 50) { edges { node { id fileName split poolState
    labelCounts { total import human approvedPrediction } } } } } }`;

// ---- a keep-alive load generator ------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(
  url: string,
  options: { method?: string; body?: string; key?: string } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        agent,
        headers: {
          ...(options.key && { authorization: `Bearer ${options.key}` }),
          ...(options.body && {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(options.body),
          }),
        },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${url}: HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Runs `count` operations, `CONCURRENCY` at a time; returns operations per second. */
async function rate(count: number, op: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < count) await op();
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

/** Warms both up, then measures the bare floor and the real thing, alternating, best of two each. */
async function versus(count: number, real: () => Promise<unknown>, bare: () => Promise<unknown>) {
  await rate(WARMUP, real);
  await rate(WARMUP, bare);
  const reals: number[] = [];
  const bares: number[] = [];
  for (let i = 0; i < 2; i++) {
    bares.push(await rate(count, bare));
    reals.push(await rate(count, real));
  }
  const r = Math.max(...reals);
  const b = Math.max(...bares);
  return { perSecond: r, barePerSecond: b, ratio: r / b };
}

// ---- the server and its data ----------------------------------------------------------------------

async function spawnBenchServer(
  env: Record<string, string>,
): Promise<{ url: string; bareUrl: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bench/integrations-server.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const urls = await new Promise<{ url: string; bareUrl: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}: ${out}`)));
  });
  return { ...urls, child };
}

// ---- webhooks -------------------------------------------------------------------------------------

async function receiver(): Promise<{
  url: string;
  arrivals: number[];
  server: http.Server;
  latencies: number[];
}> {
  const arrivals: number[] = [];
  const latencies: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      arrivals.push(now);
      latencies.push(now - Date.parse(JSON.parse(Buffer.concat(chunks).toString()).timestamp));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    latencies,
    server,
  };
}

const percentile = (values: number[], p: number) =>
  [...values].sort((x, y) => x - y)[Math.floor(values.length * p)];

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Two figures: the delivery rate of a burst (WEBHOOK_EVENTS events committed in one transaction, so
 * publishing is not what is measured), and one-at-a-time publishing with its publish-to-receipt latency.
 */
async function webhookThroughput(api: ApiClient, databaseUrl: string, dataDir: string, projectId: number) {
  const sink = await receiver();
  await unwrap(
    api.typed.POST('/v1/projects/{projectId}/webhooks', {
      params: { path: { projectId } },
      body: { url: sink.url, eventTypes: ['model.activated'] },
    }),
  );
  // Another process's context publishing, as a worker would: events, deliveries and jobs in one transaction.
  const ctx = await createContext(loadConfig({}, { databaseUrl, dataDir, allowPrivateWebhookTargets: true }));
  const activated = (i: number, tx?: ClientTransaction) =>
    ctx.events.publish(
      'model.activated',
      { projectId, modelVersionId: i, previousModelVersionId: null },
      { tx },
    );
  try {
    await withClientTransaction(ctx.database.pool, async (tx) => {
      for (let i = 1; i <= WEBHOOK_EVENTS; i++) await activated(i, tx);
    });
    const committedAt = Date.now();
    await until(() => sink.arrivals.length >= WEBHOOK_EVENTS, 'the burst');
    const burstSeconds = (Math.max(...sink.arrivals) - committedAt) / 1000;

    sink.latencies.length = 0;
    const start = performance.now();
    for (let i = 1; i <= SEQUENTIAL_EVENTS; i++) await activated(WEBHOOK_EVENTS + i);
    const publishSeconds = (performance.now() - start) / 1000;
    await until(() => sink.latencies.length >= SEQUENTIAL_EVENTS, 'the sequential events');
    return {
      burst: {
        events: WEBHOOK_EVENTS,
        seconds: burstSeconds,
        deliveriesPerSecond: WEBHOOK_EVENTS / burstSeconds,
      },
      sequential: {
        events: SEQUENTIAL_EVENTS,
        publishPerSecond: SEQUENTIAL_EVENTS / publishSeconds,
        latencyP50Ms: percentile(sink.latencies, 0.5),
        latencyP95Ms: percentile(sink.latencies, 0.95),
      },
      duplicates: sink.arrivals.length - WEBHOOK_EVENTS - SEQUENTIAL_EVENTS,
    };
  } finally {
    await ctx.close();
    sink.server.close();
  }
}

// ---- main -----------------------------------------------------------------------------------------

async function main() {
  const loadAtStart = os.loadavg()[0];
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-bench-int-'));
  // Run as root, embedded PostgreSQL drops to another user, who must reach its folder.
  await fs.chmod(work, 0o755);
  const pgServer = await startEmbeddedPostgres({
    dataDir: path.join(work, 'pg'),
    port: 57000 + Math.floor(Math.random() * 1000),
  });
  const databaseUrl = await ensureDatabase(pgServer.url, 'bench');
  const dataDir = path.join(work, 'data');
  const server = await spawnBenchServer({
    DATABASE_URL: databaseUrl,
    VLM_LOOP_DATA_DIR: dataDir,
    VLM_LOOP_ADMIN_KEY: ADMIN,
  });
  try {
    const api = new ApiClient(server.url, ADMIN);
    process.stderr.write('seeding...\n');
    const project = await seedDatasetState(api, IMAGES, LABELS_PER_IMAGE);
    const body = JSON.stringify({ query: STATE_QUERY, variables: { id: project.id } });
    const graphql = () => request(`${server.url}/graphql`, { method: 'POST', body, key: ADMIN });
    const restUrls = [
      `/v1/projects/${project.id}`,
      `/v1/projects/${project.id}/images?limit=50`,
      `/v1/projects/${project.id}/labels?limit=500`,
    ].map((u) => server.url + u);
    const restView = async () => {
      for (const url of restUrls) await request(url, { key: ADMIN });
    };
    const gqlBytes = await graphql();
    const restBytes = await Promise.all(restUrls.map((u) => request(u, { key: ADMIN })));
    const bareGraphql = () => request(`${server.bareUrl}/constant/${gqlBytes}`);
    const bareRest = async () => {
      for (const bytes of restBytes) await request(`${server.bareUrl}/constant/${bytes}`);
    };

    process.stderr.write('graphql...\n');
    const gql = await versus(GRAPHQL_REQUESTS, graphql, bareGraphql);
    process.stderr.write('rest...\n');
    const rest = await versus(REST_VIEWS, restView, bareRest);
    process.stderr.write('webhooks...\n');
    const hooks = await webhookThroughput(api, databaseUrl, path.join(work, 'bench-ctx'), project.id);

    const figures = {
      // Other work on the machine colours every figure; the ratios less so.
      loadAverage: { start: loadAtStart, end: os.loadavg()[0] },
      concurrency: CONCURRENCY,
      dataset: { images: IMAGES, labels: IMAGES * LABELS_PER_IMAGE },
      graphql: { requests: GRAPHQL_REQUESTS, responseBytes: gqlBytes, ...gql },
      rest: { views: REST_VIEWS, requestsPerView: restUrls.length, responseBytes: restBytes, ...rest },
      graphqlViewsPerRestView: gql.perSecond / rest.perSecond,
      webhooks: hooks,
    };
    const table = [
      '| measure | value | bare Fastify, same sizes, same run | ratio |',
      '|---|---|---|---|',
      `| GraphQL dataset-state query (${gqlBytes} B), ${CONCURRENCY} concurrent | ${fmt(gql.perSecond)} req/s | ${fmt(gql.barePerSecond)} req/s | ${fmt(gql.ratio, 3)} |`,
      `| REST, same data (3 requests: ${restBytes.join(' + ')} B) | ${fmt(rest.perSecond)} views/s | ${fmt(rest.barePerSecond)} views/s | ${fmt(rest.ratio, 3)} |`,
      `| GraphQL views per REST view | ${fmt(figures.graphqlViewsPerRestView, 2)} | | |`,
      `| webhooks: a burst of ${WEBHOOK_EVENTS} events (one transaction) delivered to a loopback receiver, one worker (8 at once) | ${fmt(hooks.burst.deliveriesPerSecond)} deliveries/s | | |`,
      `| webhooks: ${SEQUENTIAL_EVENTS} events published one by one through the bus | ${fmt(hooks.sequential.publishPerSecond)} events/s | | |`,
      `| publish-to-receipt latency of those | p50 ${hooks.sequential.latencyP50Ms} ms, p95 ${hooks.sequential.latencyP95Ms} ms | | |`,
      `| duplicate deliveries | ${hooks.duplicates} | | |`,
      `| machine load average (1 min), start / end | ${fmt(loadAtStart, 2)} / ${fmt(figures.loadAverage.end, 2)} on ${os.cpus().length} CPUs | | |`,
    ].join('\n');
    await writeResults('integrations', 'node --import tsx bench/integrations.bench.ts', figures, table);
    process.stdout.write(`${table}\n`);
  } finally {
    agent.destroy();
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    await pgServer.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
}

await main();
