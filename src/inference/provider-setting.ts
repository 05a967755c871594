// Apart from execution-provider.ts so that reading the configuration does not load onnxruntime.

/**
 * Where inference runs. `cpu`: always the CPU. `cuda`: the GPU, or an error. `auto`: the GPU when
 * onnxruntime-node's CUDA provider is installed and a session starts on it, else the CPU with the
 * reason logged (the npm package ships the CPU provider only; its CUDA libraries are installed by its
 * install script with ONNXRUNTIME_NODE_INSTALL=cuda12, on a machine with CUDA 12 and cuDNN 9).
 */
export type ExecutionProviderSetting = 'cpu' | 'cuda' | 'auto';
export const EXECUTION_PROVIDER_SETTINGS: readonly ExecutionProviderSetting[] = ['cpu', 'cuda', 'auto'];

export function parseExecutionProvider(
  value: string | undefined,
  name = 'inference provider',
): ExecutionProviderSetting {
  const v = (value ?? 'cpu').trim().toLowerCase();
  if ((EXECUTION_PROVIDER_SETTINGS as readonly string[]).includes(v)) return v as ExecutionProviderSetting;
  throw new Error(`${name} must be one of ${EXECUTION_PROVIDER_SETTINGS.join(', ')}, not "${value}"`);
}
