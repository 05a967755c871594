import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/experiment/config.ts';
import { readManifest, runExperiment } from '../../src/experiment/orchestrator.ts';
import { expandPlan } from '../../src/experiment/plan.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ensureTrainerEnv, trainingConfig } from '../helpers/training.ts';

/** The smallest real experiment: one loop run with the oracle and the supervised baseline, one seed. */
const config = parseExperimentConfig({
  name: 'tiny',
  dataset: { images: 12, seed: 7, size: 96 },
  judges: [{ kind: 'oracle' }],
  fractions: [0.5],
  seeds: [1],
  iterations: 1,
  scoreThreshold: 0.05,
  training: { preset: 'tiny', hyper: { maxIterations: 4 } },
  // A 4-iteration tiny model may have nothing worth approving; the loop goes on regardless.
  stop: { minApprovals: 0 },
});

describe('an experiment through the real service', () => {
  let t: TestServer;
  let outDir: string;

  beforeAll(async () => {
    await ensureTrainerEnv();
    t = await startTestServer({ inProcessWorker: true, ...trainingConfig() });
    outDir = path.join(t.dataDir, 'experiment');
  }, 900_000);
  afterAll(async () => {
    await t?.close();
  });

  it('runs every planned run to the end and writes results, summary, plot and report', async () => {
    const plan = expandPlan(config);
    const lines: string[] = [];
    const results = await runExperiment({
      api: t.admin,
      config,
      plan,
      outDir,
      command: 'vlm-loop experiment --config tiny.json',
      pollMs: 500,
      log: (line) => lines.push(line),
    });
    expect(results).toBeDefined();
    const byKey = new Map(results!.map((r) => [r.key, r]));
    expect([...byKey.keys()].sort()).toEqual(['oracle/f0.5/s1', 'supervised/s1']);
    for (const r of results!) expect(r.status, JSON.stringify(r)).toBe('succeeded');
    const loop = byKey.get('oracle/f0.5/s1')!;
    const sup = byKey.get('supervised/s1')!;
    expect(loop.projectId).not.toBe(sup.projectId);
    expect(loop.iterations.map((i) => i.iteration)).toEqual([0, 1]);
    expect(sup.iterations.map((i) => i.iteration)).toEqual([0]);
    // The supervised run labels the whole train split; the loop starts from half of it.
    expect(sup.iterations[0].trainImages).toBeGreaterThan(loop.iterations[0].trainImages!);
    expect(sup.iterations[0].cumulativeCost!.humanHours).toBeGreaterThan(
      loop.iterations[0].cumulativeCost!.humanHours,
    );
    expect(typeof loop.iterations[1].metrics?.segmAP).toBe('number');

    const files = await fs.readdir(outDir);
    for (const f of [
      'manifest.json',
      'results.json',
      'results.csv',
      'summary.csv',
      'summary.json',
      'learning-curve.svg',
      'learning-curve.png',
      'report.md',
    ])
      expect(files).toContain(f);
    const csv = (await fs.readFile(path.join(outDir, 'results.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(1 + 3);
    expect(csv[0]).toMatch(/^run_key,group,judge,fraction,seed,/);
    const summary = JSON.parse(await fs.readFile(path.join(outDir, 'summary.json'), 'utf8'));
    expect(summary.map((r: any) => `${r.group}#${r.iteration}`)).toEqual([
      'supervised#0',
      'oracle/f0.5#0',
      'oracle/f0.5#1',
    ]);
    const report = await fs.readFile(path.join(outDir, 'report.md'), 'utf8');
    const supAP = sup.iterations[0].metrics!.segmAP!;
    expect(report).toContain(`Fully supervised: mask AP **${supAP.toFixed(3)}`);
    expect(report).toContain('vlm-loop experiment --config tiny.json');
    const png = await fs.readFile(path.join(outDir, 'learning-curve.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  }, 600_000);

  it('finds its projects and runs again when started again with the same --out', async () => {
    const manifest = await readManifest(outDir);
    const projects = await t.admin.json<{ data: unknown[] }>('GET', '/v1/projects?limit=100');
    const lines: string[] = [];
    const results = await runExperiment({
      api: t.admin,
      config,
      plan: expandPlan(config),
      outDir,
      command: 'again',
      pollMs: 200,
      log: (line) => lines.push(line),
    });
    expect(await readManifest(outDir)).toEqual(manifest);
    expect((await t.admin.json<{ data: unknown[] }>('GET', '/v1/projects?limit=100')).data).toHaveLength(
      projects.data.length,
    );
    expect(results!.map((r) => r.runId).sort()).toEqual(
      Object.values(manifest!.runs)
        .map((r) => r.runId)
        .sort(),
    );
    expect(lines.some((l) => /created/.test(l))).toBe(false);
  }, 120_000);

  it('refuses to adopt a run made with other settings', async () => {
    const changed = { ...config, training: { ...config.training, hyper: { maxIterations: 5 } } };
    await expect(
      runExperiment({ api: t.admin, config: changed, plan: expandPlan(changed), outDir, command: 'x' }),
    ).rejects.toThrow(/made with other settings/);
  });
});
