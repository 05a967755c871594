import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * `vlm-loop eval` as a child process on the held-out golden case (test/fixtures/cocoeval/heldout,
 * answered by pycocotools and used by no other test). Goes through bin/vlm-loop.mjs once
 * src/cli/main.ts registers the command, through a bare commander program around it until then.
 */
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const heldout = path.join(root, 'test/fixtures/cocoeval/heldout');
const wired = readFileSync(path.join(root, 'src/cli/main.ts'), 'utf8').includes('registerEvalCommand');

const RUNNER = `
import { Command } from 'commander';
import { registerEvalCommand } from './src/cli/commands/eval.ts';
const program = new Command('vlm-loop');
registerEvalCommand(program);
await program.parseAsync(process.argv.slice(1), { from: 'user' });
`;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = wired
    ? ['bin/vlm-loop.mjs', 'eval', ...args]
    : ['--import', 'tsx', '--input-type=module', '-e', RUNNER, 'eval', ...args];
  try {
    const { stdout, stderr } = await run(process.execPath, argv, { cwd: root, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const expected = JSON.parse(readFileSync(path.join(heldout, 'expected.json'), 'utf8'));
const gtFile = path.join(heldout, 'gt.json');
const dtFile = path.join(heldout, 'dt.json');

describe('vlm-loop eval (child process)', () => {
  it('prints one JSON object with pycocotools numbers', async () => {
    const { code, stdout } = await cli([
      '--gt',
      gtFile,
      '--dt',
      dtFile,
      '--iou-type',
      expected.iouType,
      '--json',
    ]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(['iouType', 'stats', 'perCategory']);
    expect(out.iouType).toBe(expected.iouType);
    expect(out.stats).toHaveLength(12);
    out.stats.forEach((v: number, i: number) => {
      expect(Math.abs(v - expected.stats[i])).toBeLessThanOrEqual(1e-9);
    });
    expect(out.perCategory).toHaveLength(expected.perCategory.length);
    out.perCategory.forEach((c: { id: number; name: string; ap: number; ap50: number }, k: number) => {
      expect([c.id, c.name]).toEqual([expected.perCategory[k].id, expected.perCategory[k].name]);
      expect(Math.abs(c.ap - expected.perCategory[k].ap)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(c.ap50 - expected.perCategory[k].ap50)).toBeLessThanOrEqual(1e-9);
    });
  });

  it('prints the summary and a per-category table', async () => {
    const { code, stdout } = await cli(['--gt', gtFile, '--dt', dtFile]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ${expected.stats[0].toFixed(3)}`,
    );
    expect(lines[12]).toBe('');
    expect(lines[13]).toMatch(/^id\s+name\s+AP\s+AP50$/);
    expect(lines).toHaveLength(14 + expected.perCategory.length);
  });

  it('names the file and the JSON path of malformed input', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vlm-loop-eval-cli-'));
    const bad = path.join(dir, 'bad-dt.json');
    const dt = JSON.parse(readFileSync(dtFile, 'utf8'));
    dt[3].image_id = 424242;
    writeFileSync(bad, JSON.stringify(dt));
    const { code, stdout, stderr } = await cli(['--gt', gtFile, '--dt', bad, '--json']);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${bad}: $[3].image_id: image 424242 is not in the ground truth`);

    const notJson = path.join(dir, 'gt.json');
    writeFileSync(notJson, '{"images": [');
    const second = await cli(['--gt', notJson, '--dt', dtFile]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`${notJson}: invalid JSON`);
  });
});
