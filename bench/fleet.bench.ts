/**
 * Beyond one machine, measured on one: (1) jobs per second through the queue with 1, 2 and 4 `vlm-loop worker`
 * processes on one PostgreSQL (real workers: fetch, handler, complete, heartbeats; each job a `pass.predict`
 * of a pass that has ended, so the handler costs one SELECT and the figure is the queue's and the worker
 * loop's); (2) blob upload and download MB/s of the S3 store (moto's server on loopback) against the
 * folder store, in the same run, for large files (multipart) and image-sized ones.
 * Run: node --import tsx bench/fleet.bench.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { BlobStore } from '../src/blob/blob-store.ts';
import { FsBlobStore } from '../src/blob/fs-blob-store.ts';
import { openS3BlobStore } from '../src/blob/s3-blob-store.ts';
import { loadConfig } from '../src/config.ts';
import { ensureDatabase, openDatabase } from '../src/db/database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { Queue } from '../src/queue/queue.ts';
import { startMoto } from '../test/helpers/moto.ts';
import { fmt, ROOT, writeResults } from './lib.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 600);
const WORKER_COUNTS = [1, 2, 4];
const load = () => os.loadavg().map((l) => Number(l.toFixed(2)));

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await check()); await new Promise((r) => setTimeout(r, 25)))
    if (Date.now() > end) throw new Error(`not so within ${timeoutMs} ms`);
}

async function queueRound(url: string, queue: Queue, client: pg.Client, workers: number, tmp: string) {
  await client.query(`delete from pgboss.job where name = 'pass.predict'`);
  const children: ChildProcess[] = [];
  for (let i = 0; i < workers; i++)
    children.push(
      spawn(process.execPath, [path.join(ROOT, 'bin/vlm-loop.mjs'), 'worker', '--cpu'], {
        env: {
          ...process.env,
          DATABASE_URL: url,
          VLM_LOOP_DATA_DIR: await fs.mkdtemp(path.join(tmp, 'worker-')),
          VLM_LOOP_WORKER_QUEUES: 'pass.predict',
          VLM_LOOP_QUEUE_POLL_MS: '100',
        },
        stdio: 'ignore',
      }),
    );
  const live = async () =>
    Number(
      (await client.query('select count(*)::int as n from workers where stopped_at is null')).rows[0].n,
    ) === workers;
  await until(live, 120_000);
  // All jobs appear at once, when this transaction commits.
  const tx = new pg.Client({ connectionString: url });
  await tx.connect();
  await tx.query('begin');
  for (let i = 0; i < JOBS; i++) await queue.send('pass.predict', { passId: 2_000_000_000 }, { tx });
  await tx.query('commit');
  const start = performance.now();
  await until(
    async () =>
      Number(
        (
          await client.query(
            `select count(*)::int as n from pgboss.job where name = 'pass.predict' and state = 'completed'`,
          )
        ).rows[0].n,
      ) === JOBS,
    600_000,
  );
  const seconds = (performance.now() - start) / 1000;
  await tx.end();
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(0)))),
  );
  await client.query('update workers set stopped_at = now() where stopped_at is null');
  return {
    workers,
    jobs: JOBS,
    seconds: Number(seconds.toFixed(2)),
    jobsPerSecond: Number((JOBS / seconds).toFixed(1)),
  };
}

async function blobRound(store: BlobStore, label: string, files: Buffer[]) {
  const bytes = files.reduce((a, b) => a + b.length, 0);
  let start = performance.now();
  const shas: string[] = [];
  for (const f of files) shas.push((await store.put(f)).sha256);
  const up = (performance.now() - start) / 1000;
  start = performance.now();
  for (const sha of shas) await store.read(sha);
  const down = (performance.now() - start) / 1000;
  for (const sha of shas) await store.delete(sha);
  const mb = bytes / 1e6;
  return {
    store: label,
    files: files.length,
    mb: Number(mb.toFixed(1)),
    uploadMBps: Number((mb / up).toFixed(1)),
    downloadMBps: Number((mb / down).toFixed(1)),
  };
}

async function main() {
  const loadStart = load();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-bench-fleet-'));
  const server = await startEmbeddedPostgres({
    dataDir: path.join(tmp, 'pg'),
    port: 56000 + Math.floor(Math.random() * 2000),
    log: () => {},
  });
  const url = await ensureDatabase(server.url, 'bench_fleet');
  const database = await openDatabase(loadConfig({}, { databaseUrl: url, dataDir: tmp }));
  const queue = await Queue.start(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const queueRounds = [];
  try {
    for (const n of WORKER_COUNTS) {
      const r = await queueRound(url, queue, client, n, tmp);
      process.stdout.write(`queue: ${n} worker(s): ${r.jobsPerSecond} jobs/s\n`);
      queueRounds.push({ ...r, load: load() });
    }
  } finally {
    await client.end();
    await queue.stop();
    await database.close();
    await server.stop({ removeData: true });
  }

  const moto = await startMoto();
  await moto.createBucket('bench');
  const sets = {
    'large (4 x 32 MiB, multipart)': Array.from({ length: 4 }, () => randomBytes(32 << 20)),
    'image-sized (200 x 150 KB)': Array.from({ length: 200 }, () => randomBytes(150_000)),
  };
  const blobRounds = [];
  try {
    for (const [name, files] of Object.entries(sets)) {
      const fsStore = new FsBlobStore(path.join(tmp, 'blobs'));
      const s3Store = openS3BlobStore('s3://bench/blobs', moto.s3, path.join(tmp, 's3-scratch'));
      for (const [label, store] of [
        ['folder', fsStore],
        ['s3 (moto)', s3Store],
      ] as const) {
        const r = await blobRound(store, label, files);
        process.stdout.write(
          `blobs: ${name}, ${label}: up ${r.uploadMBps} MB/s, down ${r.downloadMBps} MB/s\n`,
        );
        blobRounds.push({ set: name, ...r, load: load() });
      }
    }
  } finally {
    await moto.stop();
    await fs.rm(tmp, { recursive: true, force: true });
  }
  const loadEnd = load();

  const table = [
    `Load average at start ${loadStart.join(', ')}, at end ${loadEnd.join(', ')} (${os.cpus().length} CPUs, shared with other work).`,
    '',
    `## Jobs per second through the queue (${JOBS} \`pass.predict\` jobs, real \`vlm-loop worker --cpu\` processes, one embedded PostgreSQL)`,
    '',
    '| worker processes | jobs | seconds | jobs/s | load after |',
    '|---|---|---|---|---|',
    ...queueRounds.map(
      (r) =>
        `| ${r.workers} | ${r.jobs} | ${fmt(r.seconds, 2)} | ${fmt(r.jobsPerSecond)} | ${r.load.join(', ')} |`,
    ),
    '',
    '## Blob store throughput, same run (put = hash + stage + store; read = fetch + sha256 check for S3)',
    '',
    '| files | store | MB | upload MB/s | download MB/s | load after |',
    '|---|---|---|---|---|---|',
    ...blobRounds.map(
      (r) =>
        `| ${r.set} | ${r.store} | ${r.mb} | ${r.uploadMBps} | ${r.downloadMBps} | ${r.load.join(', ')} |`,
    ),
  ].join('\n');
  await writeResults(
    'fleet',
    'node --import tsx bench/fleet.bench.ts',
    { loadStart, loadEnd, queue: queueRounds, blobs: blobRounds },
    table,
  );
}

await main();
