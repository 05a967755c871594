import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const ref = (name: string) => bigint(name, { mode: 'number' });

export const splitEnum = pgEnum('image_split', ['train', 'val', 'test']);
export const poolStateEnum = pgEnum('pool_state', ['labeled', 'unlabeled']);
export const labelSourceEnum = pgEnum('label_source', ['import', 'human', 'approved_prediction']);

export const projects = pgTable('projects', {
  id: id(),
  name: text('name').notNull(),
  description: text('description'),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const categories = pgTable(
  'categories',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    supercategory: text('supercategory'),
    color: text('color'),
  },
  (t) => [uniqueIndex('categories_project_name').on(t.projectId, t.name)],
);

export const images = pgTable(
  'images',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    sha256: text('sha256').notNull(),
    fileName: text('file_name').notNull(),
    mimeType: text('mime_type').notNull(),
    bytes: integer('bytes').notNull(),
    /** Display size after EXIF orientation, the frame every mask lives in. */
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    split: splitEnum('split').notNull().default('train'),
    poolState: poolStateEnum('pool_state').notNull().default('unlabeled'),
    /**
     * Which labels of a labelled image are its training labels: the source of whatever labelled it last
     * (import, human, or approved_prediction on acceptance). Null: all its labels (images labelled before
     * this column existed). An image approved from the pool may also carry hidden import labels (ground
     * truth for the oracle); those must never be trained on in place of the approved predictions.
     */
    labelSourceOfRecord: labelSourceEnum('label_source_of_record'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('images_project_sha256').on(t.projectId, t.sha256),
    index('images_project_file_name').on(t.projectId, t.fileName),
    index('images_project_split_state').on(t.projectId, t.split, t.poolState, t.id),
    // The keyset cursor of an unfiltered image list: project_id = $1 and id > $2 order by id.
    index('images_project_id').on(t.projectId, t.id),
  ],
);

export const labels = pgTable(
  'labels',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    imageId: ref('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    categoryId: ref('category_id')
      .notNull()
      .references(() => categories.id, { onDelete: 'restrict' }),
    /** COCO compressed RLE string of a mask of `height` x `width`, the image's display size. */
    rle: text('rle').notNull(),
    height: integer('height').notNull(),
    width: integer('width').notNull(),
    bbox: doublePrecision('bbox').array().notNull(),
    area: doublePrecision('area').notNull(),
    iscrowd: boolean('iscrowd').notNull().default(false),
    source: labelSourceEnum('source').notNull(),
    /** Where the label came from: import file, reviewer, or pass/model version/judge/prompt version. */
    provenance: jsonb('provenance').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [
    index('labels_image').on(t.imageId),
    index('labels_project_source').on(t.projectId, t.source, t.imageId),
    // The keyset cursor of the label list: project_id = $1 and id > $2 order by id.
    index('labels_project_id').on(t.projectId, t.id),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    name: text('name').notNull(),
    /** First characters of the key, shown in listings so a key can be recognised without storing it. */
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull(),
    /** Null for admin keys, which reach every project. */
    projectId: ref('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    /** Installed from VLM_LOOP_ADMIN_KEY: revoked when the environment names another key. */
    fromEnv: boolean('from_env').notNull().default(false),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_hash').on(t.hash)],
);

// ---- Training on a worker pool -------------------------------------------------------------------

export const trainingStatusEnum = pgEnum('training_status', [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
]);

/** What a training job trains on, frozen when the job is created so retries and resumes see the same data. */
export const labelSnapshots = pgTable(
  'label_snapshots',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    /** The project's categories at freeze time, in the trainer's class order. */
    categories: jsonb('categories').$type<{ id: number; name: string }[]>().notNull(),
    trainImageIds: bigint('train_image_ids', { mode: 'number' }).array().notNull(),
    valImageIds: bigint('val_image_ids', { mode: 'number' }).array().notNull(),
    labelIds: bigint('label_ids', { mode: 'number' }).array().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('label_snapshots_project').on(t.projectId, t.id)],
);

/** A worker process: what it serves, on which devices, and whether it is still alive (heartbeat). */
export const workers = pgTable(
  'workers',
  {
    id: text('id').primaryKey(),
    hostname: text('hostname').notNull(),
    pid: integer('pid').notNull(),
    /** `cpu` or `cuda:<index>`, one entry per device the worker may use. */
    devices: text('devices').array().notNull(),
    slots: integer('slots').notNull(),
    queues: text('queues').array().notNull(),
    currentJobs: jsonb('current_jobs').$type<Record<string, unknown>[]>().notNull().default(sql`'[]'::jsonb`),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    lastHeartbeatAt: timestamp('last_heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
    stoppedAt: timestamp('stopped_at', { withTimezone: true }),
  },
  (t) => [index('workers_heartbeat').on(t.lastHeartbeatAt)],
);

/** The record of a training job; the queue only carries its id. */
export const trainingJobs = pgTable(
  'training_jobs',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    status: trainingStatusEnum('status').notNull().default('queued'),
    preset: text('preset').notNull(),
    /** The caller's hyper-parameters; the preset fills in the rest. */
    hyper: jsonb('hyper').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    seed: integer('seed').notNull().default(0),
    /** `none` (scratch), `coco`, or `model-version` (warm start from parent_model_version_id). */
    weights: text('weights').notNull(),
    parentModelVersionId: ref('parent_model_version_id').references((): AnyPgColumn => modelVersions.id, {
      onDelete: 'set null',
    }),
    labelSnapshotId: ref('label_snapshot_id')
      .notNull()
      .references(() => labelSnapshots.id, { onDelete: 'cascade' }),
    progress: jsonb('progress').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    error: jsonb('error').$type<{ code: string; message: string }>(),
    /** Bumped by every claim: a fencing token, so a worker that lost the job can no longer write to it. */
    attempt: integer('attempt').notNull().default(0),
    workerId: text('worker_id'),
    trainerPid: integer('trainer_pid'),
    queueJobId: text('queue_job_id'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('training_jobs_project').on(t.projectId, t.id), index('training_jobs_status').on(t.status)],
);

export const modelVersions = pgTable(
  'model_versions',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    /** The version whose weights this one started from; null when trained from scratch or COCO weights. */
    parentId: ref('parent_id').references((): AnyPgColumn => modelVersions.id, { onDelete: 'set null' }),
    trainingJobId: ref('training_job_id').references((): AnyPgColumn => trainingJobs.id, {
      onDelete: 'set null',
    }),
    labelSnapshotId: ref('label_snapshot_id').references(() => labelSnapshots.id, { onDelete: 'set null' }),
    preset: text('preset').notNull(),
    /** Resolved hyper-parameters (preset defaults included), as the trainer used them. */
    hyper: jsonb('hyper').$type<Record<string, unknown>>().notNull(),
    metrics: jsonb('metrics').$type<Record<string, number | null>>().notNull(),
    trainingSeconds: doublePrecision('training_seconds').notNull(),
    device: text('device').notNull(),
    onnxSha256: text('onnx_sha256').notNull(),
    onnxBytes: bigint('onnx_bytes', { mode: 'number' }).notNull(),
    /** The best checkpoint (.pt state dict), the warm-start input of the next version; null for uploaded models. */
    checkpointSha256: text('checkpoint_sha256'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull(),
    active: boolean('active').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    index('model_versions_project').on(t.projectId, t.id),
    uniqueIndex('model_versions_training_job').on(t.trainingJobId),
    uniqueIndex('model_versions_one_active').on(t.projectId).where(sql`${t.active}`),
  ],
);

// ---- Integrations: domain events and webhooks ----------------------------------------------------

/** Every stored domain event (see src/events/registry.ts): the history webhooks deliver and clients can replay. */
export const events = pgTable(
  'events',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('events_project').on(t.projectId, t.id)],
);

/** One secret of an endpoint; after a rotation the old one signs too until it expires. */
export interface WebhookSecret {
  secret: string;
  createdAt: string;
  expiresAt: string | null;
}

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description'),
    eventTypes: text('event_types').array().notNull(),
    /** Kept in clear: signing needs them. Newest first. */
    secrets: jsonb('secrets').$type<WebhookSecret[]>().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    disabledReason: text('disabled_reason'),
    /** Failed attempts since the last success, and when that streak began: what disables an endpoint. */
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    failingSince: timestamp('failing_since', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_endpoints_project').on(t.projectId, t.id)],
);

export const webhookDeliveryStatusEnum = pgEnum('webhook_delivery_status', [
  'pending',
  'succeeded',
  'failed',
]);

/** One event on its way to one endpoint; the row, not the queue message, decides whether to send. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    endpointId: ref('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: ref('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    /** Set on a manual redelivery: the delivery it repeats. */
    redeliveryOf: ref('redelivery_of'),
    status: webhookDeliveryStatusEnum('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** While an attempt is in flight: no other worker may send this delivery before then. */
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    responseExcerpt: text('response_excerpt'),
    lastDurationMs: integer('last_duration_ms'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('webhook_deliveries_endpoint').on(t.endpointId, t.id),
    index('webhook_deliveries_event').on(t.eventId),
  ],
);

// ---- Predict and judge passes --------------------------------------------------------------------

export const passStatusEnum = pgEnum('pass_status', [
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
]);

/**
 * Where one image of a pass stands. pending -> predicting -> predicted -> judging -> judged, or
 * awaiting_review (a human judges it), or errored (final). predicting and judging are claims.
 */
export const passImageStateEnum = pgEnum('pass_image_state', [
  'pending',
  'predicting',
  'predicted',
  'judging',
  'judged',
  'awaiting_review',
  'errored',
]);

export const verdictValueEnum = pgEnum('verdict_value', ['approve', 'reject', 'abstain', 'error']);
export const passAcceptanceEnum = pgEnum('pass_acceptance', ['image', 'instance']);

/** One model version predicting on a set of images and one judge deciding on each; the worklist is pass_images. */
export const passes = pgTable(
  'passes',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    modelVersionId: ref('model_version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'cascade' }),
    status: passStatusEnum('status').notNull().default('queued'),
    /** `{ kind, ...settings }` as requested, without secrets. */
    judge: jsonb('judge').$type<Record<string, unknown>>().notNull(),
    /** The VLM API key given with the pass, kept out of `judge` so it is never returned. */
    judgeSecret: text('judge_secret'),
    /** The ONE threshold: what is drawn, listed, judged and accepted. */
    scoreThreshold: doublePrecision('score_threshold').notNull(),
    /**
     * What becomes labels. 'image' (the study's rule): an approved image's drawn predictions, nothing of a
     * rejected one. 'instance': also a rejected image whose judge marked every object found (no missed
     * objects) and at least one prediction correct: the correct ones become labels, the others crowd
     * (ignore) regions, which training neither learns as objects nor as background.
     */
    acceptance: passAcceptanceEnum('acceptance').notNull().default('image'),
    selection: jsonb('selection').$type<Record<string, unknown>>().notNull(),
    /** How often a retryable judge error is retried per image, and the first backoff. */
    retry: jsonb('retry').$type<{ maxAttempts: number; baseDelayMs: number }>().notNull(),
    agreement: jsonb('agreement').$type<Record<string, unknown>>(),
    error: jsonb('error').$type<{ code: string; message: string }>(),
    /** When a worker last re-sent jobs for this pass because none was making progress. */
    kickedAt: timestamp('kicked_at', { withTimezone: true }),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('passes_project').on(t.projectId, t.id), index('passes_status').on(t.status)],
);

/** The per-pass worklist: one row per image, claimed with a conditional UPDATE and fenced by `attempt`. */
export const passImages = pgTable(
  'pass_images',
  {
    id: id(),
    passId: ref('pass_id')
      .notNull()
      .references(() => passes.id, { onDelete: 'cascade' }),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    imageId: ref('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    state: passImageStateEnum('state').notNull().default('pending'),
    /** Bumped by every claim: only the holder of the current attempt may write the outcome. */
    attempt: integer('attempt').notNull().default(0),
    workerId: text('worker_id'),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    /** Set when its predictions were stored. */
    predictedAt: timestamp('predicted_at', { withTimezone: true }),
    /** Judge tries that ended in a retryable error; the image is errored for good at retry.maxAttempts. */
    tries: integer('tries').notNull().default(0),
    notBefore: timestamp('not_before', { withTimezone: true }).notNull().defaultNow(),
    /** The final outcome: approve or reject (by the judge or a reviewer), or error. */
    verdict: verdictValueEnum('verdict'),
    /** The machine judge abstained: the image went to the human review queue. */
    abstained: boolean('abstained').notNull().default(false),
    /** The pass's judge's full verdict (src/judges/types.ts Verdict); null for human passes. */
    judgeVerdict: jsonb('judge_verdict').$type<Record<string, unknown>>(),
    /** A reviewer's verdict from the human queue (a human pass, or an image the machine abstained on). */
    reviewVerdict: jsonb('review_verdict').$type<Record<string, unknown>>(),
    /** The oracle's verdict on the same predictions, when the image has ground truth: for agreement. */
    oracleVerdict: jsonb('oracle_verdict').$type<Record<string, unknown>>(),
    reviewSeconds: doublePrecision('review_seconds').notNull().default(0),
    /** Approved and its predictions became the image's labels (false when it was labelled meanwhile). */
    accepted: boolean('accepted').notNull().default(false),
    error: jsonb('error').$type<{ code: string; message: string; retryable: boolean; stage: string }>(),
    /** A reviewer's lease on an image awaiting review (human queue), and whose key holds it. */
    reviewLeaseUntil: timestamp('review_lease_until', { withTimezone: true }),
    reviewLeaseKeyId: bigint('review_lease_key_id', { mode: 'number' }),
    reviewLeasedAt: timestamp('review_leased_at', { withTimezone: true }),
    judgedAt: timestamp('judged_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('pass_images_pass_image').on(t.passId, t.imageId),
    index('pass_images_pass_state').on(t.passId, t.state, t.id),
  ],
);

/** A model's instances on one image in one pass; `drawnIndex` is its number on the overlay (null: under the threshold). */
export const predictions = pgTable(
  'predictions',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    passId: ref('pass_id')
      .notNull()
      .references(() => passes.id, { onDelete: 'cascade' }),
    imageId: ref('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    modelVersionId: ref('model_version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'cascade' }),
    categoryId: ref('category_id')
      .notNull()
      .references(() => categories.id, { onDelete: 'cascade' }),
    score: doublePrecision('score').notNull(),
    bbox: doublePrecision('bbox').array().notNull(),
    /** COCO compressed RLE of a `height` x `width` mask (the image's display size). */
    rle: text('rle').notNull(),
    height: integer('height').notNull(),
    width: integer('width').notNull(),
    area: doublePrecision('area').notNull(),
    drawnIndex: integer('drawn_index'),
    createdAt: createdAt(),
  },
  (t) => [
    index('predictions_pass_image').on(t.passId, t.imageId, t.id),
    index('predictions_image').on(t.imageId),
  ],
);

export const evaluationStatusEnum = pgEnum('evaluation_status', ['queued', 'completed', 'failed']);

/** A COCO evaluation against a split's labels, kept with its inputs so it can be shown again. */
export const evaluations = pgTable(
  'evaluations',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    split: splitEnum('split').notNull(),
    iouType: text('iou_type').notNull(),
    modelVersionId: ref('model_version_id').references(() => modelVersions.id, { onDelete: 'set null' }),
    status: evaluationStatusEnum('status').notNull(),
    /** What was evaluated: the kind of input and its size. */
    inputs: jsonb('inputs').$type<Record<string, unknown>>().notNull(),
    /** Summary stats, per-category AP, the printed summary and the ground-truth label ids used. */
    result: jsonb('result').$type<Record<string, unknown>>(),
    /** The COCO results list evaluated, in the blob store. */
    resultsSha256: text('results_sha256'),
    error: jsonb('error').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('evaluations_project').on(t.projectId, t.id)],
);

export const exportStatusEnum = pgEnum('export_status', ['queued', 'ready', 'failed']);

/** A COCO export written in the background to the blob store, announced by `export.ready`. */
export const exportsTable = pgTable(
  'exports',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    format: text('format').notNull(),
    /** The filter the export was asked with: split, pool state, label source. */
    filter: jsonb('filter').$type<Record<string, unknown>>().notNull(),
    status: exportStatusEnum('status').notNull(),
    sha256: text('sha256'),
    bytes: bigint('bytes', { mode: 'number' }),
    error: jsonb('error').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('exports_project').on(t.projectId, t.id)],
);

// ---- Active-learning runs (docs/runs.md) ----------------------------------------------------------

export const runStatusEnum = pgEnum('run_status', [
  'queued',
  'running',
  'paused',
  'succeeded',
  'failed',
  'cancelled',
]);

export const runStopReasonEnum = pgEnum('run_stop_reason', [
  'iterations',
  'min_approvals',
  'plateau',
  'budget',
  'pool_empty',
  'cancelled',
  'error',
]);

/** One active-learning loop over a project's train pool; its whole state, advanced by `run.step` jobs. */
export const runs = pgTable(
  'runs',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name'),
    status: runStatusEnum('status').notNull().default('queued'),
    stopReason: runStopReasonEnum('stop_reason'),
    /** The request with every default filled in (see RunConfig), without the VLM key. */
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    /** A VLM API key given with the run, handed to each pass and never returned. */
    judgeSecret: text('judge_secret'),
    /** The iteration the run is at. */
    iteration: integer('iteration').notNull().default(0),
    /** When the delayed `run.step` already sent will run: a step sends no second one before then. */
    nextStepAt: timestamp('next_step_at', { withTimezone: true }),
    error: jsonb('error').$type<{ code: string; message: string }>(),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('runs_project').on(t.projectId, t.id),
    index('runs_status').on(t.status),
    // At most one active run per project: two loops would accept into the same pool.
    uniqueIndex('runs_one_active').on(t.projectId).where(sql`${t.status} in ('queued', 'running', 'paused')`),
  ],
);

export const runIterationStatusEnum = pgEnum('run_iteration_status', [
  'pending',
  'running',
  'completed',
  'stopped',
]);
export const runStepEnum = pgEnum('run_step', ['select', 'pass', 'train', 'evaluate', 'close', 'done']);

/** One iteration of a run: the ids of its children, recorded in the transaction that creates each. */
export const runIterations = pgTable(
  'run_iterations',
  {
    id: id(),
    runId: ref('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    iteration: integer('iteration').notNull(),
    status: runIterationStatusEnum('status').notNull().default('running'),
    step: runStepEnum('step').notNull(),
    passId: ref('pass_id').references(() => passes.id, { onDelete: 'set null' }),
    trainingJobId: ref('training_job_id').references(() => trainingJobs.id, { onDelete: 'set null' }),
    modelVersionId: ref('model_version_id').references(() => modelVersions.id, { onDelete: 'set null' }),
    evaluationId: ref('evaluation_id').references(() => evaluations.id, { onDelete: 'set null' }),
    /** Iteration 0: the initial labelled set charged as annotation (images, instances). */
    initialLabels: jsonb('initial_labels').$type<{ images: number; instances: number }>(),
    trainImages: integer('train_images'),
    approved: integer('approved'),
    /** Images whose predictions became labels: the approved ones, and under 'instance' acceptance part-accepted ones. */
    accepted: integer('accepted'),
    rejected: integer('rejected'),
    abstained: integer('abstained'),
    errors: integer('errors'),
    metrics: jsonb('metrics').$type<Record<string, unknown>>(),
    agreement: jsonb('agreement').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('run_iterations_run_iteration').on(t.runId, t.iteration)],
);

export const runCostKindEnum = pgEnum('run_cost_kind', ['annotation', 'review', 'vlm', 'training']);

/** The cost ledger: one row per (run, iteration, kind), written once from the iteration's stored children. */
export const runCosts = pgTable(
  'run_costs',
  {
    id: id(),
    runId: ref('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    iteration: integer('iteration').notNull(),
    kind: runCostKindEnum('kind').notNull(),
    quantity: doublePrecision('quantity').notNull(),
    unit: text('unit').notNull(),
    /** Human seconds (annotation, review) or compute seconds (training); 0 for the VLM. */
    seconds: doublePrecision('seconds').notNull(),
    usd: doublePrecision('usd').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('run_costs_run_iteration_kind').on(t.runId, t.iteration, t.kind)],
);
