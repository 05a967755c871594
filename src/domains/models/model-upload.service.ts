import type { Readable } from 'node:stream';
import type * as ort from 'onnxruntime-node';
import { type BlobStore, BlobTooLargeError, type StagedBlob } from '../../blob/blob-store.ts';
import type { Db } from '../../db/database.ts';
import { AppError, type InvalidParam } from '../../errors/problem.ts';
import { MaskRcnnModel, type ModelMetadata } from '../../inference/mask-rcnn.ts';
import type { ProjectService } from '../projects/project.service.ts';
import type { ModelVersionRow } from './model-version.repository.ts';
import * as versionRepo from './model-version.repository.ts';

/** The `metadata` part of an upload: how the model's labels map to the project's categories. */
export interface UploadMetadata {
  categories: { label: number; categoryId: number }[];
  scoreThreshold?: number;
  maskThreshold?: number;
  description?: string;
}

/** The parts of an upload request once consumed: the staged model file and the metadata text. */
export interface ReceivedUpload {
  staged?: StagedBlob;
  fileName?: string;
  metadata?: string;
}

/** The preset uploaded versions carry: no training preset, so nothing warm-starts from them. */
export const UPLOADED_PRESET = 'uploaded';
const MAX_MODEL_BYTES = 2 * 1024 ** 3;
/** Side of the blank image the upload is proven on. */
const PROBE_SIZE = 64;

/**
 * A user's own Mask R-CNN in torchvision's ONNX export form, accepted only after onnxruntime has
 * loaded it and run it once with the outputs a pass needs.
 */
export class ModelUploadService {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly projects: ProjectService,
  ) {}

  /** Consumes the upload's parts (the model streams to a staging file), then proves and records the model. */
  async upload(projectId: number, receive: () => Promise<ReceivedUpload>): Promise<ModelVersionRow> {
    const project = await this.projects.get(projectId);
    let staged: StagedBlob | undefined;
    try {
      const received = await receive();
      staged = received.staged;
      const metadata = parseMetadata(
        received.metadata,
        new Map(project.categories.map((c) => [c.id, c.name])),
      );
      if (!staged) throw invalid('model', 'attach the ONNX file as the multipart part `model`');
      await proveModel(staged.tempPath);
      await staged.commit();
      return await this.record(projectId, staged, metadata, received.fileName);
    } finally {
      await staged?.discard().catch(() => {});
    }
  }

  /** Streams a `model` part to the blob store's staging area. */
  async stage(stream: Readable): Promise<StagedBlob> {
    try {
      return await this.blobs.stage(stream, { maxBytes: MAX_MODEL_BYTES });
    } catch (err) {
      if (err instanceof BlobTooLargeError) throw invalid('model', `larger than ${MAX_MODEL_BYTES} bytes`);
      throw err;
    }
  }

  private async record(
    projectId: number,
    blob: StagedBlob,
    metadata: ModelMetadata & { description?: string },
    fileName: string | undefined,
  ): Promise<ModelVersionRow> {
    return this.db.transaction(async (tx) => {
      const row = (await versionRepo.insertModelVersion(tx, {
        projectId,
        parentId: null,
        trainingJobId: null,
        labelSnapshotId: null,
        preset: UPLOADED_PRESET,
        hyper: {},
        metrics: {},
        trainingSeconds: 0,
        device: 'none',
        onnxSha256: blob.sha256,
        onnxBytes: blob.bytes,
        checkpointSha256: null,
        metadata: { format: 'vlm-loop-model@1', source: 'upload', fileName: fileName ?? null, ...metadata },
      })) as ModelVersionRow;
      // A project's first model is the one to use until someone picks another.
      if (!(await versionRepo.findActiveModelVersion(tx, projectId)))
        await versionRepo.activate(tx, projectId, row.id);
      return (await versionRepo.findModelVersion(tx, projectId, row.id)) as ModelVersionRow;
    });
  }
}

function invalid(name: string, reason: string): AppError {
  return new AppError('validation', `${name}: ${reason}`, [{ name, reason }]);
}

/** The metadata as the inference module reads it, with the project's category names. */
function parseMetadata(
  text: string | undefined,
  categories: Map<number, string>,
): ModelMetadata & { description?: string } {
  if (text === undefined)
    throw invalid('metadata', 'attach the JSON metadata as the multipart field `metadata`');
  let value: UploadMetadata;
  try {
    value = JSON.parse(text) as UploadMetadata;
  } catch (err) {
    throw invalid('metadata', `is not JSON: ${(err as Error).message}`);
  }
  const problems = metadataProblems(value, categories);
  if (problems.length > 0) throw new AppError('validation', 'the model metadata is not valid', problems);
  return {
    categories: value.categories.map((c) => ({
      label: c.label,
      id: c.categoryId,
      name: categories.get(c.categoryId) as string,
    })),
    scoreThreshold: value.scoreThreshold ?? 0.5,
    maskThreshold: value.maskThreshold ?? 0.5,
    ...(typeof value.description === 'string' && { description: value.description }),
  };
}

function metadataProblems(value: UploadMetadata, categories: Map<number, string>): InvalidParam[] {
  if (
    typeof value !== 'object' ||
    value === null ||
    !Array.isArray(value.categories) ||
    value.categories.length === 0
  )
    return [{ name: 'metadata.categories', reason: 'must list at least one {label, categoryId}' }];
  const problems: InvalidParam[] = [];
  const labels = new Set<number>();
  value.categories.forEach((c, i) => {
    if (!Number.isInteger(c?.label) || c.label < 1 || labels.has(c.label))
      problems.push({
        name: `metadata.categories[${i}].label`,
        reason: 'must be a distinct integer >= 1 (0 is background)',
      });
    else labels.add(c.label);
    if (!categories.has(c?.categoryId))
      problems.push({
        name: `metadata.categories[${i}].categoryId`,
        reason: 'is not a category of this project',
      });
  });
  for (const key of ['scoreThreshold', 'maskThreshold'] as const) {
    const t = value[key];
    if (t !== undefined && !(typeof t === 'number' && t >= 0 && t <= 1))
      problems.push({ name: `metadata.${key}`, reason: 'must be a number in [0, 1]' });
  }
  return problems;
}

/** Creates an onnxruntime session and runs it once on a small image: the file must behave like our exports. */
async function proveModel(path: string): Promise<void> {
  let session: ort.InferenceSession | undefined;
  try {
    const { InferenceSession } = await import('onnxruntime-node'); // loaded on first use
    session = await InferenceSession.create(path, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 1,
    });
    if (session.inputNames.length !== 1)
      throw new Error(`expected one input, found ${session.inputNames.length}`);
    const sharp = (await import('sharp')).default; // loaded on first use (docs/architecture.md)
    const probe = await sharp({
      create: { width: PROBE_SIZE, height: PROBE_SIZE, channels: 3, background: { r: 127, g: 127, b: 127 } },
    })
      .png()
      .toBuffer();
    const { tensor } = await MaskRcnnModel.imageTensor(probe);
    const out = await session.run({ [session.inputNames[0]]: tensor });
    checkOutputs(session.outputNames.map((n) => out[n]));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw invalid('model', `not a runnable torchvision Mask R-CNN ONNX export: ${message.slice(0, 500)}`);
  } finally {
    await session?.release().catch(() => {});
  }
}

/** boxes [N,4], labels [N] int64, scores [N], masks [N,1,H,W] at the input's size, in that order. */
function checkOutputs(outputs: ort.Tensor[]): void {
  if (outputs.length < 4)
    throw new Error(`expected 4 outputs (boxes, labels, scores, masks), found ${outputs.length}`);
  const [boxes, labels, scores, masks] = outputs;
  const n = boxes.dims[0];
  const expect = (ok: boolean, what: string) => {
    if (!ok) throw new Error(what);
  };
  expect(boxes.dims.length === 2 && boxes.dims[1] === 4, `boxes must be [N,4], got [${boxes.dims}]`);
  expect(
    labels.type === 'int64' && labels.dims.length === 1 && labels.dims[0] === n,
    `labels must be int64 [${n}]`,
  );
  expect(
    scores.type === 'float32' && scores.dims.length === 1 && scores.dims[0] === n,
    `scores must be float32 [${n}]`,
  );
  const [mn, one, h, w] = masks.dims;
  expect(
    masks.dims.length === 4 && mn === n && one === 1 && h === PROBE_SIZE && w === PROBE_SIZE,
    `masks must be [${n},1,${PROBE_SIZE},${PROBE_SIZE}] for a ${PROBE_SIZE}x${PROBE_SIZE} input, got [${masks.dims}]`,
  );
}
