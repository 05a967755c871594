import { Readable } from 'node:stream';
import { compress } from '../../coco/coco-rle.ts';
import {
  LabelConfigError,
  type LabelStudioResult,
  type MaskTag,
  parseLabelConfig,
  resultToMask,
} from '../../coco/label-studio.ts';
import type { Db } from '../../db/database.ts';
import { AppError, notFound, validationError } from '../../errors/problem.ts';
import { FetchError } from '../../net/url-fetch.ts';
import * as imageRepo from '../datasets/image.repository.ts';
import type { ImageService } from '../datasets/image.service.ts';
import type { NewLabel } from '../datasets/label.repository.ts';
import { LabelService, maskToLabelRow } from '../datasets/label.service.ts';
import * as poolRepo from '../datasets/pool.repository.ts';
import { approvalConfidence, type PredictService } from '../models/predict.service.ts';
import * as passRepo from '../passes/pass.repository.ts';
import * as predictionRepo from '../passes/prediction.repository.ts';
import type { ProjectService } from '../projects/project.service.ts';
import type { TrainingService } from '../training/training.service.ts';
import type { LabelStudioIntegrationRow } from './label-studio.repository.ts';
import * as repo from './label-studio.repository.ts';
import { LabelStudioClient, type LabelStudioTask } from './label-studio-client.ts';
import {
  DEFAULT_SETTINGS,
  type Integration,
  type IntegrationInput,
  imageUrl,
  type LabelStudioServiceOptions,
  type LabelStudioSettings,
  type LabelStudioTaskExport,
  meanScore,
  settingsOf,
  type TaskSync,
  type TasksExportQuery,
  TRAIN_EVENTS,
  type TrainEvent,
  toIntegration,
  toResults,
  valShare,
  versionName,
} from './label-studio-shapes.ts';

const MODEL_CLASS = 'VlmLoopMaskRcnn';

/**
 * The Label Studio ML backend of a project (label-studio-ml-backend's protocol: health, setup, predict,
 * webhook) and its settings: predictions go out as brush masks or polygons with the judge's approval
 * confidence as score; annotations come back as `human` labels and may start training.
 */
export class LabelStudioService {
  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
    private readonly images: ImageService,
    private readonly predictor: PredictService,
    private readonly training: TrainingService,
    private readonly options: LabelStudioServiceOptions,
  ) {}

  // ---- settings ----------------------------------------------------------------------------------------

  async get(projectId: number): Promise<Integration> {
    return toIntegration(await this.row(projectId));
  }

  async put(projectId: number, input: IntegrationInput): Promise<Integration> {
    await this.projects.get(projectId);
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw validationError('url', 'is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw validationError('url', 'must be http or https');
    const settings = { ...DEFAULT_SETTINGS, ...input.settings };
    if (settings.judge && settings.judge.kind !== 'vlm' && settings.judge.kind !== 'accept-all')
      throw validationError(
        'settings.judge.kind',
        'Label Studio tasks have no ground truth here: use vlm or accept-all',
      );
    const row = await repo.upsertIntegration(this.db, {
      projectId,
      url: url.href.replace(/\/$/, ''),
      token: input.token,
      settings: settings as unknown as Record<string, unknown>,
    });
    return toIntegration(row);
  }

  async delete(projectId: number): Promise<void> {
    if (!(await repo.deleteIntegration(this.db, projectId)))
      throw new AppError('not-found', `project ${projectId} has no Label Studio integration`);
  }

  // ---- the ML backend protocol -------------------------------------------------------------------------

  async health(projectId: number): Promise<{ status: 'UP'; model_class: string }> {
    await this.projects.get(projectId);
    return { status: 'UP', model_class: MODEL_CLASS };
  }

  /** Checks the labelling config has a mask tag whose labels name project categories; answers the model version. */
  async setup(projectId: number, body: { schema?: unknown }): Promise<{ model_version: string }> {
    const row = await this.row(projectId);
    const tag = this.maskTag(body.schema, settingsOf(row), 'schema');
    const names = await this.categoryIds(projectId);
    if (!tag.labels.some((l) => names.has(l.toLowerCase())))
      throw validationError(
        'schema',
        `none of the labels of ${tag.fromName} (${tag.labels.join(', ')}) is a project category`,
      );
    return { model_version: await this.modelVersion(projectId, settingsOf(row)) };
  }

  /** One result per task, in order; a task that fails gets an empty result rather than failing the others. */
  async predict(
    projectId: number,
    body: { tasks?: unknown; label_config?: unknown },
    log: (line: string) => void = () => {},
  ): Promise<{ results: { result: LabelStudioResult[]; score: number; model_version: string }[] }> {
    const row = await this.row(projectId);
    const settings = settingsOf(row);
    if (!Array.isArray(body.tasks)) throw validationError('tasks', 'must be a list of tasks');
    const tag = this.maskTag(body.label_config, settings, 'label_config');
    const version = await this.predictor.version(projectId, settings.modelVersion);
    const modelVersion = versionName(version.id);
    const client = this.client(row);
    const results = [];
    for (const [i, task] of (body.tasks as LabelStudioTask[]).entries()) {
      try {
        const image = await client.image(imageUrl(task, tag));
        const predicted = await this.predictor.predict(projectId, version.id, {
          image,
          judge: settings.judge,
          scoreThreshold: settings.scoreThreshold,
        });
        const masks = predicted.detections.flatMap((d) => {
          const label = tag.labels.find((l) => l.toLowerCase() === d.categoryName.toLowerCase());
          return label ? [{ label, score: d.score, segmentation: d.segmentation }] : [];
        });
        const result = toResults(tag, masks, `t${task.id ?? i}`);
        const score = predicted.judgement?.approvalConfidence ?? meanScore(masks);
        results.push({ result, score, model_version: modelVersion });
      } catch (err) {
        log(`label studio task ${task?.id}: ${(err as Error).message}`);
        results.push({ result: [], score: 0, model_version: modelVersion });
      }
    }
    return { results };
  }

  /**
   * Label Studio's webhook: training events pull the annotations from Label Studio (all annotated tasks
   * for START_TRAINING, the one task for an annotation event), store them as `human` labels, and start
   * training when the settings say so. Other events are answered and ignored, as the protocol does.
   */
  async webhook(
    projectId: number,
    body: Record<string, unknown>,
  ): Promise<{ status: string; result?: Record<string, unknown> }> {
    const action = String(body.action ?? '');
    if (!(TRAIN_EVENTS as readonly string[]).includes(action)) return { status: 'Unknown event' };
    const row = await this.row(projectId);
    const settings = settingsOf(row);
    const project = (body.project ?? {}) as { id?: unknown; label_config?: unknown };
    const tags = this.maskTags(project.label_config, settings, 'project.label_config');
    const client = this.client(row);
    let tasks: LabelStudioTask[];
    try {
      if (action === 'START_TRAINING') tasks = await client.annotatedTasks(Number(project.id));
      else tasks = [await client.task(Number((body.task as { id?: unknown } | undefined)?.id))];
    } catch (err) {
      if (err instanceof FetchError) throw new AppError('unavailable', `Label Studio: ${err.message}`);
      throw err;
    }
    const synced: TaskSync[] = [];
    for (const task of tasks)
      synced.push(await this.syncTask(projectId, row, tags, task, Number(project.id)));
    const result: Record<string, unknown> = { tasks: synced };
    if (settings.trainOn.includes(action as TrainEvent))
      result.training = await this.train(projectId, settings);
    return { status: 'ok', result };
  }

  /** The legacy `/train` call (Label Studio without the START_TRAINING webhook flag): the tasks come inline. */
  async train(projectId: number, settings?: LabelStudioSettings): Promise<Record<string, unknown>> {
    const s = settings ?? settingsOf(await this.row(projectId));
    try {
      const job = await this.training.create(projectId, s.training);
      return { trainingJobId: job.id, status: job.status };
    } catch (err) {
      if (err instanceof AppError) return { error: err.message };
      throw err;
    }
  }

  async trainWithTasks(
    projectId: number,
    body: { annotations?: unknown; label_config?: unknown; project?: unknown },
  ): Promise<{ status: string; result: Record<string, unknown> }> {
    const row = await this.row(projectId);
    const settings = settingsOf(row);
    if (!Array.isArray(body.annotations) || body.annotations.length === 0)
      throw validationError('annotations', 'no annotated task to train on');
    const tags = this.maskTags(body.label_config, settings, 'label_config');
    const synced: TaskSync[] = [];
    for (const task of body.annotations as LabelStudioTask[])
      synced.push(
        await this.syncTask(projectId, row, tags, task, Number(String(body.project ?? '').split('.')[0])),
      );
    return { status: 'ok', result: { tasks: synced, training: await this.train(projectId, settings) } };
  }

  // ---- pulling annotations -----------------------------------------------------------------------------

  /**
   * A task's latest kept annotation replaces the labels its image got from Label Studio before. The image
   * is fetched and uploaded (the same bytes find the same image); without an annotation left, the image
   * goes back to the unlabelled pool.
   */
  private async syncTask(
    projectId: number,
    row: LabelStudioIntegrationRow,
    tags: MaskTag[],
    task: LabelStudioTask,
    lsProjectId: number,
  ): Promise<TaskSync> {
    const tag = tags[0];
    const sync: TaskSync = { taskId: task.id, imageId: null, labels: 0, skipped: [] };
    try {
      const bytes = await this.client(row).image(imageUrl(task, tag));
      const split = valShare(task.id) < settingsOf(row).valFraction ? 'val' : 'train';
      const upload = await this.images.upload(
        projectId,
        (async function* () {
          yield {
            field: `task ${task.id}`,
            fileName: `label-studio-task-${task.id}`,
            stream: Readable.from(bytes),
          };
        })(),
        { split, poolState: 'unlabeled' },
      );
      const image = upload.images[0];
      sync.imageId = image.id;
      const annotation = (task.annotations ?? [])
        .filter((a) => !a.was_cancelled)
        .sort((a, b) => String(a.updated_at ?? '').localeCompare(String(b.updated_at ?? '')) || a.id - b.id)
        .at(-1);
      const categories = await this.categoryIds(projectId);
      const maskNames = new Set(tags.filter((t) => t.toName === tag.toName).map((t) => t.fromName));
      const rows: NewLabel[] = [];
      for (const result of annotation?.result ?? []) {
        // Any mask tag of the config labelling the same image counts (brush and polygon alike).
        if (!maskNames.has(String(result.from_name ?? tag.fromName))) continue;
        const mask = resultToMask(result, image.width, image.height);
        if ('skipped' in mask) {
          sync.skipped.push(mask.skipped);
          continue;
        }
        const categoryId = categories.get(mask.label.toLowerCase());
        if (categoryId === undefined) {
          sync.skipped.push(`label ${mask.label} is not a project category`);
          continue;
        }
        rows.push(
          maskToLabelRow(
            compress(mask.rle),
            { projectId, imageId: image.id, width: image.width, height: image.height },
            `task ${task.id}`,
            {
              categoryId,
              iscrowd: false,
              source: 'human',
              provenance: {
                labelStudio: {
                  url: row.url,
                  projectId: lsProjectId,
                  taskId: task.id,
                  annotationId: annotation?.id,
                },
              },
            },
          ),
        );
      }
      await this.db.transaction(async (tx) => {
        await repo.deleteLabelStudioLabels(tx, projectId, image.id);
        await LabelService.insertRows(tx, rows);
        if (annotation) await poolRepo.markLabeled(tx, projectId, [image.id], 'human');
        else await poolRepo.setPoolState(tx, projectId, [image.id], 'unlabeled');
      });
      sync.labels = rows.length;
    } catch (err) {
      // One task's failure (its image unreachable, a mask of another size) must not lose the others.
      sync.error = (err as Error).message;
    }
    return sync;
  }

  // ---- export ------------------------------------------------------------------------------------------

  /**
   * A pass's images as Label Studio tasks with its predictions as pre-annotations (the drawn ones, above
   * the pass's threshold), scored by the judge's approval confidence. `imageUrl` says where Label Studio
   * will find each image: a prefix the file name is appended to, or by default this API's original URL.
   */
  async tasksExport(projectId: number, query: TasksExportQuery): Promise<LabelStudioTaskExport[]> {
    const project = await this.projects.get(projectId);
    const pass = await passRepo.findPass(this.db, projectId, query.passId);
    if (!pass) throw notFound('pass', query.passId);
    const tag: MaskTag = {
      type: query.output === 'polygon' ? 'PolygonLabels' : 'BrushLabels',
      fromName: query.fromName ?? 'label',
      toName: query.toName ?? 'image',
      dataKey: query.toName ?? 'image',
      labels: project.categories.map((c) => c.name),
    };
    const names = new Map(project.categories.map((c) => [c.id, c.name]));
    const images = await repo.passImagesWithVerdicts(this.db, pass.id);
    const rows = new Map(
      (
        await imageRepo.findImagesByIds(
          this.db,
          projectId,
          images.map((i) => i.imageId),
        )
      ).map((r) => [r.id, r]),
    );
    const predictions = await predictionRepo.predictionsOf(this.db, pass.id, [...rows.keys()], {
      drawnOnly: true,
    });
    return images.flatMap(({ imageId, judgeVerdict }) => {
      const image = rows.get(imageId);
      if (!image) return [];
      const masks = predictions
        .filter((p) => p.imageId === imageId)
        .map((p) => ({
          label: names.get(p.categoryId) ?? String(p.categoryId),
          score: p.score,
          segmentation: { size: [p.height, p.width] as [number, number], counts: p.rle },
        }));
      const verdict = judgeVerdict as { verdict?: string; confidence?: number } | null;
      const confidence = verdict?.verdict
        ? approvalConfidence({ verdict: verdict.verdict as 'approve', confidence: verdict.confidence })
        : null;
      const url = query.imageUrl
        ? `${query.imageUrl}${image.fileName}`
        : `${query.apiBase}/v1/projects/${projectId}/images/${image.id}/original`;
      return [
        {
          data: { [tag.dataKey]: url, vlmLoopImageId: image.id },
          predictions: [
            {
              model_version: versionName(pass.modelVersionId),
              score: confidence ?? meanScore(masks),
              result: toResults(tag, masks, `i${image.id}`),
            },
          ],
        },
      ];
    });
  }

  // ---- helpers -----------------------------------------------------------------------------------------

  private async row(projectId: number): Promise<LabelStudioIntegrationRow> {
    await this.projects.get(projectId);
    const row = await repo.findIntegration(this.db, projectId);
    if (!row)
      throw new AppError(
        'conflict',
        `project ${projectId} has no Label Studio integration: PUT /v1/projects/${projectId}/integrations/label-studio first`,
      );
    return row;
  }

  private client(row: LabelStudioIntegrationRow): LabelStudioClient {
    return new LabelStudioClient({
      url: row.url,
      token: row.token,
      allowPrivate: this.options.allowPrivateUrls,
      timeoutMs: this.options.timeoutMs,
      maxBytes: this.options.maxImageBytes,
    });
  }

  /** The config's mask tag of the kind the settings ask for (the other kind when it has only that). */
  /** The config's mask tags, the kind the settings ask for first (the other kind when it has only that). */
  private maskTags(config: unknown, settings: LabelStudioSettings, field: string): MaskTag[] {
    if (typeof config !== 'string' || config.trim() === '')
      throw validationError(field, 'the labelling config is missing');
    let tags: MaskTag[];
    try {
      tags = parseLabelConfig(config);
    } catch (err) {
      if (err instanceof LabelConfigError) throw validationError(field, err.message);
      throw err;
    }
    if (tags.length === 0)
      throw validationError(field, 'the labelling config has no BrushLabels or PolygonLabels tag');
    const wanted = settings.output === 'polygon' ? 'PolygonLabels' : 'BrushLabels';
    return [...tags.filter((t) => t.type === wanted), ...tags.filter((t) => t.type !== wanted)];
  }

  private maskTag(config: unknown, settings: LabelStudioSettings, field: string): MaskTag {
    return this.maskTags(config, settings, field)[0];
  }

  private async categoryIds(projectId: number): Promise<Map<string, number>> {
    const project = await this.projects.get(projectId);
    return new Map(project.categories.map((c) => [c.name.toLowerCase(), c.id]));
  }

  private async modelVersion(projectId: number, settings: LabelStudioSettings): Promise<string> {
    try {
      return versionName((await this.predictor.version(projectId, settings.modelVersion)).id);
    } catch (err) {
      // Label Studio connects before the first model exists; it asks again on every predict.
      if (err instanceof AppError && err.kind === 'not-found') return 'none';
      throw err;
    }
  }
}
