import { bigint, index, jsonb, pgEnum, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt, id, ref } from './columns.ts';
import { projects, splitEnum } from './datasets.ts';
import { modelVersions } from './training.ts';

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
