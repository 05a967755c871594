import { sql } from 'drizzle-orm';
import {
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
