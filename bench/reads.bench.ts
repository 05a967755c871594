/**
 * API reads at concurrency 8 over loopback, each beside two anchors measured in the same run, from the
 * same server process (bench/reads-server.ts):
 * - the GraphQL dataset-state query (a project, its categories, its first 50 images and their label counts
 *   by source) and the same data the REST way (project, image page, label listing: 3 requests a view);
 * - bare Fastify returning constant bodies of the same sizes (the ceiling);
 * - a minimal Fastify + pg handler running the same SQL by hand (the stack's own limit).
 * Throughput and p50/p99 latency per request (GraphQL) or per view (REST).
 * Run: node --import tsx bench/reads.bench.ts   (READS_PROFILE=DIR writes the server's --cpu-prof there)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../src/client/api-client.ts';
import { ensureDatabase } from '../src/db/database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { fmt, ROOT, seedDatasetState, writeResults } from './lib.ts';

const ADMIN = 'vlm_bench_admin_key';
const IMAGES = 50;
const LABELS_PER_IMAGE = 3;
const CONCURRENCY = 8;
const GRAPHQL_REQUESTS = Number(process.env.READS_GRAPHQL ?? 2000);
const REST_VIEWS = Number(process.env.READS_REST ?? 1000);
const WARMUP = 300;

const STATE_QUERY = `query State($id: ID!) { project(id: $id) { id name categories { id name }
  images(first: 50) { edges { node { id fileName split poolState
    labelCounts { total import human approvedPrediction } } } } } }`;

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(
  url: string,
  options: { method?: string; body?: string; key?: string } = {},
): Promise<Buffer> {
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
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`${url}: HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

interface Rate {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of the server process per operation: less coloured by other work on the machine. */
  serverCpuMs: number;
}

let serverPid = 0;
/** The server process's user + system CPU time so far, in ms (/proc, 10 ms ticks). */
async function serverCpuMs(): Promise<number> {
  const stat = (await fs.readFile(`/proc/${serverPid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return (Number(stat[11]) + Number(stat[12])) * 10;
}

/** Runs `count` operations, `CONCURRENCY` at a time: operations per second and latency percentiles. */
async function rate(count: number, op: () => Promise<unknown>): Promise<Rate> {
  let next = 0;
  const latencies: number[] = [];
  const cpuBefore = await serverCpuMs();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < count) {
        const t = performance.now();
        await op();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const perSecond = count / ((performance.now() - start) / 1000);
  const cpuMs = (await serverCpuMs()) - cpuBefore;
  latencies.sort((a, b) => a - b);
  return {
    perSecond,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    serverCpuMs: cpuMs / count,
  };
}

/** Warms all three up, then measures them in turn, three rounds; the best round of each. */
async function compare(count: number, ops: Record<'real' | 'minimal' | 'bare', () => Promise<unknown>>) {
  for (const op of Object.values(ops)) await rate(WARMUP, op);
  const rounds: Record<string, Rate[]> = { real: [], minimal: [], bare: [] };
  for (let i = 0; i < 3; i++)
    for (const [name, op] of Object.entries(ops)) rounds[name].push(await rate(count, op));
  const best = (rs: Rate[]) => rs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const real = best(rounds.real);
  const minimal = best(rounds.minimal);
  const bare = best(rounds.bare);
  return {
    real,
    minimal,
    bare,
    ofMinimal: real.perSecond / minimal.perSecond,
    ofBare: real.perSecond / bare.perSecond,
    // Per operation, the minimal handler's server CPU over the real one's: the same ratio, less noisy.
    cpuOfMinimal: minimal.serverCpuMs / real.serverCpuMs,
  };
}

async function spawnBenchServer(env: Record<string, string>) {
  const profile = process.env.READS_PROFILE
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.READS_PROFILE]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', path.join(ROOT, 'bench/reads-server.ts')],
    { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const urls = await new Promise<{ url: string; bareUrl: string; minimalUrl: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}: ${out}`)));
  });
  serverPid = child.pid!;
  return { ...urls, child: child as ChildProcess };
}

/** JSON with every object's keys sorted, so that key order does not count. */
const canonical = (text: string) =>
  JSON.stringify(JSON.parse(text), (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

/** The minimal handler must return the same data, or it is not an anchor. */
function assertSameData(real: Buffer, minimal: Buffer, what: string): void {
  const a = canonical(real.toString());
  const b = canonical(minimal.toString());
  if (a !== b) throw new Error(`${what}: the minimal handler's data differs:\n${a}\n${b}`);
}

const row = (what: string, r: Rate, unit: string) =>
  `| ${what} | ${fmt(r.perSecond)} ${unit}/s | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.serverCpuMs, 2)} |`;

async function main() {
  const loadAtStart = os.loadavg();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-bench-reads-'));
  await fs.chmod(work, 0o755); // run as root, embedded PostgreSQL drops to another user
  const pgServer = await startEmbeddedPostgres({
    dataDir: path.join(work, 'pg'),
    port: 57000 + Math.floor(Math.random() * 1000),
  });
  const databaseUrl = await ensureDatabase(pgServer.url, 'bench');
  const server = await spawnBenchServer({
    DATABASE_URL: databaseUrl,
    VLM_LOOP_DATA_DIR: path.join(work, 'data'),
    VLM_LOOP_ADMIN_KEY: ADMIN,
  });
  try {
    const api = new ApiClient(server.url, ADMIN);
    process.stderr.write('seeding...\n');
    const project = await seedDatasetState(api, IMAGES, LABELS_PER_IMAGE);
    const body = JSON.stringify({ query: STATE_QUERY, variables: { id: project.id } });
    const graphql = () => request(`${server.url}/graphql`, { method: 'POST', body, key: ADMIN });
    const minimalGraphql = () => request(`${server.minimalUrl}/state/${project.id}`);
    const paths = [
      `/projects/${project.id}`,
      `/projects/${project.id}/images?limit=50`,
      `/projects/${project.id}/labels?limit=500`,
    ];
    const restView = async () => {
      for (const p of paths) await request(`${server.url}/v1${p}`, { key: ADMIN });
    };
    const minimalView = async () => {
      for (const p of paths) await request(server.minimalUrl + p);
    };
    const gqlBody = await graphql();
    assertSameData(gqlBody, await minimalGraphql(), 'GraphQL');
    const restBodies = await Promise.all(paths.map((p) => request(`${server.url}/v1${p}`, { key: ADMIN })));
    for (const [i, p] of paths.entries())
      assertSameData(restBodies[i], await request(server.minimalUrl + p), p);
    const bareGraphql = () => request(`${server.bareUrl}/constant/${gqlBody.length}`);
    const bareView = async () => {
      for (const b of restBodies) await request(`${server.bareUrl}/constant/${b.length}`);
    };

    process.stderr.write('graphql...\n');
    const gql = await compare(GRAPHQL_REQUESTS, {
      real: graphql,
      minimal: minimalGraphql,
      bare: bareGraphql,
    });
    process.stderr.write('rest...\n');
    const rest = await compare(REST_VIEWS, { real: restView, minimal: minimalView, bare: bareView });
    const loadAtEnd = os.loadavg();

    const figures = {
      // Other agents load this machine; the ratios against same-run anchors are what counts.
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      concurrency: CONCURRENCY,
      dataset: { images: IMAGES, labels: IMAGES * LABELS_PER_IMAGE },
      graphql: { requests: GRAPHQL_REQUESTS, responseBytes: gqlBody.length, ...gql },
      rest: { views: REST_VIEWS, responseBytes: restBodies.map((b) => b.length), ...rest },
    };
    const table = [
      `Concurrency ${CONCURRENCY}; best of 3 rounds each; all three servers in one process.`,
      '',
      '| measure | throughput | p50 ms | p99 ms | server CPU ms per op |',
      '|---|---|---|---|---|',
      row(`GraphQL dataset-state query (${gqlBody.length} B)`, gql.real, 'req'),
      row('minimal Fastify + pg, same SQL by hand, same data', gql.minimal, 'req'),
      row('bare Fastify, same bytes', gql.bare, 'req'),
      row(`REST view (3 requests: ${restBodies.map((b) => b.length).join(' + ')} B)`, rest.real, 'view'),
      row('minimal Fastify + pg, same SQL by hand, same data', rest.minimal, 'view'),
      row('bare Fastify, same bytes', rest.bare, 'view'),
      '',
      '| ratio | of minimal handler (throughput) | of minimal handler (server CPU per op) | of bare Fastify |',
      '|---|---|---|---|',
      `| GraphQL | ${fmt(gql.ofMinimal * 100)} % (goal 40 %) | ${fmt(gql.cpuOfMinimal * 100)} % | ${fmt(gql.ofBare * 100)} % |`,
      `| REST | ${fmt(rest.ofMinimal * 100)} % (goal 70 %) | ${fmt(rest.cpuOfMinimal * 100)} % | ${fmt(rest.ofBare * 100)} % |`,
      '',
      `Load average (1/5/15 min) at start ${loadAtStart.map((l) => fmt(l, 2)).join(' / ')}, at end ${loadAtEnd
        .map((l) => fmt(l, 2))
        .join(' / ')} on ${os.cpus().length} CPUs (a machine shared with other agents).`,
    ].join('\n');
    await writeResults('reads', 'node --import tsx bench/reads.bench.ts', figures, table);
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
