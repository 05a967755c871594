import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config.ts';

const run = promisify(execFile);

/** Test-only Python environments, kept apart from trainer/.venv (gitignored, made on first need). */
export const VENVS_DIR = path.resolve(import.meta.dirname, '..', '.venvs');

/**
 * The venv `name` with `packages` installed, created if missing. A marker file written last says it is
 * complete; a lock directory keeps two test files from building the same venv at once.
 */
export async function ensureVenv(name: string, packages: string[], timeoutMs = 1_200_000): Promise<string> {
  const dir = path.join(VENVS_DIR, name);
  const python = path.join(dir, 'bin', 'python');
  const marker = path.join(dir, '.complete');
  const wanted = packages.join('\n');
  if ((await fs.readFile(marker, 'utf8').catch(() => '')) === wanted) return python;
  await fs.mkdir(VENVS_DIR, { recursive: true });
  const lock = path.join(VENVS_DIR, `${name}.lock`);
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fs.mkdir(lock);
      break;
    } catch {
      if (Date.now() > end) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    if ((await fs.readFile(marker, 'utf8').catch(() => '')) === wanted) return python;
    const base = loadConfig().pythonBin;
    process.stderr.write(`[test venv] creating ${dir} with ${packages.join(' ')}\n`);
    await run(base, ['-m', 'venv', dir], { timeout: timeoutMs });
    await run(python, ['-m', 'pip', 'install', '-q', ...packages], {
      timeout: timeoutMs,
      maxBuffer: 1 << 26,
    });
    await fs.writeFile(marker, wanted);
    return python;
  } finally {
    await fs.rm(lock, { recursive: true, force: true });
  }
}

/** Runs a Python script with JSON on stdin and parses the JSON it prints. */
export async function runPythonJson<T>(python: string, script: string, input: unknown): Promise<T> {
  const child = execFile(python, [script], { maxBuffer: 1 << 28, timeout: 600_000 });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(Buffer.from(c)));
  child.stderr?.on('data', (c: Buffer) => err.push(Buffer.from(c)));
  child.stdin?.end(JSON.stringify(input));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${script} exited ${code}: ${Buffer.concat(err).toString()}`);
  return JSON.parse(Buffer.concat(out).toString()) as T;
}
