import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export class DeviceError extends Error {}

/** GPU indexes nvidia-smi lists; none when it is missing or fails. */
export async function listGpus(): Promise<number[]> {
  try {
    const { stdout } = await exec('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], {
      timeout: 10_000,
    });
    return stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^\d+$/.test(l))
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The devices a worker's slots use: `cpu`; `all` (every GPU, an error when there is none); GPU indexes
 * `0,1`; or, unset, every GPU when there is one and the CPU otherwise.
 */
export async function resolveDevices(
  spec: string | undefined,
  gpus: () => Promise<number[]> = listGpus,
): Promise<string[]> {
  const value = spec?.trim().toLowerCase();
  if (value === 'cpu') return ['cpu'];
  if (value === undefined || value === '' || value === 'auto' || value === 'all') {
    const found = await gpus();
    if (found.length > 0) return found.map((i) => `cuda:${i}`);
    if (value === 'all') throw new DeviceError('--gpus all: nvidia-smi lists no GPU');
    return ['cpu'];
  }
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p)))
    throw new DeviceError(`--gpus expects "all" or GPU indexes such as 0,1; got "${spec}"`);
  return [...new Set(parts)].map((p) => `cuda:${p}`);
}
