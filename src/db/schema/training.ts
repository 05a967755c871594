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
import { createdAt, id, ref } from './columns.ts';
import { projects } from './datasets.ts';

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
    /** The latest resumable checkpoint in the blob store, so a job resumes on any worker; cleared at its end. */
    resumeCheckpointSha256: text('resume_checkpoint_sha256'),
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
