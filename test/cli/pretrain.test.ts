import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../src/dataset/synth.ts';
import { REPO_ROOT, useTempDir } from '../helpers/paths.ts';
import { ensureTrainerEnv } from '../helpers/training.ts';

describe('vlm-loop pretrain', () => {
  const dirOf = useTempDir('pretrain');
  beforeAll(async () => {
    await ensureTrainerEnv();
  }, 900_000);

  it('trains on the disjoint-class corpus and writes a base whose provenance matches the file', async () => {
    const args = ['bin/vlm-loop.mjs', 'pretrain', '--preset', 'tiny', '--images', '16', '--iterations', '4'];
    args.push(
      '--eval-every',
      '4',
      '--threads',
      '1',
      '--out',
      path.join(dirOf(), 'base'),
      '--work-dir',
      path.join(dirOf(), 'work'),
    );
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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

    const weights = path.join(dirOf(), 'base', 'tiny-base.pt');
    const prov = JSON.parse(await fs.readFile(path.join(dirOf(), 'base', 'tiny-base.json'), 'utf8'));
    const sha = createHash('sha256')
      .update(await fs.readFile(weights))
      .digest('hex');
    expect(prov.sha256).toBe(sha);
    expect(JSON.parse(stdout).sha256).toBe(sha);
    expect(prov.command).toBe(
      'vlm-loop pretrain --preset tiny --images 16 --seed 101 --iterations 4 --difficulty easy --eval-every 4',
    );
    expect(prov).toMatchObject({
      seed: 101,
      preset: 'tiny',
      architecture: { preset: 'tiny', dtype: 'float16' },
    });
    expect(prov.commit).toMatch(/^[0-9a-f]{40}(\+dirty)?$|^unknown$/);
    expect(prov.corpus).toMatchObject({ family: 'pretrain', difficulty: 'easy', images: 16, seed: 101 });
    expect(prov.training.iterations).toBe(4);
    expect(typeof prov.heldOut.metrics.segmAP).toBe('number');
    const names = prov.classes.map((c: { name: string }) => c.name);
    expect(names.filter((n: string) => CATEGORIES.some((c) => c.name === n))).toEqual([]);
  }, 300_000);
});
