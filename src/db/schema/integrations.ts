import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, id, ref } from './columns.ts';
import { projects } from './datasets.ts';

/**
 * Hosts and networks a project's URL imports and CVAT connection may reach although they are private
 * (on-premise tools): a host name (`cvat.internal`, `*.corp.example`) or an address / CIDR (`10.0.0.0/8`).
 */
export const urlAllowEntries = pgTable(
  'url_allow_entries',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    entry: text('entry').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('url_allow_entries_project_entry').on(t.projectId, t.entry)],
);

/** A project's CVAT server: how to call its REST API, the webhook secret, and what a completed job starts. */
export const cvatConnections = pgTable('cvat_connections', {
  projectId: ref('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  baseUrl: text('base_url').notNull(),
  authHeaderName: text('auth_header_name'),
  authHeaderValue: text('auth_header_value'),
  /** Signs CVAT's webhook requests (X-Signature-256); CVAT is given it once, when the connection is made. */
  webhookSecret: text('webhook_secret').notNull(),
  onJobCompleted: jsonb('on_job_completed').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const cvatImportStatusEnum = pgEnum('cvat_import_status', [
  'queued',
  'running',
  'succeeded',
  'failed',
]);

/** One completed CVAT job's annotations pulled in (and the training it started), as the webhook asked. */
export const cvatImports = pgTable(
  'cvat_imports',
  {
    id: id(),
    projectId: ref('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    cvatJobId: bigint('cvat_job_id', { mode: 'number' }).notNull(),
    status: cvatImportStatusEnum('status').notNull().default('queued'),
    /** images, annotations, skipped file names, trainingJobId or trainingError. */
    result: jsonb('result').$type<Record<string, unknown>>(),
    error: jsonb('error').$type<{ code: string; message: string }>(),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('cvat_imports_project').on(t.projectId, t.id)],
);

/**
 * A project's Label Studio ML backend: the Label Studio it pulls images and annotations from, with the
 * token it authenticates with (kept in clear: every call needs it; never returned), and its settings.
 */
export const labelStudioIntegrations = pgTable('label_studio_integrations', {
  projectId: ref('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  url: text('url').notNull(),
  token: text('token').notNull(),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
