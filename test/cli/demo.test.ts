import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../helpers/db.ts';
import { REPO_ROOT, useTempDir } from '../helpers/paths.ts';
import { ensureTrainerEnv, TRAINING_ENV } from '../helpers/training.ts';

describe('vlm-loop demo', () => {
  const dataDirOf = useTempDir('demo');
  beforeAll(async () => {
    await ensureTrainerEnv();
  }, 900_000);

  it('runs the loop with tiny settings, prints the table per iteration and the plot, and exits', async () => {
    const args = ['bin/vlm-loop.mjs', 'demo', '--exit', '--port', '0', '--data-dir', dataDirOf()];
    args.push(
      '--images',
      '12',
      '--iterations',
      '1',
      '--train-iterations',
      '4',
      '--trainer-preset',
      'tiny',
      // the shipped base is the small preset's
      '--init',
      'scratch',
      '--min-approvals',
      '0',
    );
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...TRAINING_ENV, DATABASE_URL: await freshDatabaseUrl(), VLM_BASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, `${stdout}\n${stderr}`).toBe(0);

    // Not a terminal: plain progress lines instead of a bar.
    expect(stdout).toMatch(/\[loop run \d+\] iteration 0\/1: train/);
    const header =
      /iteration +status +train images +approved +rejected +gave labels +mask AP +AP50 +human h +cumulative h/;
    expect(stdout).toMatch(header);
    const final = stdout.slice(stdout.lastIndexOf('iteration  status'));
    const rows = final.split('\n').slice(2, 4);
    expect(rows[0]).toMatch(/^ +0 +completed +\d+ +- +- +- +\d\.\d{3} +\d\.\d{3} +\d+\.\d{2} +\d+\.\d{2}$/);
    // A 4-iteration tiny model may have nothing worth approving: the loop then stops (min_approvals).
    expect(rows[1]).toMatch(
      /^ +1 +(completed|stopped) +\S+ +\d+ +\d+ +\d+ +\S+ +\S+ +\d+\.\d{2} +\d+\.\d{2}$/,
    );
    expect(stdout).toMatch(/Run succeeded/);
    // the yardsticks: iteration 0's labels and every train label, each with the loop's last model's compute
    expect(stdout).toMatch(/Control \(same compute, no new labels\) +\d+ +8 +\d\.\d{3}/);
    expect(stdout).toMatch(/Supervised reference \(all train labels\) +\d+ +8 +\d\.\d{3}/);
    expect(stdout).toMatch(/Loop vs control: /);
    expect(stdout).toMatch(/Supervised reference: trained in this demo \(run \d+, project \d+\)/);
    expect(stdout).toContain('/docs');
    const saved = [...stdout.matchAll(/Saved: +(\S+)/g)].map((m) => m[1]);
    expect(saved.map((f) => path.extname(f))).toEqual(['.svg', '.png']);
    expect(await fs.readFile(saved[0], 'utf8')).toMatch(/^<svg|<\?xml/);
    expect(stdout).toContain('Demo finished; stopping (--exit).');
  }, 300_000);
});
