import type * as ort from 'onnxruntime-node';
import { type Bbox, type CompressedRle, compress, encode } from '../coco/coco-rle.ts';
import { toStringCore } from '../coco/rle-core.ts';
import { createSession, type ExecutionProviderSetting, type SessionChoice } from './execution-provider.ts';
import { pasteMask } from './paste-masks.ts';

/**
 * How the graph's `masks` output comes: `full` (torchvision's export form, [N,1,H,W] at the input
 * resolution; what users upload) or `roi` (the trainer's, [N,1,M,M] per detection, pasted here).
 */
export type MaskForm = 'full' | 'roi';

/** What a model's metadata.json must say for us to run it (the trainer writes it; uploads supply it). */
export interface ModelMetadata {
  categories: { label: number; id: number; name: string }[];
  scoreThreshold: number;
  maskThreshold: number;
  /** Absent: `full` (models exported before the roi form, and uploads). */
  maskForm?: MaskForm;
}

export interface Detection {
  categoryId: number;
  categoryName: string;
  score: number;
  bbox: Bbox;
  segmentation: CompressedRle;
  area: number;
}

export interface ModelLoadOptions {
  /** onnxruntime's intra-op threads (2 by default). */
  threads?: number;
  /** `cpu` by default; `auto` tries CUDA first (see execution-provider.ts). */
  provider?: ExecutionProviderSetting;
  /** Where a fallback to the CPU is reported. */
  log?: (line: string) => void;
}

export interface PredictOptions {
  /** Keep detections scoring at least this; evaluation wants low scores too, judging uses the metadata's threshold. */
  minScore?: number;
}

/**
 * A torchvision Mask R-CNN in its ONNX export form: one float32 CHW RGB image in [0, 1] in,
 * boxes / labels / scores / masks out. One session per model, created once and reused.
 */
export class MaskRcnnModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly metadata: ModelMetadata,
    /** The execution provider the session runs on, and why it is not the one asked for. */
    readonly provider: Omit<SessionChoice, 'session'>,
  ) {}

  static async load(
    onnxPath: string,
    metadata: ModelMetadata,
    options: ModelLoadOptions = {},
  ): Promise<MaskRcnnModel> {
    const { session, ...provider } = await createSession(onnxPath, {
      threads: options.threads ?? 2,
      provider: options.provider ?? 'cpu',
      log: options.log,
    });
    return new MaskRcnnModel(session, metadata, provider);
  }

  /** Decodes an encoded image in its display orientation (EXIF applied), as every mask expects. */
  static async imageTensor(image: Buffer): Promise<{ tensor: ort.Tensor; width: number; height: number }> {
    // Both native libraries load on first use, so a process that never predicts never maps them.
    const [{ default: sharp }, { Tensor }] = await Promise.all([import('sharp'), import('onnxruntime-node')]);
    const { data, info } = await sharp(image).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({
      resolveWithObject: true,
    });
    const { width, height } = info;
    const plane = width * height;
    const chw = new Float32Array(3 * plane);
    for (let i = 0, p = 0; p < plane; p++, i += 3) {
      chw[p] = data[i] / 255;
      chw[plane + p] = data[i + 1] / 255;
      chw[2 * plane + p] = data[i + 2] / 255;
    }
    return { tensor: new Tensor('float32', chw, [3, height, width]), width, height };
  }

  async predict(image: Buffer, options: PredictOptions = {}): Promise<Detection[]> {
    const { tensor, width, height } = await MaskRcnnModel.imageTensor(image);
    return this.predictTensor(tensor, width, height, options);
  }

  async predictTensor(
    tensor: ort.Tensor,
    width: number,
    height: number,
    options: PredictOptions = {},
  ): Promise<Detection[]> {
    const out = await this.session.run({ [this.session.inputNames[0]]: tensor });
    const [boxes, labels, scores, masks] = this.session.outputNames.map((n) => out[n]);
    const minScore = options.minScore ?? this.metadata.scoreThreshold;
    const byLabel = new Map(this.metadata.categories.map((c) => [c.label, c]));
    const segment = this.masksOf(masks, width, height);
    const detections: Detection[] = [];
    const scoreData = scores.data as Float32Array;
    for (let i = 0; i < scoreData.length; i++) {
      const category = byLabel.get(Number((labels.data as BigInt64Array)[i]));
      if (!category || scoreData[i] < minScore) continue;
      const b = (boxes.data as Float32Array).subarray(i * 4, i * 4 + 4);
      const { segmentation, area } = segment(i, b);
      detections.push({
        categoryId: category.id,
        categoryName: category.name,
        score: scoreData[i],
        bbox: [b[0], b[1], b[2] - b[0], b[3] - b[1]],
        segmentation,
        area,
      });
    }
    return detections;
  }

  /** Turns detection i's mask into RLE, by the metadata's form; checks the output has that form. */
  private masksOf(
    masks: ort.Tensor,
    width: number,
    height: number,
  ): (i: number, box: Float32Array) => { segmentation: CompressedRle; area: number } {
    const data = masks.data as Float32Array;
    const [, , mh, mw] = masks.dims;
    const threshold = this.metadata.maskThreshold;
    const form = this.metadata.maskForm ?? 'full';
    if (form === 'roi') {
      if (mh !== mw) throw new Error(`metadata says maskForm roi but the model's masks are ${mw}x${mh}`);
      return (i, box) => {
        const { counts, area } = pasteMask(data, i, mh, box, height, width, threshold);
        return { segmentation: { size: [height, width], counts: toStringCore(counts) }, area };
      };
    }
    if (masks.dims[0] > 0 && (mh !== height || mw !== width)) {
      throw new Error(
        `metadata says maskForm full but the model's masks are ${mw}x${mh} for a ${width}x${height} image`,
      );
    }
    const plane = width * height;
    return (i) => {
      const mask = thresholdMask(data, i * plane, plane, threshold);
      return { segmentation: compress(encode(mask, height, width)), area: mask.reduce((a, v) => a + v, 0) };
    };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

function thresholdMask(data: Float32Array, offset: number, length: number, threshold: number): Uint8Array {
  const mask = new Uint8Array(length);
  for (let p = 0; p < length; p++) mask[p] = data[offset + p] > threshold ? 1 : 0;
  return mask;
}

/** One loaded model per model version per process: sessions are costly to create and safe to share. */
export class ModelCache {
  private readonly models = new Map<string, Promise<MaskRcnnModel>>();

  /** What every model this cache loads runs with (the process's execution-provider setting). */
  constructor(readonly loadOptions: ModelLoadOptions = {}) {}

  get(key: string, load: () => Promise<MaskRcnnModel>): Promise<MaskRcnnModel> {
    let model = this.models.get(key);
    if (!model) {
      model = load();
      model.catch(() => this.models.delete(key));
      this.models.set(key, model);
    }
    return model;
  }

  async clear(): Promise<void> {
    const all = [...this.models.values()];
    this.models.clear();
    await Promise.all(all.map(async (m) => (await m).release()));
  }
}
