import { boolean, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, id, ref } from './columns.ts';
import { projects } from './datasets.ts';

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
