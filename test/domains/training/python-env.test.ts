import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { PythonEnv, PythonEnvError } from '../../../src/domains/training/python-env.ts';

/**
 * A stand-in trainer folder whose setup.sh "creates" a venv in a blink: its python is a wrapper around
 * the real trainer venv's, so the readiness check runs for real. Each run appends to runs.log.
 */
async function fakeTrainer(
  script?: string,
): Promise<{ dir: string; env: PythonEnv; runs: () => Promise<number> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-pyenv-'));
  const realPython = loadConfig().trainer.python;
  await fs.writeFile(path.join(dir, 'pyproject.toml'), '[project]\nname = "fake"\n');
  await fs.writeFile(
    path.join(dir, 'setup.sh'),
    script ??
      [
        'set -e',
        'cd "$(dirname "$0")"',
        'echo "run by $PYTHON" >> runs.log',
        'echo "[setup] installing"',
        'sleep 0.5',
        'mkdir -p .venv/bin',
        `printf '#!/bin/sh\\nexec ${realPython} "$@"\\n' > .venv/bin/python`,
        'chmod +x .venv/bin/python',
        'echo "[setup] done"',
      ].join('\n'),
  );
  const env = new PythonEnv({
    trainerDir: dir,
    python: path.join(dir, '.venv/bin/python'),
    basePython: 'python3.x',
  });
  const runs = async () =>
    (await fs.readFile(path.join(dir, 'runs.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean)
      .length;
  return { dir, env, runs };
}

let dirs: string[] = [];
beforeEach(() => {
  dirs = [];
});
afterEach(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

describe('the trainer environment (vlm-loop setup)', () => {
  it('runs setup.sh once for slots that need it at the same time, streaming its output', async () => {
    const { dir, env, runs } = await fakeTrainer();
    dirs.push(dir);
    expect(await env.status()).toMatchObject({ ready: false });
    const lines: string[] = [];
    await Promise.all([env.ensure((l) => lines.push(l)), env.ensure((l) => lines.push(l))]);
    expect(await runs()).toBe(1);
    expect(lines).toContain('[setup] installing');
    expect(lines).toContain('[setup] done');
    expect(await env.status()).toEqual({ ready: true });
    await env.ensure();
    expect(await runs()).toBe(1);
    expect(await fs.readFile(path.join(dir, 'runs.log'), 'utf8')).toContain('run by python3.x');
  });

  it('keeps two processes apart with a lock file; the second finds the work done', async () => {
    const { dir, runs } = await fakeTrainer();
    dirs.push(dir);
    const options = { trainerDir: dir, python: path.join(dir, '.venv/bin/python'), basePython: 'python3' };
    const [a, b] = [new PythonEnv(options), new PythonEnv(options)];
    await Promise.all([a.ensure(), b.ensure()]);
    expect(await runs()).toBe(1);
    await expect(fs.access(path.join(dir, '.venv.lock'))).rejects.toThrow();
  });

  it('runs setup again when pyproject.toml changed since', async () => {
    const { dir, env, runs } = await fakeTrainer();
    dirs.push(dir);
    await env.ensure();
    await fs.appendFile(path.join(dir, 'pyproject.toml'), 'version = "2"\n');
    expect((await env.status()).reason).toMatch(/changed/);
    await env.ensure();
    expect(await runs()).toBe(2);
  });

  it('reports a failing setup.sh with its output, and a missing one', async () => {
    const failing = await fakeTrainer('echo "no network"; exit 3');
    dirs.push(failing.dir);
    await expect(failing.env.ensure()).rejects.toThrow(/setup\.sh failed \(exit 3\):\nno network/);
    await fs.rm(path.join(failing.dir, 'setup.sh'));
    await expect(failing.env.setup(() => {})).rejects.toThrow(PythonEnvError);
  });
});
