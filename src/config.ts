import path from 'node:path';

/** Every setting the process reads from its environment, read here and nowhere else. */
export interface Config {
  /** Set: use that server. Unset: start an embedded PostgreSQL in `dataDir/postgres`. */
  databaseUrl: string | undefined;
  dataDir: string;
  blobDir: string;
  host: string;
  port: number;
  embeddedPgPort: number;
  /** An admin key to install on first start instead of generating one. */
  adminKey: string | undefined;
  logLevel: string;
  upload: { maxFileBytes: number; maxPixels: number; maxFiles: number };
  /** Run a worker inside `serve` so one command is a whole system. */
  inProcessWorker: boolean;
  vlm: { baseUrl: string | undefined; apiKey: string | undefined; model: string | undefined };
  /** Webhook targets on loopback/private addresses are refused unless an operator allows them. */
  allowPrivateWebhookTargets: boolean;
  pythonBin: string;
}

const int = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
};

const bool = (value: string | undefined, fallback: boolean): boolean =>
  value === undefined || value === '' ? fallback : ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = path.resolve(env.VLM_LOOP_DATA_DIR ?? '.vlm-loop');
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir,
    blobDir: path.resolve(env.VLM_LOOP_BLOB_DIR ?? path.join(dataDir, 'blobs')),
    host: env.HOST ?? '127.0.0.1',
    port: int(env.PORT, 8080, 'PORT'),
    embeddedPgPort: int(env.VLM_LOOP_PG_PORT, 54329, 'VLM_LOOP_PG_PORT'),
    adminKey: env.VLM_LOOP_ADMIN_KEY || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    upload: {
      maxFileBytes: int(env.VLM_LOOP_MAX_FILE_BYTES, 50 * 1024 * 1024, 'VLM_LOOP_MAX_FILE_BYTES'),
      maxPixels: int(env.VLM_LOOP_MAX_PIXELS, 100_000_000, 'VLM_LOOP_MAX_PIXELS'),
      maxFiles: int(env.VLM_LOOP_MAX_FILES, 1000, 'VLM_LOOP_MAX_FILES'),
    },
    inProcessWorker: bool(env.VLM_LOOP_IN_PROCESS_WORKER, true),
    vlm: {
      baseUrl: env.VLM_BASE_URL || undefined,
      apiKey: env.VLM_API_KEY || undefined,
      model: env.VLM_MODEL,
    },
    allowPrivateWebhookTargets: bool(env.VLM_LOOP_ALLOW_PRIVATE_WEBHOOKS, false),
    pythonBin: env.VLM_LOOP_PYTHON ?? 'python3',
    ...overrides,
  };
}
