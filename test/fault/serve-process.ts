import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { processInfo } from '../../src/db/postmaster.ts';
import { REPO_ROOT as ROOT } from '../helpers/paths.ts';
import { freePort } from '../helpers/ports.ts';

/** One vlm-loop installation: a data folder, its ports and its admin key, started and killed many times. */
export interface Site {
  dataDir: string;
  blobDir: string;
  port: number;
  pgPort: number;
  adminKey: string;
  url: string;
  /** The embedded database, for checks the API does not show. */
  dbUrl: string;
}

export interface Serve {
  child: ChildProcess;
  output: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function newSite(): Promise<Site> {
  // mkdtemp makes a private (0700) folder: as root this also runs the private-folder path of item 5.
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-fault-'));
  const [port, pgPort] = [await freePort(), await freePort()];
  return {
    dataDir,
    blobDir: path.join(dataDir, 'blobs'),
    port,
    pgPort,
    adminKey: `vlm_fault_${Math.random().toString(36).slice(2)}`,
    url: `http://127.0.0.1:${port}`,
    dbUrl: `postgres://postgres:vlm-loop@127.0.0.1:${pgPort}/vlm_loop`,
  };
}

/** `node bin/vlm-loop.mjs serve` on the site; `children` collects it so the file can kill what is left. */
export interface SpawnOptions {
  detached?: boolean;
  env?: NodeJS.ProcessEnv;
  /** `serve` (default) or `worker --cpu`. */
  command?: 'serve' | 'worker';
}

export function spawnServe(site: Site, children: ChildProcess[], options: SpawnOptions = {}): Serve {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VLM_LOOP_DATA_DIR: site.dataDir,
    PORT: String(site.port),
    HOST: '127.0.0.1',
    VLM_LOOP_PG_PORT: String(site.pgPort),
    VLM_LOOP_ADMIN_KEY: site.adminKey,
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  if (!options.env?.DATABASE_URL) delete env.DATABASE_URL;
  delete env.VLM_LOOP_BLOB_DIR;
  const args = options.command === 'worker' ? ['worker', '--cpu'] : ['serve'];
  const child = spawn(process.execPath, ['bin/vlm-loop.mjs', ...args], {
    cwd: ROOT,
    env,
    // Its own process group, as in a terminal: a signal to the group reaches its PostgreSQL too.
    detached: options.detached ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output: string[] = [];
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output, exit };
}

/** Starts serve and waits for its banner; fails with its output if it exits first. */
export async function startServe(
  site: Site,
  children: ChildProcess[],
  options: SpawnOptions = {},
): Promise<Serve> {
  const serve = spawnServe(site, children, options);
  const listening = waitFor(() => serve.output.join('').includes('vlm-loop is listening on'), 90_000);
  const exited = serve.exit.then(({ code, signal }) => {
    throw new Error(`serve exited (${signal ?? code}) before listening:\n${serve.output.join('')}`);
  });
  await Promise.race([listening, exited]);
  return serve;
}

/** SIGKILL, as a crash or the OOM killer would, and wait until it is gone. */
export async function kill9(serve: Serve): Promise<void> {
  serve.child.kill('SIGKILL');
  await serve.exit;
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 50))) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`not so within ${timeoutMs} ms`);
  }
}

export async function api(site: Site, method: string, route: string, body?: unknown) {
  const res = await fetch(`${site.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${site.adminKey}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export interface Part {
  name: string;
  fileName?: string;
  body: Buffer;
}

/**
 * A multipart POST whose last part is sent only half: the server is left mid-upload, streaming that
 * file into its blob store, until the test kills it. The request's failure then is expected and ignored.
 */
export function halfSentMultipart(site: Site, route: string, parts: Part[]): http.ClientRequest {
  const boundary = `fault${Math.random().toString(36).slice(2)}`;
  const req = http.request(`${site.url}${route}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${site.adminKey}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
  });
  req.on('error', () => {});
  req.on('response', (res) => res.resume());
  parts.forEach((part, i) => {
    const file = part.fileName ? `; filename="${part.fileName}"` : '';
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${file}\r\n\r\n`);
    const last = i === parts.length - 1;
    req.write(last ? part.body.subarray(0, part.body.length >> 1) : part.body);
    if (!last) req.write('\r\n');
  });
  return req;
}

/** Files in the blob store's temp folder: uploads in progress, or left by a crash. */
export async function tempFiles(site: Site): Promise<string[]> {
  return fs.readdir(path.join(site.blobDir, 'tmp')).catch(() => []);
}

/** Every committed blob: `blobs/ab/cd/<sha256>`. */
async function blobFiles(site: Site): Promise<string[]> {
  const found: string[] = [];
  for (const a of await fs.readdir(site.blobDir).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{2}$/.test(a)) continue;
    for (const b of await fs.readdir(path.join(site.blobDir, a)))
      found.push(...(await fs.readdir(path.join(site.blobDir, a, b))));
  }
  return found;
}

export interface Damage {
  /** Image rows whose blob file is missing. */
  imagesWithoutBlob: number[];
  /** Label rows whose image row is missing. */
  labelsWithoutImage: number[];
  /** Blob files no row refers to. */
  orphanedBlobs: string[];
}

/** What a crash may have left half-done, read from the database and the blob folder of a running site. */
export async function damage(site: Site): Promise<Damage> {
  const client = new pg.Client({ connectionString: site.dbUrl });
  await client.connect();
  try {
    const rows = async (text: string) => (await client.query(text)).rows;
    const images = await rows('select id, sha256 from images');
    const blobs = new Set(await blobFiles(site));
    const referenced = new Set(
      (
        await rows(`select sha256 as s from images
          union select onnx_sha256 from model_versions union select checkpoint_sha256 from model_versions
          union select results_sha256 from evaluations union select sha256 from exports
          union select resume_checkpoint_sha256 from training_jobs`)
      ).map((r) => r.s as string),
    );
    const orphanLabels = await rows(
      'select l.id from labels l left join images i on i.id = l.image_id where i.id is null',
    );
    return {
      imagesWithoutBlob: images.filter((i) => !blobs.has(i.sha256)).map((i) => Number(i.id)),
      labelsWithoutImage: orphanLabels.map((r) => Number(r.id)),
      orphanedBlobs: [...blobs].filter((b) => !referenced.has(b)),
    };
  } finally {
    await client.end();
  }
}

/** The pid in the site's postmaster.pid: the embedded PostgreSQL this test's serve started. */
export async function postmasterPid(site: Site): Promise<number | undefined> {
  const text = await fs
    .readFile(path.join(site.dataDir, 'postgres', 'postmaster.pid'), 'utf8')
    .catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

/** Stops what the site left running (only its own serve children and its own postmaster), then deletes it. */
export async function removeSite(site: Site, children: ChildProcess[]): Promise<void> {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
      child.kill('SIGKILL');
    }
  const cluster = await fs.realpath(path.join(site.dataDir, 'postgres')).catch(() => undefined);
  const pid = await postmasterPid(site);
  // Ours only if it runs on this site's cluster: a pid can be reused.
  if (pid && cluster && processInfo(pid)?.command.includes(cluster)) {
    process.kill(pid, 'SIGINT');
    await waitFor(() => !processInfo(pid), 15_000).catch(() => {});
  }
  if (cluster) await fs.rm(cluster, { recursive: true, force: true });
  await fs.rm(site.dataDir, { recursive: true, force: true });
}
