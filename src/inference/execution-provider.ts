import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { ExecutionProviderSetting } from './provider-setting.ts';

export {
  EXECUTION_PROVIDER_SETTINGS,
  type ExecutionProviderSetting,
  parseExecutionProvider,
} from './provider-setting.ts';

export interface SessionChoice {
  session: ort.InferenceSession;
  provider: 'cpu' | 'cuda';
  /** Set when `auto` fell back to the CPU: why the CUDA provider was not used. */
  fallbackReason?: string;
}

export interface SessionOptions {
  threads: number;
  provider: ExecutionProviderSetting;
  log?: (line: string) => void;
  /** Where onnxruntime-node's native libraries are (tests point it elsewhere). */
  bindingDir?: string;
}

/** Creates the session on the provider the setting asks for, falling back to the CPU under `auto`. */
export async function createSession(onnxPath: string, options: SessionOptions): Promise<SessionChoice> {
  if (options.provider === 'cpu')
    return { session: await create(onnxPath, options.threads, 'cpu'), provider: 'cpu' };
  const missing = cudaProviderMissing(options.bindingDir ?? bindingDirectory());
  let reason = missing;
  if (!missing) {
    try {
      return { session: await create(onnxPath, options.threads, 'cuda'), provider: 'cuda' };
    } catch (err) {
      reason = `a CUDA session did not start: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  if (options.provider === 'cuda') throw new Error(`inference provider cuda is unavailable: ${reason}`);
  options.log?.(`inference runs on the CPU: ${reason}`);
  return { session: await create(onnxPath, options.threads, 'cpu'), provider: 'cpu', fallbackReason: reason };
}

async function create(
  onnxPath: string,
  threads: number,
  provider: 'cpu' | 'cuda',
): Promise<ort.InferenceSession> {
  // onnxruntime loads on the first session: an API-only process never maps it (docs/architecture.md).
  const { InferenceSession } = await import('onnxruntime-node');
  return InferenceSession.create(onnxPath, {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
}

const CUDA_PROVIDER_LIBRARY = 'libonnxruntime_providers_cuda.so';

/** Why the CUDA provider cannot load, checked before trying (a missing library fails late and noisily). */
export function cudaProviderMissing(bindingDir: string): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return `onnxruntime-node has no CUDA provider for ${process.platform}/${process.arch}`;
  }
  if (!fs.existsSync(path.join(bindingDir, CUDA_PROVIDER_LIBRARY))) {
    return `${CUDA_PROVIDER_LIBRARY} is not installed in ${bindingDir} (install it with 'ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node', which fetches the CUDA 12 provider)`;
  }
  return undefined;
}

/** The folder of onnxruntime-node's native binding, where its install script puts provider libraries. */
function bindingDirectory(): string {
  const pkg = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const napi = fs.readdirSync(path.join(pkg, 'bin')).find((d) => d.startsWith('napi-v')) ?? 'napi-v6';
  return path.join(pkg, 'bin', napi, process.platform, process.arch);
}
