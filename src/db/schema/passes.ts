import {
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
import { categories, images, projects } from './datasets.ts';
import { modelVersions } from './training.ts';

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
    /** The pass's judge's full verdict (src/domains/judging/types.ts Verdict); null for human passes. */
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
