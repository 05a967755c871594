import type { BlobStore } from '../../blob/blob-store.ts';
import type { CompressedRle } from '../../coco/coco-rle.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { AppError, validationError } from '../../errors/problem.ts';
import { type Detection, MaskRcnnModel, ModelCache, type ModelMetadata } from '../../inference/mask-rcnn.ts';
import { FetchError, fetchBytes } from '../../net/url-fetch.ts';
import { renderOverlay } from '../../overlay/overlay.ts';
import { ALLOWED_FORMATS } from '../datasets/image-probe.ts';
import { loadPromptTemplate, type PromptTemplate } from '../judging/prompt.ts';
import type { InstanceVerdictValue, Verdict, VerdictError } from '../judging/types.ts';
import { buildJudge, type JudgeConfig, resolveJudge } from '../passes/pass-judges.ts';
import { categoryNames } from '../passes/pass-outcome.ts';
import type { ModelVersionRow } from './model-version.repository.ts';
import type { ModelVersionService } from './model-version.service.ts';

/** Which version: an id, or the project's active one. */
export type VersionRef = number | 'active';

export interface PredictInput {
  /** The encoded image, or a URL to fetch it from (through the SSRF guard). */
  image?: Buffer;
  url?: string;
  /** Ask a judge about the predictions: `vlm` or `accept-all` (the others need ground truth). */
  judge?: JudgeConfig;
  /** Keep detections scoring at least this; default the model's own threshold. */
  scoreThreshold?: number;
  /** Return the Set-of-Mark overlay the judge sees, as a data: URL. */
  overlay?: boolean;
}

export interface PredictedInstance {
  categoryId: number;
  categoryName: string;
  score: number;
  bbox: [number, number, number, number];
  segmentation: CompressedRle;
  area: number;
}

export interface InstanceJudgement {
  /** Position in `detections` (0-based). */
  detection: number;
  verdict: InstanceVerdictValue;
  note?: string;
}

export interface PredictResult {
  modelVersionId: number;
  width: number;
  height: number;
  scoreThreshold: number;
  detections: PredictedInstance[];
  judgement?: {
    verdict: Verdict['verdict'];
    /** How sure the judge is that the image's predictions should be approved, 0..1; null when unknown. */
    approvalConfidence: number | null;
    reason: string;
    missedObjects: number | null;
    judge: Verdict['judge'];
    latencyMs: number;
    error: VerdictError | null;
  };
  verdicts?: InstanceJudgement[];
  overlayUrl?: string;
}

export interface PredictServiceOptions {
  upload: Config['upload'];
  vlm: Config['vlm'];
  /** Whether URLs may name loopback/private hosts (VLM_LOOP_ALLOW_PRIVATE_WEBHOOKS). */
  allowPrivateUrls: boolean;
  fetchTimeoutMs: number;
  /** onnxruntime threads per session. */
  threads: number;
}

const JUDGES_WITHOUT_TRUTH = new Set(['vlm', 'accept-all']);

/**
 * Synchronous predict: one image in, the model's detections out, optionally judged. Runs in the API
 * process with one onnxruntime session per model version, created on first use and kept.
 */
export class PredictService {
  private readonly models = new ModelCache();
  private prompt: Promise<PromptTemplate> | undefined;

  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly versions: ModelVersionService,
    private readonly options: PredictServiceOptions,
  ) {}

  async predict(projectId: number, ref: VersionRef, input: PredictInput): Promise<PredictResult> {
    if (input.judge && !JUDGES_WITHOUT_TRUTH.has(input.judge.kind))
      throw validationError(
        'judge.kind',
        `a ${input.judge.kind} judge needs a pass over project images; predict takes vlm or accept-all`,
      );
    const version = await this.version(projectId, ref);
    const bytes = await this.imageBytes(input);
    await this.checkImage(bytes);
    const model = await this.model(version);
    const threshold = input.scoreThreshold ?? model.metadata.scoreThreshold;
    const { tensor, width, height } = await MaskRcnnModel.imageTensor(bytes);
    const detections = (await model.predictTensor(tensor, width, height, { minScore: threshold })).map(
      toInstance,
    );
    const result: PredictResult = {
      modelVersionId: version.id,
      width,
      height,
      scoreThreshold: threshold,
      detections,
    };
    if (input.overlay) result.overlayUrl = await overlayDataUrl(bytes, detections, threshold);
    if (input.judge) Object.assign(result, await this.judge(projectId, input.judge, bytes, result));
    return result;
  }

  async close(): Promise<void> {
    await this.models.clear();
  }

  /** The version a request names; 'active' is a 404 naming the project when there is none. */
  async version(projectId: number, ref: VersionRef): Promise<ModelVersionRow> {
    if (ref !== 'active') return this.versions.find(projectId, ref);
    const active = await this.versions.active(projectId);
    if (!active)
      throw new AppError('not-found', `project ${projectId} has no active model version; activate one first`);
    return active;
  }

  private model(version: ModelVersionRow): Promise<MaskRcnnModel> {
    return this.models.get(String(version.id), async () =>
      MaskRcnnModel.load(
        await this.blobs.localPath(version.onnxSha256),
        version.metadata as unknown as ModelMetadata,
        { threads: this.options.threads },
      ),
    );
  }

  private async imageBytes(input: PredictInput): Promise<Buffer> {
    if (input.image && input.url) throw validationError('url', 'give either an image or a url, not both');
    if (input.image) return input.image;
    if (!input.url) throw validationError('image', 'give an image (multipart) or a url (JSON)');
    try {
      return await fetchBytes(input.url, {
        allowPrivate: this.options.allowPrivateUrls,
        maxBytes: this.options.upload.maxFileBytes,
        timeoutMs: this.options.fetchTimeoutMs,
      });
    } catch (err) {
      if (!(err instanceof FetchError)) throw err;
      if (err.kind === 'too_large')
        throw new AppError('payload-too-large', `url: ${err.message}`, [
          { name: 'url', reason: err.message },
        ]);
      throw validationError('url', err.kind === 'refused' ? `refused: ${err.message}` : err.message);
    }
  }

  /** An allowed format whose header declares no more pixels than the limit, before anything is decoded. */
  private async checkImage(bytes: Buffer): Promise<void> {
    const field = 'image';
    const sharp = (await import('sharp')).default; // loaded on first use (docs/architecture.md)
    const meta = await sharp(bytes, { limitInputPixels: false })
      .metadata()
      .catch(() => {
        throw validationError(field, 'is not a decodable image');
      });
    if (!meta.format || !(meta.format in ALLOWED_FORMATS))
      throw validationError(field, `has format ${meta.format ?? 'unknown'}; allowed: JPEG, PNG, WebP, TIFF`);
    const pixels = (meta.width ?? 0) * (meta.height ?? 0);
    if (pixels === 0) throw validationError(field, 'declares no size');
    if (pixels > this.options.upload.maxPixels)
      throw validationError(
        field,
        `declares ${pixels} pixels, more than the limit of ${this.options.upload.maxPixels}`,
      );
  }

  private async judge(
    projectId: number,
    config: JudgeConfig,
    image: Buffer,
    result: PredictResult,
  ): Promise<Pick<PredictResult, 'judgement' | 'verdicts'>> {
    const { stored, secret } = resolveJudge(config, this.options.vlm);
    const judge = await buildJudge({
      judge: stored,
      secret,
      scoreThreshold: result.scoreThreshold,
      categories: [...(await categoryNames(this.db, projectId))].map(([id, name]) => ({ id, name })),
      prompt: () => {
        this.prompt ??= loadPromptTemplate();
        return this.prompt;
      },
      vlm: this.options.vlm,
    });
    if (!judge) throw validationError('judge.kind', 'this judge cannot answer synchronously');
    const verdict = await judge.judge({
      imageId: 0,
      image,
      width: result.width,
      height: result.height,
      instances: result.detections,
    });
    return {
      judgement: {
        verdict: verdict.verdict,
        approvalConfidence: approvalConfidence(verdict),
        reason: verdict.reason,
        missedObjects: verdict.missedObjects ?? null,
        judge: verdict.judge,
        latencyMs: verdict.latencyMs,
        error: verdict.error ?? null,
      },
      // Every detection is drawn (they are all above the threshold), so drawn number = position + 1.
      verdicts: verdict.instances
        .filter((v) => v.index >= 1 && v.index <= result.detections.length)
        .map((v) => ({ detection: v.index - 1, verdict: v.verdict, ...(v.note && { note: v.note }) })),
    };
  }
}

/** P(approve) as the judge states it: its confidence in an approval, one minus it for a rejection. */
export function approvalConfidence(verdict: Pick<Verdict, 'verdict' | 'confidence'>): number | null {
  if (verdict.verdict === 'approve') return verdict.confidence ?? 1;
  if (verdict.verdict === 'reject') return 1 - (verdict.confidence ?? 1);
  return null;
}

const toInstance = (d: Detection): PredictedInstance => ({
  categoryId: d.categoryId,
  categoryName: d.categoryName,
  score: d.score,
  bbox: d.bbox,
  segmentation: d.segmentation,
  area: d.area,
});

async function overlayDataUrl(
  image: Buffer,
  detections: PredictedInstance[],
  threshold: number,
): Promise<string> {
  const overlay = await renderOverlay({ image, instances: detections, scoreThreshold: threshold });
  return `data:image/png;base64,${overlay.png.toString('base64')}`;
}
