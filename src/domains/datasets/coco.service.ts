import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { IncomingFile } from '../../blob/incoming-file.ts';
import type { Db, Executor } from '../../db/database.ts';
import { images as imagesTable, labels as labelsTable } from '../../db/schema/index.ts';
import { AppError } from '../../errors/problem.ts';
import * as projectRepo from '../projects/project.repository.ts';
import type { ProjectService } from '../projects/project.service.ts';
import {
  type CocoStructure,
  checkAnnotationIds,
  cocoFileName,
  describeValue,
  ID_REASON,
  isCocoId,
  type Json,
  MAX_RAW_FILE_NAME_CHARS,
  Problems,
  parseStructure,
  splitsFromFile,
} from './coco-file.ts';
import type { ImageFilter, ImageRow, LabelSource, Split } from './image.repository.ts';
import * as imageRepo from './image.repository.ts';
import type { ImageService, StagedImages } from './image.service.ts';
import type { NewLabel } from './label.repository.ts';
import * as labelRepo from './label.repository.ts';
import { maskToLabelRow } from './label.service.ts';
import * as poolRepo from './pool.repository.ts';

export interface CocoImportOptions {
  /** Create categories the project lacks instead of rejecting the file. */
  createCategories?: boolean;
  source?: Exclude<LabelSource, 'approved_prediction'>;
  /** Images uploaded in the same request; recorded in the import's transaction. */
  files?: AsyncIterable<IncomingFile>;
}

export interface CocoImportResult {
  images: number;
  annotations: number;
  categoriesCreated: string[];
  /** Labels of the same source on the same images that this import replaced (a retried import replaces its twin). */
  replacedLabels: number;
}

/** Longest stretch of annotation conversion between two turns of the event loop. */
const TURN_MS = 20;

/** Rows per query of an export. */
export interface ExportBatch {
  images: number;
  labels: number;
}
/**
 * Small enough that one batch's text (~0.12 MB of annotations) is all an export holds at a time; the
 * stream's backpressure (`exportStream`) keeps it from reading ahead of the client. At 1000 a batch's
 * rows outlived the young generation and were promoted: the 50k-image export peaked 31-33 MiB above the
 * idle server (2.1-2.5 s), against 6-9 MiB at 250 (2.6-3.1 s), three runs each (bench/results/foundation.md).
 */
export const EXPORT_BATCH: ExportBatch = { images: 250, labels: 250 };

/**
 * A bulk import refreshes the planner's statistics at once instead of waiting for autovacuum: planned on
 * the statistics of a near-empty table, every keyset page of a 150k-label project hash-joined and sorted the
 * whole project (400 ms a page, a 50k-image export 114 s instead of 2.3; bench/results/foundation.md).
 */
const ANALYZE_AFTER_LABELS = 5000;

export class CocoService {
  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
    private readonly imageService: ImageService,
  ) {}

  /**
   * Imports a COCO instances file in one transaction: all of it or, on any problem, none of it.
   * `coco` may be a function, called after the files are consumed (multipart parts arrive in any order).
   */
  async import(projectId: number, coco: unknown, options: CocoImportOptions = {}): Promise<CocoImportResult> {
    await this.projects.get(projectId);
    let staged: StagedImages | undefined;
    try {
      if (options.files) staged = await this.imageService.stage(projectId, options.files);
      const file = parseStructure(typeof coco === 'function' ? coco() : coco);
      const result = await this.db.transaction(async (tx) => {
        const uploaded = staged ? await staged.record(tx) : undefined;
        const result = await this.importIn(tx, projectId, file, options, uploaded?.images ?? []);
        await staged?.commitBlobs(); // only once nothing can refuse the import any more
        return result;
      });
      if (result.annotations >= ANALYZE_AFTER_LABELS) await labelRepo.refreshPlannerStatistics(this.db);
      return result;
    } finally {
      await staged?.discard();
    }
  }

  private async importIn(
    tx: Executor,
    projectId: number,
    file: CocoStructure,
    options: CocoImportOptions,
    uploaded: ImageRow[],
  ): Promise<CocoImportResult> {
    const problems = new Problems();
    checkAnnotationIds(file.annotations, problems);
    const { categoryMap, created } = await resolveCategories(
      tx,
      projectId,
      file.categories,
      options,
      problems,
    );
    const imageMap = await resolveImages(tx, projectId, file.images, uploaded, problems);
    const source = options.source ?? 'import';
    const rows: NewLabel[] = [];
    const turn = takeTurns();
    for (const [i, ann] of file.annotations.entries()) {
      const row = annotationToRow(ann, i, { projectId, source, categoryMap, imageMap }, problems);
      if (row) rows.push(row);
      await turn();
    }
    problems.throwIfAny();
    const imageIds = [...new Set([...imageMap.values()].map((img) => img.id))];
    const replaced = await tx
      .delete(labelsTable)
      .where(and(inArray(labelsTable.imageId, imageIds), eq(labelsTable.source, source)))
      .returning({ id: labelsTable.id });
    await labelRepo.insertLabels(tx, rows);
    await poolRepo.markLabeled(tx, projectId, imageIds, source);
    for (const [split, ids] of splitsFromFile(file.images, imageMap))
      await imageRepo.updateSplit(tx, projectId, ids, split);
    return {
      images: imageIds.length,
      annotations: rows.length,
      categoriesCreated: created,
      replacedLabels: replaced.length,
    };
  }

  /**
   * Streams a project's labels as a COCO instances file, reading in keyset batches so memory stays flat
   * however large the project is. Images are filtered by split and pool state, labels by source.
   */
  async *export(
    projectId: number,
    filter: { split?: Split; poolState?: ImageFilter['poolState']; source?: LabelSource } = {},
    batch: ExportBatch = EXPORT_BATCH,
  ): AsyncGenerator<string> {
    const project = await this.projects.get(projectId);
    yield `{"info":${JSON.stringify({ description: project.name, version: '1.0', date_created: new Date().toISOString() })}`;
    yield `,"categories":${JSON.stringify(project.categories.map((c) => ({ id: c.id, name: c.name, supercategory: c.supercategory ?? '' })))}`;
    yield ',"images":[';
    const imageFilter: ImageFilter = { split: filter.split, poolState: filter.poolState };
    let first = true;
    for await (const rows of this.imageBatches(projectId, imageFilter, batch.images)) {
      const text = rows
        .map((img) =>
          JSON.stringify({
            id: img.id,
            file_name: img.fileName,
            width: img.width,
            height: img.height,
            split: img.split,
            pool_state: img.poolState,
            sha256: img.sha256,
          }),
        )
        .join(',');
      yield first ? text : `,${text}`;
      first = false;
    }
    yield '],"annotations":[';
    first = true;
    for await (const rows of this.labelBatches(projectId, imageFilter, filter.source, batch.labels)) {
      const text = rows.join(',');
      yield first ? text : `,${text}`;
      first = false;
    }
    yield ']}\n';
  }

  private async *imageBatches(
    projectId: number,
    filter: ImageFilter,
    limit: number,
  ): AsyncGenerator<ImageRow[]> {
    for (let afterId = 0; ; ) {
      const rows = await imageRepo.listImages(this.db, projectId, filter, { afterId, limit });
      if (rows.length === 0) return;
      yield rows;
      afterId = rows[rows.length - 1].id;
    }
  }

  private async *labelBatches(
    projectId: number,
    filter: ImageFilter,
    source: LabelSource | undefined,
    limit: number,
  ) {
    const where = imageRepo.imageFilterSql(projectId, filter);
    for (let afterId = 0; ; ) {
      const clauses = [eq(labelsTable.projectId, projectId), gt(labelsTable.id, afterId), where];
      if (source) clauses.push(eq(labelsTable.source, source));
      // Postgres writes each annotation's JSON itself: no row objects to build and collect per label.
      const rows = await this.db
        .select({
          id: labelsTable.id,
          json: sql<string>`json_build_object(
            'id', ${labelsTable.id}, 'image_id', ${labelsTable.imageId}, 'category_id', ${labelsTable.categoryId},
            'segmentation', json_build_object('size', json_build_array(${labelsTable.height}, ${labelsTable.width}),
              'counts', ${labelsTable.rle}),
            'area', ${labelsTable.area}, 'bbox', ${labelsTable.bbox}, 'iscrowd', ${labelsTable.iscrowd}::int,
            'source', ${labelsTable.source})::text`,
        })
        .from(labelsTable)
        .innerJoin(imagesTable, eq(imagesTable.id, labelsTable.imageId))
        .where(and(...clauses))
        .orderBy(asc(labelsTable.id))
        .limit(limit);
      if (rows.length === 0) return;
      yield rows.map((r) => r.json);
      afterId = rows[rows.length - 1].id;
    }
  }
}

/**
 * Rasterising tens of thousands of annotations is seconds of CPU; handing the event loop back every
 * TURN_MS lets other requests (and health checks) through meanwhile.
 */
function takeTurns(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < TURN_MS) return;
    await yieldToLoop();
    since = performance.now();
  };
}

async function resolveCategories(
  tx: Executor,
  projectId: number,
  fileCategories: Json[],
  options: CocoImportOptions,
  problems: Problems,
): Promise<{ categoryMap: Map<unknown, number>; created: string[] }> {
  const existing = new Map((await projectRepo.listCategories(tx, [projectId])).map((c) => [c.name, c.id]));
  const toCreate: { index: number; name: string; supercategory: string | null }[] = [];
  // checkCategories has vouched for every name and id; several ids never share a name.
  const seen = new Set<string>();
  fileCategories.forEach((cat, i) => {
    const name = cat.name as string;
    if (existing.has(name) || seen.has(name)) return;
    seen.add(name);
    if (options.createCategories)
      toCreate.push({
        index: i,
        name,
        supercategory: typeof cat.supercategory === 'string' ? cat.supercategory : null,
      });
    else
      problems.add(`$.categories[${i}].name`, `unknown category "${name}" (pass createCategories to add it)`);
  });
  const inserted = await projectRepo.insertCategories(
    tx,
    projectId,
    toCreate.map(({ name, supercategory }) => ({ name, supercategory })),
  );
  for (const row of inserted) existing.set(row.name, row.id);
  const categoryMap = new Map<unknown, number>();
  for (const cat of fileCategories)
    if (existing.has(cat.name as string)) categoryMap.set(cat.id, existing.get(cat.name as string)!);
  return { categoryMap, created: inserted.map((c) => c.name) };
}

async function resolveImages(
  tx: Executor,
  projectId: number,
  fileImages: Json[],
  uploaded: ImageRow[],
  problems: Problems,
): Promise<Map<unknown, ImageRow>> {
  // Uploads are stored under storedFileName, so the COCO file's names are looked up the same way.
  const fileNames = fileImages.map((img) => cocoFileName(img.file_name));
  const names = fileNames.filter((n): n is string => n !== undefined);
  const byName = new Map<string, ImageRow[]>();
  for (const row of await imageRepo.findImagesByFileNames(tx, projectId, names))
    byName.set(row.fileName, [...(byName.get(row.fileName) ?? []), row]);
  // Files sent with the import win: their name is what the COCO file refers to, even when the bytes deduplicated.
  for (const row of uploaded) byName.set(row.fileName, [row]);
  const uploadedNames = new Map(uploaded.map((u) => [u.fileName, u]));
  const result = new Map<unknown, ImageRow>();
  for (const [i, img] of fileImages.entries()) {
    const at = `$.images[${i}]`;
    const fileName = fileNames[i];
    if (fileName === undefined) {
      problems.add(`${at}.file_name`, `must be a string of 1 to ${MAX_RAW_FILE_NAME_CHARS} characters`);
      continue;
    }
    if (!isCocoId(img.id) || result.has(img.id)) {
      problems.add(`${at}.id`, `must be present, unique and ${ID_REASON.replace('must be ', '')}`);
      continue;
    }
    const candidates = uploadedNames.has(fileName)
      ? [uploadedNames.get(fileName)!]
      : (byName.get(fileName) ?? []);
    if (candidates.length === 0) {
      problems.add(`${at}.file_name`, `no uploaded image is named ${JSON.stringify(fileName)}`);
      continue;
    }
    if (candidates.length > 1) {
      problems.add(
        `${at}.file_name`,
        `${candidates.length} uploaded images are named ${JSON.stringify(fileName)}`,
      );
      continue;
    }
    const row = candidates[0];
    for (const key of ['width', 'height'] as const)
      if (img[key] !== undefined && img[key] !== row[key])
        problems.add(
          `${at}.${key}`,
          `must be the number ${row[key]}, the ${key} of the uploaded image ${JSON.stringify(fileName)}; got ${describeValue(img[key])}`,
        );
    result.set(img.id, row);
  }
  return result;
}

function annotationToRow(
  ann: Json,
  i: number,
  ctx: {
    projectId: number;
    source: Exclude<LabelSource, 'approved_prediction'>;
    categoryMap: Map<unknown, number>;
    imageMap: Map<unknown, ImageRow>;
  },
  problems: Problems,
): NewLabel | undefined {
  const at = `$.annotations[${i}]`;
  const image = ctx.imageMap.get(ann.image_id);
  if (!image)
    return void problems.add(
      `${at}.image_id`,
      `no image with id ${JSON.stringify(ann.image_id)} in $.images`,
    );
  const categoryId = ctx.categoryMap.get(ann.category_id);
  if (categoryId === undefined)
    return void problems.add(
      `${at}.category_id`,
      `no category with id ${JSON.stringify(ann.category_id)} in $.categories`,
    );
  if (ann.iscrowd !== undefined && ![0, 1, true, false].includes(ann.iscrowd as number))
    return void problems.add(`${at}.iscrowd`, 'must be 0 or 1');
  try {
    return maskToLabelRow(
      ann.segmentation,
      { projectId: ctx.projectId, imageId: image.id, width: image.width, height: image.height },
      `${at}.segmentation`,
      {
        categoryId,
        iscrowd: ann.iscrowd === 1 || ann.iscrowd === true,
        source: ctx.source,
        provenance: { cocoAnnotationId: ann.id ?? null },
      },
    );
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    for (const p of err.invalidParams) problems.add(p.name, p.reason);
  }
}
