import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import {
  createSession,
  cudaProviderMissing,
  parseExecutionProvider,
} from '../../src/inference/execution-provider.ts';
import { ensureTrainerEnv } from '../helpers/training.ts';

/** y = x + 1 as an ONNX file, written with the onnx package (a real graph for a real session). */
const WRITE_MODEL = `
import sys, onnx
from onnx import TensorProto, helper
one = helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])
graph = helper.make_graph([helper.make_node("Add", ["x", "one"], ["y"])], "add",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None])], [one])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), sys.argv[1])
`;

let dir: string;
let model: string;
const bindingDir = path.join(
  path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')),
  'bin/napi-v6',
  process.platform,
  process.arch,
);

async function addsOne(session: ort.InferenceSession): Promise<number[]> {
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2), [2]) });
  return [...(out.y.data as Float32Array)];
}

describe('inference execution provider', () => {
  beforeAll(async () => {
    await ensureTrainerEnv();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ep-'));
    model = path.join(dir, 'add.onnx');
    const r = spawnSync(loadConfig().trainer.python, ['-c', WRITE_MODEL, model], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }, 600_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses the setting and names the field values on a bad one', () => {
    expect(parseExecutionProvider(undefined)).toBe('cpu');
    expect(parseExecutionProvider(' CUDA ')).toBe('cuda');
    expect(parseExecutionProvider('auto')).toBe('auto');
    expect(() => parseExecutionProvider('gpu')).toThrow(/one of cpu, cuda, auto, not "gpu"/);
  });

  it('auto: runs on CUDA where its provider is installed, else on the CPU with the reason logged', async () => {
    const lines: string[] = [];
    const choice = await createSession(model, { threads: 1, provider: 'auto', log: (l) => lines.push(l) });
    const missing = cudaProviderMissing(bindingDir);
    if (missing) {
      expect(choice.provider).toBe('cpu');
      expect(choice.fallbackReason).toBe(missing);
      expect(lines).toEqual([`inference runs on the CPU: ${missing}`]);
    } else {
      // a machine with onnxruntime-node's CUDA build: the GPU, or the CPU with the session's own error
      expect(
        choice.provider === 'cuda' || /CUDA session did not start/.test(choice.fallbackReason ?? ''),
      ).toBe(true);
    }
    expect(await addsOne(choice.session)).toEqual([2, 3]);
    await choice.session.release();
  });

  it('auto: falls back when the provider library is there but a CUDA session cannot start', async () => {
    // a stand-in library file passes the pre-check; onnxruntime then fails to start CUDA for real
    const fakeBinding = path.join(dir, 'binding');
    fs.mkdirSync(fakeBinding);
    fs.writeFileSync(path.join(fakeBinding, 'libonnxruntime_providers_cuda.so'), '');
    if (!cudaProviderMissing(bindingDir)) return; // a real CUDA build would start: nothing to fall back from
    const lines: string[] = [];
    const choice = await createSession(model, {
      threads: 1,
      provider: 'auto',
      bindingDir: fakeBinding,
      log: (l) => lines.push(l),
    });
    expect(choice.provider).toBe('cpu');
    expect(choice.fallbackReason).toMatch(/^a CUDA session did not start: ./);
    expect(lines[0]).toMatch(/^inference runs on the CPU: a CUDA session did not start/);
    expect(await addsOne(choice.session)).toEqual([2, 3]);
    await choice.session.release();
  });

  it('cuda: an error naming the reason instead of a silent CPU session', async () => {
    if (!cudaProviderMissing(bindingDir)) return;
    await expect(createSession(model, { threads: 1, provider: 'cuda' })).rejects.toThrow(
      /inference provider cuda is unavailable: libonnxruntime_providers_cuda\.so is not installed/,
    );
  });

  it('cpu: never tries CUDA', async () => {
    const lines: string[] = [];
    const choice = await createSession(model, { threads: 1, provider: 'cpu', log: (l) => lines.push(l) });
    expect(choice).toMatchObject({ provider: 'cpu' });
    expect(choice.fallbackReason).toBeUndefined();
    expect(lines).toEqual([]);
    await choice.session.release();
  });
});
