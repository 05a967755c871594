import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../../src/blob/s3-blob-store.ts';
import type { S3Config } from '../../src/config.ts';
import { freePort } from './ports.ts';

/**
 * moto's server mode: a real S3 protocol server (HTTP, SigV4, multipart) in a separate process, for
 * tests of the S3 blob store. Its venv (`test/.venv`, gitignored) is made on first need, so a clean
 * clone's `make test` installs it like everything else.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VENV = path.join(ROOT, 'test', '.venv');
const READY = path.join(VENV, '.moto-ready');
const LOCK = path.join(ROOT, 'test', '.venv-installing');
const run = promisify(execFile);

/** Installs moto[server] once; parallel test files wait for the one that holds the lock. */
export async function ensureMoto(): Promise<string> {
  const python = path.join(VENV, 'bin', 'python');
  for (;;) {
    if (await exists(READY)) return python;
    try {
      await fs.mkdir(LOCK);
    } catch {
      // A lock older than any install is a killed run's: take it over.
      const age = Date.now() - ((await fs.stat(LOCK).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (age > 15 * 60_000) await fs.rm(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    try {
      if (await exists(READY)) return python;
      await run(process.env.VLM_LOOP_PYTHON ?? 'python3', ['-m', 'venv', '--clear', VENV]);
      await run(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', 'moto[server]'], {
        maxBuffer: 64 << 20,
      });
      await fs.writeFile(READY, `${new Date().toISOString()}\n`);
    } finally {
      await fs.rmdir(LOCK);
    }
  }
}

export interface Moto {
  endpoint: string;
  port: number;
  /** Settings as the config would read them for this server (region, retries, 5 MiB parts). */
  s3: S3Config;
  client: S3Client;
  createBucket(name: string): Promise<void>;
  /** The environment a vlm-loop process needs to use a bucket here. */
  env(blobUrl: string): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startMoto(): Promise<Moto> {
  const python = await ensureMoto();
  const port = await freePort();
  const child: ChildProcess = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.on('error', (err) => stderr.push(String(err)));
  child.stderr?.on('data', (d) => stderr.push(String(d)));
  const endpoint = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 200))) {
    if (child.exitCode !== null) throw new Error(`moto_server exited:\n${stderr.join('')}`);
    if (
      await fetch(`${endpoint}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error(`moto_server did not start:\n${stderr.join('')}`);
  }
  // moto accepts any credentials; the SDK wants some.
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const s3: S3Config = {
    endpoint,
    region: 'us-east-1',
    maxAttempts: 5,
    partBytes: 5 << 20,
    partConcurrency: 4,
    downloads: 'stream',
    presignSeconds: 900,
    cacheBytes: 1 << 30,
  };
  const client = s3Client(s3);
  return {
    endpoint,
    port,
    s3,
    client,
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    env: (blobUrl) => ({
      VLM_LOOP_BLOB_URL: blobUrl,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    }),
    stop: async () => {
      client.destroy();
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );
