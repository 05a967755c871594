import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/experiment/config.ts';
import { readManifest, runExperiment } from '../../src/experiment/orchestrator.ts';
import { expandPlan } from '../../src/experiment/plan.ts';
import { startTrainingServer } from '../domains/runs/run-helpers.ts';
import type { TestServer } from '../helpers/server.ts';

/**
 * The smallest real experiment that shares iteration 0: two judges from the same initial set (one project,
 * one after another, the second reusing the first's iteration-0 model) and the supervised baseline, one seed.
 */
const config = parseExperimentConfig({
  name: 'tiny',
  dataset: { images: 12, seed: 7, size: 96 },
  judges: [{ kind: 'oracle' }, { kind: 'accept-all' }],
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
    t = await startTrainingServer(true);
    outDir = path.join(t.dataDir, 'experiment');
  }, 900_000);
  afterAll(async () => {
    await t?.close();
  });

  it("stops when asked and leaves a project's later run for the next start", async () => {
    const controller = new AbortController();
    const results = await runExperiment({
      api: t.admin,
      config,
      plan: expandPlan(config),
      outDir,
      command: 'stopped',
      pollMs: 500,
      signal: controller.signal,
      // Stopped as soon as the group's first run exists: the second one is not created yet.
      log: (line) => {
        if (/^\[oracle\/f0\.5\/s1\] run \d+ created/.test(line)) controller.abort();
      },
    });
    expect(results).toBeUndefined();
    const manifest = (await readManifest(outDir))!;
    expect(Object.keys(manifest.projects).sort()).toEqual(['f0.5/s1', 'supervised/s1']);
    expect(Object.keys(manifest.runs).sort()).toEqual(['oracle/f0.5/s1', 'supervised/s1']);
  }, 600_000);

  it('runs every planned run to the end, reusing iteration 0 within a group, and writes the outputs', async () => {
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
    expect([...byKey.keys()].sort()).toEqual(['accept-all/f0.5/s1', 'oracle/f0.5/s1', 'supervised/s1']);
    for (const r of results!) expect(r.status, JSON.stringify(r)).toBe('succeeded');
    const loop = byKey.get('oracle/f0.5/s1')!;
    const other = byKey.get('accept-all/f0.5/s1')!;
    const sup = byKey.get('supervised/s1')!;
    expect(loop.projectId).not.toBe(sup.projectId);
    expect(loop.iterations.map((i) => i.iteration)).toEqual([0, 1]);
    expect(other.iterations.map((i) => i.iteration)).toEqual([0, 1]);
    expect(sup.iterations.map((i) => i.iteration)).toEqual([0]);

    // One project for the group; its second run (created by this start) reuses the first's iteration 0.
    expect(other.projectId).toBe(loop.projectId);
    expect(lines.some((l) => /^\[oracle\/f0\.5\/s1\] run \d+ found again/.test(l))).toBe(false);
    const manifest = (await readManifest(outDir))!;
    expect(manifest.runs['accept-all/f0.5/s1'].initialModel).toEqual({
      modelVersionId: loop.iterations[0].modelVersionId,
      fromRun: 'oracle/f0.5/s1',
    });
    expect(other.iterations[0].modelVersionId).toBe(loop.iterations[0].modelVersionId);
    expect(other.iterations[0].trainingJobId).toBe(loop.iterations[0].trainingJobId);
    const jobs = await t.admin.json<{ data: { id: number }[] }>(
      'GET',
      `/v1/projects/${loop.projectId}/training-jobs?limit=100`,
    );
    // Iteration 0 once for the group, then iteration 1 of each run.
    expect(jobs.data.map((j) => j.id).sort((a, b) => a - b)).toEqual(
      [loop.iterations[0], loop.iterations[1], other.iterations[1]]
        .map((i) => i.trainingJobId)
        .sort((a, b) => a! - b!),
    );
    // Each run is charged its whole path: the reused iteration 0 costs what training it did.
    const cost0 = (r: typeof loop) => r.iterations[0].cumulativeCost!;
    expect(cost0(other).trainingSeconds).toBeGreaterThan(0);
    expect(cost0(other).trainingSeconds).toBe(cost0(loop).trainingSeconds);
    expect(cost0(other).humanHours).toBe(cost0(loop).humanHours);
    expect(other.iterations[0].trainImages).toBe(loop.iterations[0].trainImages);

    // The supervised run labels the whole train split; the loop starts from half of it.
    expect(sup.iterations[0].trainImages).toBeGreaterThan(loop.iterations[0].trainImages!);
    expect(sup.iterations[0].cumulativeCost!.humanHours).toBeGreaterThan(
      loop.iterations[0].cumulativeCost!.humanHours,
    );
    expect(typeof loop.iterations[1].metrics?.segmAP).toBe('number');
    // No placeholder: the baseline's project holds the dataset's images only.
    const supImages = await t.admin.json<{ data: unknown[] }>(
      'GET',
      `/v1/projects/${sup.projectId}/images?split=train&limit=100`,
    );
    expect(supImages.data).toHaveLength(sup.iterations[0].trainImages!);

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
    expect(csv).toHaveLength(1 + 5);
    expect(csv[0]).toMatch(/^run_key,group,judge,fraction,seed,/);
    const summary = JSON.parse(await fs.readFile(path.join(outDir, 'summary.json'), 'utf8'));
    expect(summary.map((r: any) => `${r.group}#${r.iteration}`)).toEqual([
      'supervised#0',
      'oracle/f0.5#0',
      'oracle/f0.5#1',
      'accept-all/f0.5#0',
      'accept-all/f0.5#1',
    ]);
    // The reused iteration 0 is a point like any other: the same model, measured by the run's own evaluation.
    const row = (group: string) => summary.find((r: any) => r.group === group && r.iteration === 0);
    expect(row('accept-all/f0.5').n).toBe(1);
    expect(row('accept-all/f0.5').segmAP.mean).toBeCloseTo(row('oracle/f0.5').segmAP.mean, 6);
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
