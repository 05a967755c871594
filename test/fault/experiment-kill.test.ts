import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processInfo } from '../../src/db/postmaster.ts';
import { readManifest } from '../../src/experiment/orchestrator.ts';
import { REPO_ROOT as ROOT } from '../helpers/paths.ts';
import { newSite, postmasterPid, removeSite, type Site, waitFor } from './serve-process.ts';

// The smallest real experiment: one judge, one fraction, one seed, a 4-iteration tiny model.
const CONFIG = {
  name: 'killed',
  dataset: { images: 12, seed: 7, size: 96 },
  judges: [{ kind: 'oracle' }],
  fractions: [0.5],
  seeds: [1],
  iterations: 1,
  scoreThreshold: 0.05,
  training: { preset: 'tiny', hyper: { maxIterations: 4 } },
  stop: { minApprovals: 0 },
};

describe('vlm-loop experiment killed with SIGKILL', { timeout: 900_000 }, () => {
  const children: ChildProcess[] = [];
  let site: Site | undefined;
  let service: Site | undefined;
  afterAll(async () => {
    if (service) await removeSite(service, children);
    if (site) await fs.rm(site.dataDir, { recursive: true, force: true });
  });

  /** The experiment command on the site's folder; its service keeps its data in `<out>/service`. */
  function experiment(out: string, configFile: string) {
    const child = spawn(
      process.execPath,
      ['bin/vlm-loop.mjs', 'experiment', '--config', configFile, '--out', out, '--poll-ms', '500'],
      {
        cwd: ROOT,
        env: { ...process.env, VLM_LOOP_PG_PORT: String(site!.pgPort), DATABASE_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    const output: string[] = [];
    child.stdout.on('data', (d) => output.push(String(d)));
    child.stderr.on('data', (d) => output.push(String(d)));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output, exit };
  }

  it('is continued by running the same command again, past the PostgreSQL the killed one left', async () => {
    site = await newSite();
    const out = path.join(site.dataDir, 'out');
    service = { ...site, dataDir: path.join(out, 'service') };
    const configFile = path.join(site.dataDir, 'killed.json');
    await fs.writeFile(configFile, JSON.stringify(CONFIG));

    const first = experiment(out, configFile);
    // Killed once its first run exists: the runs are durable, the process is not.
    await waitFor(async () => Object.keys((await readManifest(out))?.runs ?? {}).length > 0, 300_000);
    first.child.kill('SIGKILL');
    await first.exit;
    const orphan = await postmasterPid(service);
    expect(orphan && processInfo(orphan)).toBeTruthy(); // its PostgreSQL outlived it

    const second = experiment(out, configFile);
    expect(await second.exit, second.output.join('')).toBe(0);
    expect(orphan && processInfo(orphan)).toBeFalsy();
    const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8'));
    const runs = results.runs as { key: string; status: string }[];
    expect(runs.map((r) => r.key).sort()).toEqual(['oracle/f0.5/s1', 'supervised/s1']);
    for (const r of runs) expect(r.status).toBe('succeeded');
  });
});
