import { compress, fromCocoSegmentation, area as rleArea, toBbox } from '../../coco/coco-rle.ts';
import type { Db, Executor } from '../../db/database.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from '../../db/pagination.ts';
import { notFound, validationError } from '../../errors/problem.ts';
import type { ProjectService } from '../projects/project.service.ts';
import type { LabelSource } from './image.repository.ts';
import * as imageRepo from './image.repository.ts';
import type { LabelRow, NewLabel } from './label.repository.ts';
import * as labelRepo from './label.repository.ts';
import * as poolRepo from './pool.repository.ts';

export interface LabelInput {
  categoryId: number;
  /** Any COCO form: polygons, uncompressed RLE or compressed RLE, in the image's display frame. */
  segmentation: unknown;
  iscrowd?: boolean;
  source?: Exclude<LabelSource, 'approved_prediction'>;
  provenance?: Record<string, unknown>;
}

/** A label as the API shows it: the mask as COCO compressed RLE with its [height, width]. */
export interface Label extends Omit<LabelRow, 'rle' | 'bbox'> {
  segmentation: { size: [number, number]; counts: string };
  bbox: [number, number, number, number];
}

export class LabelService {
  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
  ) {}

  async create(projectId: number, imageId: number, inputs: LabelInput[]): Promise<Label[]> {
    const project = await this.projects.get(projectId);
    const image = await imageRepo.findImage(this.db, projectId, imageId);
    if (!image) throw notFound('image', imageId);
    const categoryIds = new Set(project.categories.map((c) => c.id));
    const rows = inputs.map((input, i) => {
      if (!categoryIds.has(input.categoryId))
        throw validationError(
          `labels[${i}].categoryId`,
          `category ${input.categoryId} is not in project ${projectId}`,
        );
      return maskToLabelRow(
        input.segmentation,
        { projectId, imageId, width: image.width, height: image.height },
        `$.labels[${i}].segmentation`,
        {
          categoryId: input.categoryId,
          iscrowd: input.iscrowd ?? false,
          source: input.source ?? 'human',
          provenance: input.provenance ?? {},
        },
      );
    });
    // The labels given last are the image's training labels (see images.labelSourceOfRecord).
    const labelSourceOfRecord = inputs[0]?.source ?? 'human';
    return this.db.transaction(async (tx) => {
      const labels = await labelRepo.insertLabels(tx, rows);
      await poolRepo.markLabeled(tx, projectId, [imageId], labelSourceOfRecord);
      return labels.map((l) => toLabel(l));
    });
  }

  async list(
    projectId: number,
    filter: { imageId?: number; source?: LabelSource },
    page: PageRequest,
  ): Promise<Page<Label>> {
    const limit = pageLimit(page.limit);
    const rows = await labelRepo.listLabels(
      this.db,
      projectId,
      { imageIds: filter.imageId === undefined ? undefined : [filter.imageId], source: filter.source },
      { afterId: decodeCursor(page.cursor), limit: limit + 1 },
    );
    // A row proves the project exists (rows reference it): only an empty page needs asking.
    if (rows.length === 0) await this.projects.assertExists(projectId);
    const result = toPage(rows, limit);
    return { nextCursor: result.nextCursor, data: result.data.map((l) => toLabel(l)) };
  }

  async delete(projectId: number, labelId: number): Promise<void> {
    if (!(await labelRepo.deleteLabel(this.db, projectId, labelId))) throw notFound('label', labelId);
  }

  /** The labels of many images in one query (images already authorised by the caller). */
  async ofImages(imageIds: number[]): Promise<Label[]> {
    return (await labelRepo.labelsOfImages(this.db, imageIds)).map((l) => toLabel(l));
  }

  /** Per image: how many labels of each source, in one query. Images without labels are absent. */
  async countsByImage(imageIds: number[]): Promise<Map<number, Record<LabelSource, number>>> {
    const counts = new Map<number, Record<LabelSource, number>>();
    for (const row of await labelRepo.countLabelsByImage(this.db, imageIds)) {
      const entry = counts.get(row.imageId) ?? { import: 0, human: 0, approved_prediction: 0 };
      entry[row.source] = row.n;
      counts.set(row.imageId, entry);
    }
    return counts;
  }

  /** Inserts prepared rows inside a caller's transaction (COCO import, accepting predictions). */
  static insertRows(ex: Executor, rows: NewLabel[]): Promise<LabelRow[]> {
    return labelRepo.insertLabels(ex, rows);
  }
}

/** Decodes any COCO segmentation into the stored form, with bbox and area derived from the mask itself. */
export function maskToLabelRow(
  segmentation: unknown,
  image: { projectId: number; imageId: number; width: number; height: number },
  path: string,
  rest: Pick<NewLabel, 'categoryId' | 'iscrowd' | 'source' | 'provenance'>,
): NewLabel {
  const rle = fromCocoSegmentation(segmentation, image.height, image.width, path);
  return {
    projectId: image.projectId,
    imageId: image.imageId,
    rle: compress(rle).counts,
    height: image.height,
    width: image.width,
    bbox: toBbox(rle),
    area: rleArea(rle),
    ...rest,
  };
}

/** Field by field, not `{ rle, bbox, ...rest }`: the rest-spread copy was the costliest line of a label page in the CPU profile. */
export function toLabel(row: LabelRow): Label {
  return {
    id: row.id,
    projectId: row.projectId,
    imageId: row.imageId,
    categoryId: row.categoryId,
    height: row.height,
    width: row.width,
    area: row.area,
    iscrowd: row.iscrowd,
    source: row.source,
    provenance: row.provenance,
    createdAt: row.createdAt,
    segmentation: { size: [row.height, row.width], counts: row.rle },
    bbox: row.bbox as [number, number, number, number],
  };
}
