/**
 * What can be checked of docker/ without Docker: every COPY source exists, and every `vlm-loop` command
 * the images and compose file run is a real CLI command taking those options.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT as ROOT } from '../helpers/paths.ts';

const DOCKERFILES = ['docker/api.Dockerfile', 'docker/worker-cuda.Dockerfile'];
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** Instructions with their continuation lines joined. */
function instructions(dockerfile: string): { op: string; args: string }[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** `node bin/vlm-loop.mjs <command> <args...>` in a RUN or in an exec-form CMD. */
function cliCalls(dockerfile: string): string[][] {
  const calls: string[][] = [];
  for (const { op, args } of instructions(dockerfile)) {
    const words = op === 'CMD' || op === 'ENTRYPOINT' ? (JSON.parse(args) as string[]) : args.split(/\s+/);
    if (op !== 'RUN' && op !== 'CMD' && op !== 'ENTRYPOINT') continue;
    const at = words.indexOf('bin/vlm-loop.mjs');
    if (at >= 0) calls.push(words.slice(at + 1).filter((w) => w !== '&&'));
  }
  return calls;
}

const helpCache = new Map<string, Promise<string>>();
function help(command: string): Promise<string> {
  if (!helpCache.has(command))
    helpCache.set(
      command,
      promisify(execFile)(process.execPath, ['bin/vlm-loop.mjs', command, '--help'], { cwd: ROOT }).then(
        (r) => r.stdout,
      ),
    );
  return helpCache.get(command)!;
}

async function expectValidCall(call: string[]): Promise<void> {
  const [command, ...args] = call;
  const text = await help(command);
  expect(text, `vlm-loop ${command}`).toContain(`Usage: vlm-loop ${command}`);
  for (const option of args.filter((a) => a.startsWith('--')))
    expect(text, `vlm-loop ${command} ${option}`).toContain(option);
}

// Each `--help` starts the CLI (a few seconds, more on a busy machine).
describe.each(DOCKERFILES)('%s', { timeout: 120_000 }, (file) => {
  const text = read(file);

  it('copies only files that exist in the repository', () => {
    const copies = instructions(text).filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'));
    expect(copies.length).toBeGreaterThan(0);
    for (const { args } of copies) {
      const parts = args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1))
        expect(fs.existsSync(path.join(ROOT, source)), source).toBe(true);
    }
  });

  it('runs vlm-loop commands and options that the CLI has', async () => {
    const calls = cliCalls(text);
    expect(calls.length).toBeGreaterThan(0);
    await Promise.all(calls.map(expectValidCall));
  });

  it('installs with npm ci from the lock file', () => {
    expect(text).toMatch(/npm ci/);
    expect(text).toMatch(/COPY package\.json package-lock\.json/);
  });
});

describe('the images', () => {
  it('api: node 20 slim running serve --no-worker', () => {
    const text = read('docker/api.Dockerfile');
    expect(text).toMatch(/^FROM node:20-slim/m);
    expect(cliCalls(text).at(-1)).toEqual(['serve', '--no-worker']);
  });

  it('worker: CUDA runtime, Python 3.11, Node 20, the trainer set up, running worker --gpus all', () => {
    const text = read('docker/worker-cuda.Dockerfile');
    expect(text).toMatch(/nvidia\/cuda:[\w.-]*runtime/);
    expect(text).toMatch(/python3\.11/);
    expect(text).toMatch(/FROM node:20/);
    expect(text).toMatch(/COPY trainer \.\/trainer/);
    expect(cliCalls(text)).toContainEqual(['setup']);
    expect(cliCalls(text).at(-1)).toEqual(['worker', '--gpus', 'all']);
  });
});

describe('docker/compose.yaml', () => {
  const text = read('docker/compose.yaml');

  it('has postgres, api and worker, built from Dockerfiles that exist', () => {
    for (const service of ['postgres', 'api', 'worker'])
      expect(text).toMatch(new RegExp(`^  ${service}:$`, 'm'));
    const dockerfiles = [...text.matchAll(/dockerfile:\s*(\S+)/g)].map((m) => m[1]);
    expect(dockerfiles.sort()).toEqual([...DOCKERFILES].sort());
    const contexts = [...text.matchAll(/context:\s*(\S+)/g)].map((m) => path.resolve(ROOT, 'docker', m[1]));
    for (const context of contexts) expect(context).toBe(ROOT);
  });

  /** A service's block: from `  name:` to the next top-level service or section. */
  const service = (name: string) => {
    const match = new RegExp(`^  ${name}:\\n((?:    .*\\n|\\s*\\n)*)`, 'm').exec(text);
    if (!match) throw new Error(`no service ${name}`);
    return match[1];
  };

  it('has MinIO, with the bucket made before the api starts, and health checks where there is something to check', () => {
    expect(service('minio')).toMatch(/image: minio\/minio/);
    expect(service('minio-init')).toMatch(/mc mb --ignore-existing local\/vlm-loop/);
    expect(service('api')).toMatch(/minio-init:\n\s+condition: service_completed_successfully/);
    for (const name of ['postgres', 'minio', 'api']) expect(service(name)).toMatch(/healthcheck:/);
  });

  it('gives api and worker the same database and bucket, and no shared folder (workers scale: --scale worker=N)', () => {
    const urls = [...text.matchAll(/DATABASE_URL:\s*(\S+)/g)].map((m) => m[1]);
    expect(urls).toHaveLength(2);
    expect(new Set(urls).size).toBe(1);
    expect(text).toMatch(/VLM_LOOP_BLOB_URL: s3:\/\/vlm-loop\/blobs/);
    for (const name of ['api', 'worker']) expect(service(name)).toMatch(/<<: \*blobs/);
    // A named volume on the worker would be one folder shared by every replica.
    expect(service('worker')).not.toMatch(/volumes:/);
    const named = (block: string) => [...block.matchAll(/^\s+- ([\w-]+):\//gm)].map((m) => m[1]);
    expect(named(service('api'))).toEqual(['api-scratch']);
    const declared = /^volumes:\n((?: {2}.*\n?)*)/m.exec(text)?.[1] ?? '';
    expect(declared.match(/^ {2}[\w-]+:/gm)?.sort()).toEqual(['  api-scratch:', '  miniodata:', '  pgdata:']);
    expect(text).not.toMatch(/VLM_LOOP_BLOB_DIR/);
  });

  it('sets only environment variables the config reads (credentials: the AWS SDK reads them)', () => {
    const config = read('src/config.ts');
    const names = [...text.matchAll(/^\s+(VLM_LOOP_\w+|DATABASE_URL|AWS_\w+):/gm)].map((m) => m[1]);
    expect(names).toContain('AWS_ENDPOINT_URL');
    const sdk = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
    for (const name of names.filter((n) => !sdk.includes(n))) expect(config, name).toContain(`env.${name}`);
  });
});
