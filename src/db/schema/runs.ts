import { sql } from 'drizzle-orm';
import {
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
import { evaluations } from './evaluations.ts';
import { passes } from './passes.ts';
import { modelVersions, trainingJobs } from './training.ts';

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
