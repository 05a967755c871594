import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * test/python/.venv: the reference Python libraries golden tests compare against (cvat-sdk,
 * pycocotools), created by test/python/setup.sh on first use, so a clean clone needs nothing by hand.
 */
const root = path.resolve(import.meta.dirname, '../..');
export const TEST_PYTHON = path.join(root, 'test/python/.venv/bin/python');

let ready: Promise<void> | undefined;
export function ensureTestPython(): Promise<void> {
  ready ??= promisify(execFile)('bash', [path.join(root, 'test/python/setup.sh')], {
    maxBuffer: 16 << 20,
  }).then(() => undefined);
  return ready;
}

/** Runs test/python/<script> with `input` as JSON on stdin; returns its stdout parsed as JSON. */
export async function runTestPython<T>(script: string, input: unknown, args: string[] = []): Promise<T> {
  await ensureTestPython();
  const child = spawn(TEST_PYTHON, [path.join(root, 'test/python', script), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  child.stdin.end(JSON.stringify(input));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${script} exited ${code}: ${Buffer.concat(err).toString()}`);
  return JSON.parse(Buffer.concat(out).toString()) as T;
}
