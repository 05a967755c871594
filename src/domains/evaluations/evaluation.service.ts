import { and, asc, eq, inArray } from 'drizzle-orm';
import type { BlobStore } from '../../blob/blob-store.ts';
import { toCocoAnnotation } from '../../coco/label-annotation.ts';
import type { ClientTransaction } from '../../db/client-transaction.ts';
import type { Db } from '../../db/database.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from '../../db/pagination.ts';
import { images as imagesTable, labels as labelsTable } from '../../db/schema/index.ts';
import { notFound, validationError } from '../../errors/problem.ts';
import { evaluate, formatSummary, type IouType, loadCocoGt, loadCocoResults } from '../../eval/coco-eval.ts';
import { MaskRcnnModel, type ModelCache, type ModelMetadata } from '../../inference/mask-rcnn.ts';
import type { Queue } from '../../queue/queue.ts';
import type { Split } from '../datasets/image.repository.ts';
import * as versionRepo from '../models/model-version.repository.ts';
import type { ProjectService } from '../projects/project.service.ts';
import type { EvaluationRow } from './evaluation.repository.ts';
import * as repo from './evaluation.repository.ts';

/** A COCO results entry in the project's own ids: image ids and category ids as the API shows them. */
export interface ResultEntry {
  image_id: number;
  category_id: number;
  score: number;
  segmentation?: { size: [number, number]; counts: string };
  bbox?: [number, number, number, number];
}

export interface CreateEvaluationInput {
  split: Split;
  iouType?: IouType;
  modelVersionId?: number;
  results?: ResultEntry[];
}

/** The summary people read; precision arrays stay out of the row to keep it small. */
export interface EvaluationSummary {
  stats: number[];
  perCategory: { id: number; name: string; ap: number; ap50: number }[];
  summary: string;
  images: number;
  groundTruth: number;
  detections: number;
  /** A segm evaluation's box AP from the same detections, when every one has a box. */
  bbox?: { stats: number[]; perCategory: EvaluationSummary['perCategory'] };
}

// Evaluation keeps low-scoring detections: AP integrates over every score, unlike judging.
const EVAL_MIN_SCORE = 0.05;

/**
 * A model's detections on each image as COCO results, at the evaluation's score floor. Exported so
 * `bench/trainer-onnx-eval.ts` evaluates an ONNX file exactly as the service does.
 */
export async function predictResults<I extends { id: number }>(
  model: MaskRcnnModel,
  images: Iterable<I>,
  read: (image: I) => Promise<Buffer>,
): Promise<ResultEntry[]> {
  const results: ResultEntry[] = [];
  for (const image of images) {
    for (const d of await model.predict(await read(image), { minScore: EVAL_MIN_SCORE }))
      results.push({
        image_id: image.id,
        category_id: d.categoryId,
        score: d.score,
        segmentation: d.segmentation,
        bbox: d.bbox,
      });
  }
  return results;
}

/**
 * COCO evaluation of a model version or of a user's results against a split's ground truth (labels of
 * source import or human), exactly as pycocotools computes it. Inputs are stored with the result so an
 * evaluation can be shown again: the label ids used and the results file in the blob store.
 */
export class EvaluationService {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly queue: Queue,
    private readonly projects: ProjectService,
    private readonly models: ModelCache,
  ) {}

  async create(
    projectId: number,
    input: CreateEvaluationInput,
    options: { tx?: ClientTransaction } = {},
  ): Promise<EvaluationRow> {
    await this.projects.get(projectId);
    const iouType = input.iouType ?? 'segm';
    if ((input.modelVersionId === undefined) === (input.results === undefined))
      throw validationError('modelVersionId', 'give exactly one of modelVersionId and results');
    if (input.modelVersionId !== undefined) {
      const version = await versionRepo.findModelVersion(this.db, projectId, input.modelVersionId);
      if (!version)
        throw validationError(
          'modelVersionId',
          `model version ${input.modelVersionId} is not in this project`,
        );
      // Inside the caller's transaction when given one: the row, its job and the caller's rows commit together.
      const row = await repo.insertEvaluation(options.tx?.db ?? this.db, {
        projectId,
        split: input.split,
        iouType,
        modelVersionId: version.id,
        status: 'queued',
        inputs: { kind: 'model-version' },
      });
      await this.queue.send('evaluation.run', { evaluationId: row.id }, { tx: options.tx?.client });
      return row;
    }
    const row = await repo.insertEvaluation(this.db, {
      projectId,
      split: input.split,
      iouType,
      status: 'queued',
      inputs: { kind: 'results', detections: input.results!.length },
    });
    await this.complete(row, input.results!);
    return this.get(projectId, row.id);
  }

  async get(projectId: number, id: number): Promise<EvaluationRow> {
    const row = await repo.findEvaluation(this.db, projectId, id);
    if (!row) throw notFound('evaluation', id);
    return row;
  }

  async list(projectId: number, page: PageRequest): Promise<Page<EvaluationRow>> {
    await this.projects.get(projectId);
    const limit = pageLimit(page.limit);
    const rows = await repo.listEvaluations(this.db, projectId, {
      afterId: decodeCursor(page.cursor),
      limit: limit + 1,
    });
    return toPage(rows, limit);
  }

  /** Worker side: predicts the split with the model version, then evaluates. Idempotent. */
  async run(evaluationId: number): Promise<void> {
    const row = await repo.findEvaluationById(this.db, evaluationId);
    if (row?.status !== 'queued' || row.modelVersionId === null) return;
    try {
      const results = await this.predictSplit(row);
      await this.complete(row, results);
    } catch (err) {
      await repo.finishEvaluation(this.db, row.id, {
        status: 'failed',
        result: null,
        resultsSha256: null,
        error: { code: 'evaluation_failed', message: (err as Error).message },
      });
    }
  }

  private async predictSplit(row: EvaluationRow): Promise<ResultEntry[]> {
    const version = await versionRepo.findModelVersion(this.db, row.projectId, row.modelVersionId!);
    if (!version) throw new Error(`model version ${row.modelVersionId} is gone`);
    const model = await this.models.get(String(version.id), async () =>
      MaskRcnnModel.load(
        await this.blobs.localPath(version.onnxSha256),
        version.metadata as unknown as ModelMetadata,
        this.models.loadOptions,
      ),
    );
    const images = await this.splitImages(row.projectId, row.split);
    return predictResults(model, images, (image) => this.blobs.read(image.sha256));
  }

  private splitImages(projectId: number, split: Split) {
    return this.db
      .select()
      .from(imagesTable)
      .where(and(eq(imagesTable.projectId, projectId), eq(imagesTable.split, split)))
      .orderBy(asc(imagesTable.id));
  }

  private async complete(row: EvaluationRow, results: ResultEntry[]): Promise<void> {
    const gtJson = await this.groundTruth(row.projectId, row.split);
    const gt = loadCocoGt(gtJson);
    const iouType = row.iouType as IouType;
    const dt = loadCocoResults(gt, withinSplit(results, gtJson.images), iouType);
    const result = evaluate(gt, dt, { iouType });
    // Detections with boxes give box AP from the same loaded results for the price of box IoUs: the
    // numbers a separate bbox evaluation of these results would give (pycocotools' loadRes, box mode).
    const bbox =
      iouType === 'segm' && results.every((r) => r.bbox?.length === 4)
        ? evaluate(gt, dt, { iouType: 'bbox' })
        : undefined;
    const stored = await this.blobs.put(Buffer.from(JSON.stringify(results)));
    const summary: EvaluationSummary = {
      stats: result.stats,
      perCategory: result.perCategory,
      summary: formatSummary(result),
      images: gtJson.images.length,
      groundTruth: gtJson.annotations.length,
      detections: results.length,
      ...(bbox && { bbox: { stats: bbox.stats, perCategory: bbox.perCategory } }),
    };
    await repo.finishEvaluation(this.db, row.id, {
      status: 'completed',
      result: { ...summary, labelIds: gtJson.annotations.map((a) => a.id) },
      resultsSha256: stored.sha256,
      error: null,
    });
  }

  /** The split's ground truth as a COCO instances object: labels a person or an import made. */
  private async groundTruth(projectId: number, split: Split) {
    const project = await this.projects.get(projectId);
    const images = await this.splitImages(projectId, split);
    if (images.length === 0) throw validationError('split', `the ${split} split has no images`);
    const labels = await this.db
      .select()
      .from(labelsTable)
      .where(
        and(
          inArray(
            labelsTable.imageId,
            images.map((i) => i.id),
          ),
          inArray(labelsTable.source, ['import', 'human']),
        ),
      )
      .orderBy(asc(labelsTable.id));
    return {
      images: images.map((i) => ({ id: i.id, width: i.width, height: i.height, file_name: i.fileName })),
      categories: project.categories.map((c) => ({ id: c.id, name: c.name })),
      annotations: labels.map(toCocoAnnotation),
    };
  }
}

/** Results for images outside the split are a caller's mistake: name the first one. */
function withinSplit(results: ResultEntry[], images: { id: number }[]): ResultEntry[] {
  const ids = new Set(images.map((i) => i.id));
  const bad = results.findIndex((r) => !ids.has(r.image_id));
  if (bad >= 0)
    throw validationError(`results[${bad}].image_id`, `image ${results[bad].image_id} is not in the split`);
  return results;
}
