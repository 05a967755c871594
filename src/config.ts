import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ExecutionProviderSetting, parseExecutionProvider } from './inference/provider-setting.ts';

/** Every setting the process reads from its environment, read here and nowhere else. */
export interface Config {
  /** Set: use that server. Unset: start an embedded PostgreSQL in `dataDir/postgres`. */
  databaseUrl: string | undefined;
  dataDir: string;
  blobDir: string;
  /** `s3://bucket/prefix`: blobs in S3-compatible storage (see S3Config); unset: the folder `blobDir`. */
  blobUrl: string | undefined;
  s3: S3Config;
  host: string;
  port: number;
  embeddedPgPort: number;
  /** An admin key to install on first start instead of generating one. */
  adminKey: string | undefined;
  logLevel: string;
  upload: { maxFileBytes: number; maxPixels: number; maxFiles: number };
  /** Staged blob files older than `maxAgeMs` are removed at start and every `sweepMs`; COCO bodies are capped. */
  blobTmp: { maxAgeMs: number; sweepMs: number };
  coco: { maxBytes: number };
  /** Run a worker inside `serve` so one command is a whole system. */
  inProcessWorker: boolean;
  vlm: { baseUrl: string | undefined; apiKey: string | undefined; model: string | undefined };
  /** Webhook targets on loopback/private addresses are refused unless an operator allows them. */
  allowPrivateWebhookTargets: boolean;
  pythonBin: string;
  worker: WorkerConfig;
  trainer: TrainerConfig;
  webhooks: WebhookConfig;
  graphql: GraphqlConfig;
  http: HttpConfig;
  /** After SIGTERM/SIGINT, serve and worker exit (1) if closing takes longer than this. */
  shutdownTimeoutMs: number;
  /** Where predictions run: `auto` (CUDA when onnxruntime-node's CUDA provider is installed), `cpu`, `cuda`. */
  inference: { provider: ExecutionProviderSetting };
}

/**
 * The S3 client's settings, from the standard AWS variables; credentials (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, profiles, instance roles) are left to the SDK's default chain.
 */
export interface S3Config {
  /** Set (MinIO, R2, moto...): path-style addressing at this endpoint. Unset: AWS itself. */
  endpoint: string | undefined;
  region: string;
  /** Attempts per request, the first included, with the SDK's exponential backoff between them. */
  maxAttempts: number;
  partBytes: number;
  partConcurrency: number;
  /** `presigned`: image originals and ONNX models are redirects to presigned URLs; `stream`: proxied. */
  downloads: 'stream' | 'presigned';
  presignSeconds: number;
  /** Local copies (for the trainer and onnxruntime) are trimmed to this size, least recently used first. */
  cacheBytes: number;
}

export interface HttpConfig {
  /** Largest JSON body an ordinary route reads. */
  maxJsonBytes: number;
  /** Deepest nesting of arrays and objects a JSON body may have. */
  maxJsonDepth: number;
  /** A request whose headers and body have not all arrived after this long is answered 408 and closed. */
  requestTimeoutMs: number;
}

export interface WebhookConfig {
  /** One delivery attempt gives up after this long (connect, send and response together). */
  timeoutMs: number;
  /** Retry n waits about retryBaseMs * 2^(n-1), capped at retryMaxDelayMs, with jitter. */
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** A delivery is retried while it is younger than this; then it has failed for good. */
  retryForMs: number;
  /** An endpoint is disabled once every attempt has failed for this long and at least this many times. */
  disableAfterMs: number;
  disableAfterFailures: number;
  /** After a rotation the old secret still signs for this long, so receivers can switch without a gap. */
  secretOverlapMs: number;
}

export interface GraphqlConfig {
  maxDepth: number;
  /** Estimated fields a query may resolve (list sizes multiplied in); larger queries are refused. */
  maxCost: number;
  /** Aliased fields per document, each fragment counted every time it is spread. */
  maxAliases: number;
  /** Field selections per document (fragment spreads count too), before list sizes are multiplied in. */
  maxFields: number;
  /** Lexical tokens per document: the parser stops there, so a huge document costs little. */
  maxTokens: number;
}

export interface WorkerConfig {
  /** `cpu`, `all` (every GPU nvidia-smi lists) or GPU indexes `0,1`; unset: every GPU, else the CPU. */
  devices: string | undefined;
  /** Device slots (jobs at once); unset: one per device. */
  slots: number | undefined;
  /** Queues to serve; unset: all of them. */
  queues: string[] | undefined;
  heartbeatMs: number;
  /** A worker silent for this long is dead: its running jobs go back to the queue. */
  staleAfterMs: number;
  pollMs: number;
}

export interface TrainerConfig {
  /** The Python package's folder, with setup.sh; the venv is `dir/.venv`. */
  dir: string;
  /** The venv's interpreter that runs `-m vlm_loop_trainer`. */
  python: string;
  /** Torch threads per CPU slot; unset: the cores divided among the slots. */
  threads: number | undefined;
  checkpointEvery: number;
  progressEvery: number;
  /** Progress is written to the job record at most this often (evaluations and checkpoints at once). */
  progressWriteMs: number;
  /** Create the venv on first need instead of failing the job. */
  autoSetup: boolean;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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
    blobUrl: env.VLM_LOOP_BLOB_URL || undefined,
    s3: s3Config(env),
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
    blobTmp: {
      maxAgeMs: int(env.VLM_LOOP_BLOB_TMP_MAX_AGE_MS, 3600_000, 'VLM_LOOP_BLOB_TMP_MAX_AGE_MS'),
      sweepMs: int(env.VLM_LOOP_BLOB_TMP_SWEEP_MS, 600_000, 'VLM_LOOP_BLOB_TMP_SWEEP_MS'),
    },
    coco: { maxBytes: int(env.VLM_LOOP_MAX_COCO_BYTES, 64 * 1024 * 1024, 'VLM_LOOP_MAX_COCO_BYTES') },
    inProcessWorker: bool(env.VLM_LOOP_IN_PROCESS_WORKER, true),
    vlm: {
      baseUrl: env.VLM_BASE_URL || undefined,
      apiKey: env.VLM_API_KEY || undefined,
      model: env.VLM_MODEL,
    },
    allowPrivateWebhookTargets: bool(env.VLM_LOOP_ALLOW_PRIVATE_WEBHOOKS, false),
    pythonBin: env.VLM_LOOP_PYTHON ?? 'python3',
    worker: {
      devices: env.VLM_LOOP_WORKER_DEVICES || undefined,
      slots: env.VLM_LOOP_WORKER_SLOTS
        ? int(env.VLM_LOOP_WORKER_SLOTS, 1, 'VLM_LOOP_WORKER_SLOTS')
        : undefined,
      queues: env.VLM_LOOP_WORKER_QUEUES
        ? env.VLM_LOOP_WORKER_QUEUES.split(',').map((q) => q.trim())
        : undefined,
      heartbeatMs: int(env.VLM_LOOP_WORKER_HEARTBEAT_MS, 5000, 'VLM_LOOP_WORKER_HEARTBEAT_MS'),
      staleAfterMs: int(env.VLM_LOOP_WORKER_STALE_MS, 30_000, 'VLM_LOOP_WORKER_STALE_MS'),
      pollMs: int(env.VLM_LOOP_QUEUE_POLL_MS, 2000, 'VLM_LOOP_QUEUE_POLL_MS'),
    },
    trainer: trainerConfig(env),
    webhooks: webhookConfig(env),
    graphql: {
      maxDepth: int(env.VLM_LOOP_GRAPHQL_MAX_DEPTH, 10, 'VLM_LOOP_GRAPHQL_MAX_DEPTH'),
      maxCost: int(env.VLM_LOOP_GRAPHQL_MAX_COST, 50_000, 'VLM_LOOP_GRAPHQL_MAX_COST'),
      maxAliases: int(env.VLM_LOOP_GRAPHQL_MAX_ALIASES, 100, 'VLM_LOOP_GRAPHQL_MAX_ALIASES'),
      maxFields: int(env.VLM_LOOP_GRAPHQL_MAX_FIELDS, 1000, 'VLM_LOOP_GRAPHQL_MAX_FIELDS'),
      maxTokens: int(env.VLM_LOOP_GRAPHQL_MAX_TOKENS, 10_000, 'VLM_LOOP_GRAPHQL_MAX_TOKENS'),
    },
    http: httpConfig(env),
    shutdownTimeoutMs: int(env.VLM_LOOP_SHUTDOWN_TIMEOUT_MS, 30_000, 'VLM_LOOP_SHUTDOWN_TIMEOUT_MS'),
    inference: {
      provider: parseExecutionProvider(
        env.VLM_LOOP_INFERENCE_PROVIDER ?? 'auto',
        'VLM_LOOP_INFERENCE_PROVIDER',
      ),
    },
    ...overrides,
  };
}

function s3Config(env: NodeJS.ProcessEnv): S3Config {
  const downloads = env.VLM_LOOP_BLOB_DOWNLOADS || 'stream';
  if (downloads !== 'stream' && downloads !== 'presigned')
    throw new Error(`VLM_LOOP_BLOB_DOWNLOADS must be "stream" or "presigned", got "${downloads}"`);
  return {
    endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    maxAttempts: Math.max(1, int(env.VLM_LOOP_S3_MAX_ATTEMPTS, 5, 'VLM_LOOP_S3_MAX_ATTEMPTS')),
    partBytes: Math.max(5 << 20, int(env.VLM_LOOP_S3_PART_BYTES, 8 << 20, 'VLM_LOOP_S3_PART_BYTES')),
    partConcurrency: Math.max(1, int(env.VLM_LOOP_S3_PART_CONCURRENCY, 4, 'VLM_LOOP_S3_PART_CONCURRENCY')),
    downloads,
    presignSeconds: int(env.VLM_LOOP_BLOB_PRESIGN_SECONDS, 900, 'VLM_LOOP_BLOB_PRESIGN_SECONDS'),
    cacheBytes: int(env.VLM_LOOP_BLOB_CACHE_BYTES, 10 * 1024 ** 3, 'VLM_LOOP_BLOB_CACHE_BYTES'),
  };
}

function httpConfig(env: NodeJS.ProcessEnv): HttpConfig {
  const mib = 1024 * 1024;
  return {
    maxJsonBytes: int(env.VLM_LOOP_MAX_JSON_BYTES, mib, 'VLM_LOOP_MAX_JSON_BYTES'),
    maxJsonDepth: int(env.VLM_LOOP_MAX_JSON_DEPTH, 64, 'VLM_LOOP_MAX_JSON_DEPTH'),
    requestTimeoutMs: int(env.VLM_LOOP_REQUEST_TIMEOUT_MS, 120_000, 'VLM_LOOP_REQUEST_TIMEOUT_MS'),
  };
}

function trainerConfig(env: NodeJS.ProcessEnv): TrainerConfig {
  const dir = path.resolve(env.VLM_LOOP_TRAINER_DIR ?? path.join(REPO_ROOT, 'trainer'));
  return {
    dir,
    python: path.resolve(env.VLM_LOOP_TRAINER_PYTHON ?? path.join(dir, '.venv', 'bin', 'python')),
    threads: env.VLM_LOOP_TRAINER_THREADS
      ? int(env.VLM_LOOP_TRAINER_THREADS, 1, 'VLM_LOOP_TRAINER_THREADS')
      : undefined,
    checkpointEvery: int(env.VLM_LOOP_TRAINER_CHECKPOINT_EVERY, 200, 'VLM_LOOP_TRAINER_CHECKPOINT_EVERY'),
    progressEvery: int(env.VLM_LOOP_TRAINER_PROGRESS_EVERY, 10, 'VLM_LOOP_TRAINER_PROGRESS_EVERY'),
    progressWriteMs: int(env.VLM_LOOP_TRAINER_PROGRESS_WRITE_MS, 1000, 'VLM_LOOP_TRAINER_PROGRESS_WRITE_MS'),
    autoSetup: bool(env.VLM_LOOP_TRAINER_AUTO_SETUP, true),
  };
}

function webhookConfig(env: NodeJS.ProcessEnv): WebhookConfig {
  const hour = 3600_000;
  return {
    timeoutMs: int(env.VLM_LOOP_WEBHOOK_TIMEOUT_MS, 10_000, 'VLM_LOOP_WEBHOOK_TIMEOUT_MS'),
    retryBaseMs: int(env.VLM_LOOP_WEBHOOK_RETRY_BASE_MS, 5000, 'VLM_LOOP_WEBHOOK_RETRY_BASE_MS'),
    retryMaxDelayMs: int(env.VLM_LOOP_WEBHOOK_RETRY_MAX_MS, hour, 'VLM_LOOP_WEBHOOK_RETRY_MAX_MS'),
    retryForMs: int(env.VLM_LOOP_WEBHOOK_RETRY_FOR_MS, 24 * hour, 'VLM_LOOP_WEBHOOK_RETRY_FOR_MS'),
    disableAfterMs: int(
      env.VLM_LOOP_WEBHOOK_DISABLE_AFTER_MS,
      24 * hour,
      'VLM_LOOP_WEBHOOK_DISABLE_AFTER_MS',
    ),
    disableAfterFailures: int(
      env.VLM_LOOP_WEBHOOK_DISABLE_AFTER_FAILURES,
      20,
      'VLM_LOOP_WEBHOOK_DISABLE_AFTER_FAILURES',
    ),
    secretOverlapMs: int(
      env.VLM_LOOP_WEBHOOK_SECRET_OVERLAP_MS,
      24 * hour,
      'VLM_LOOP_WEBHOOK_SECRET_OVERLAP_MS',
    ),
  };
}
