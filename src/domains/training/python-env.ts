/**
 * The trainer's Python environment: a venv in `trainer/.venv`, made and filled by `trainer/setup.sh`.
 * `vlm-loop setup` runs it on purpose; a worker runs it on first need. Either way once at a time: a lock
 * file keeps two processes on one host apart, and a shared promise keeps the slots of one worker apart.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export interface PythonEnvOptions {
  /** `trainer/`, holding setup.sh and pyproject.toml. */
  trainerDir: string;
  /** The venv's interpreter. */
  python: string;
  /** The interpreter setup.sh makes the venv with. */
  basePython: string;
}

export interface PythonEnvStatus {
  ready: boolean;
  reason?: string;
}

/** Modules the trainer cannot run without; looked up, not imported, so the check takes milliseconds. */
const REQUIRED_MODULES = [
  'vlm_loop_trainer',
  'torch',
  'torchvision',
  'pycocotools',
  'onnx',
  'onnxruntime',
  'jsonschema',
];
const STAMP = '.vlm-loop-setup.json';
const LOCK_POLL_MS = 1000;

export class PythonEnvError extends Error {}

export class PythonEnv {
  private ensuring: Promise<void> | undefined;

  constructor(private readonly options: PythonEnvOptions) {}

  get venvDir(): string {
    return path.resolve(path.dirname(this.options.python), '..');
  }

  async status(): Promise<PythonEnvStatus> {
    const { python } = this.options;
    if (!(await exists(python))) return { ready: false, reason: `${python} does not exist` };
    const probe = `import importlib.util as u, sys; sys.exit(0 if all(u.find_spec(m) for m in ${JSON.stringify(REQUIRED_MODULES)}) else 1)`;
    const { code } = await run(python, ['-c', probe], {});
    if (code !== 0) return { ready: false, reason: `the venv lacks one of ${REQUIRED_MODULES.join(', ')}` };
    const stamp = await fs.readFile(path.join(this.venvDir, STAMP), 'utf8').catch(() => undefined);
    // A venv made by hand has no stamp: accept it. A stamp from other sources means the dependencies moved.
    if (stamp && JSON.parse(stamp).sourceHash !== (await this.sourceHash()))
      return { ready: false, reason: 'trainer/pyproject.toml or setup.sh changed since the venv was made' };
    return { ready: true };
  }

  /** Makes the venv ready unless it is; concurrent callers share one run. */
  ensure(onLine: (line: string) => void = () => {}): Promise<void> {
    this.ensuring ??= this.ensureOnce(onLine).finally(() => {
      this.ensuring = undefined;
    });
    return this.ensuring;
  }

  private async ensureOnce(onLine: (line: string) => void): Promise<void> {
    const before = await this.status();
    if (before.ready) return;
    onLine(`trainer environment not ready (${before.reason}); running setup`);
    await this.setup(onLine, { onlyIfNeeded: true });
  }

  /** Runs setup.sh under the lock, streaming its output; with onlyIfNeeded, skips when another process just did it. */
  async setup(onLine: (line: string) => void, options: { onlyIfNeeded?: boolean } = {}): Promise<void> {
    const script = path.join(this.options.trainerDir, 'setup.sh');
    if (!(await exists(script)))
      throw new PythonEnvError(`${script} not found: cannot create the trainer environment`);
    await withLock(`${this.venvDir}.lock`, onLine, async () => {
      if (options.onlyIfNeeded && (await this.status()).ready) return;
      const started = Date.now();
      await fs.rm(path.join(this.venvDir, STAMP), { force: true });
      const { code, tail } = await run('bash', [script], this.setupEnv(), onLine, this.options.trainerDir);
      if (code !== 0) throw new PythonEnvError(`trainer/setup.sh failed (exit ${code}):\n${tail}`);
      const after = await this.status();
      if (!after.ready)
        throw new PythonEnvError(
          `trainer/setup.sh finished but the environment is not usable: ${after.reason}`,
        );
      await fs.writeFile(
        path.join(this.venvDir, STAMP),
        JSON.stringify({ sourceHash: await this.sourceHash(), at: new Date().toISOString() }),
      );
      onLine(`trainer environment ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    });
  }

  private setupEnv(): NodeJS.ProcessEnv {
    // setup.sh makes the venv with $PYTHON in trainer/.venv, where config.trainer.python points by default.
    return { ...process.env, PYTHON: this.options.basePython, PYTHONUNBUFFERED: '1' };
  }

  private async sourceHash(): Promise<string> {
    const hash = createHash('sha256');
    for (const file of ['pyproject.toml', 'setup.sh'])
      hash.update(await fs.readFile(path.join(this.options.trainerDir, file)).catch(() => Buffer.alloc(0)));
    return hash.digest('hex');
  }
}

const exists = (p: string) =>
  fs
    .access(p)
    .then(() => true)
    .catch(() => false);

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
  cwd?: string,
): Promise<{ code: number | null; tail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const take = (line: string) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      onLine?.(line);
    };
    readline.createInterface({ input: child.stdout }).on('line', take);
    readline.createInterface({ input: child.stderr }).on('line', take);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, tail: tail.join('\n') }));
  });
}

/** An exclusive lock file holding host and pid; a lock left by a dead process on this host is taken over. */
async function withLock<T>(
  lockPath: string,
  onLine: (line: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      await fs.writeFile(lockPath, JSON.stringify({ host: os.hostname(), pid: process.pid }), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await holderIsDead(lockPath)) {
        await fs.rm(lockPath, { force: true });
        continue;
      }
      if (!announced) onLine(`waiting for another process setting up the trainer environment (${lockPath})`);
      announced = true;
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}

async function holderIsDead(lockPath: string): Promise<boolean> {
  let text: string;
  try {
    text = await fs.readFile(lockPath, 'utf8');
  } catch {
    return true;
  }
  let holder: { host: string; pid: number };
  try {
    holder = JSON.parse(text);
  } catch {
    // Being written right now, or left half-written long ago.
    const { mtimeMs } = await fs.stat(lockPath).catch(() => ({ mtimeMs: 0 }));
    return Date.now() - mtimeMs > 10_000;
  }
  if (holder.host !== os.hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
