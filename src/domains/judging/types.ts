import type { CompressedRle } from '../../coco/coco-rle.ts';
import type { Instance } from '../../overlay/instance.ts';

export type { Instance } from '../../overlay/instance.ts';

export type ImageVerdictValue = 'approve' | 'reject' | 'abstain' | 'error';

export type InstanceVerdictValue = 'correct' | 'wrong_class' | 'bad_mask' | 'not_an_object';

export interface InstanceVerdict {
  /** 1-based number drawn on the overlay (see selectInstances). */
  index: number;
  verdict: InstanceVerdictValue;
  note?: string;
}

/** 'accept-all': no judge; every predicted image is approved unreviewed (the no-judge baseline). */
export type JudgeKind = 'vlm' | 'oracle' | 'simulated' | 'human' | 'accept-all';

export interface VerdictError {
  code: string;
  message: string;
  /** True when the same request may succeed later: the caller re-queues the image. */
  retryable: boolean;
}

export interface Verdict {
  verdict: ImageVerdictValue;
  instances: InstanceVerdict[];
  missedObjects?: number;
  reason: string;
  confidence?: number;
  judge: { kind: JudgeKind; model?: string; promptVersion?: string; config: Record<string, unknown> };
  latencyMs: number;
  tokens?: { prompt: number; completion: number };
  /** Human seconds charged for this verdict (0 for a machine). */
  reviewSeconds: number;
  attempts?: number;
  error?: VerdictError;
}

export interface GroundTruthInstance {
  categoryId: number;
  segmentation: CompressedRle;
  iscrowd: boolean;
}

export interface JudgeInput {
  imageId: number;
  /** Original encoded bytes. */
  image: Buffer;
  width: number;
  height: number;
  /** Already filtered by the ONE score threshold. */
  instances: Instance[];
  groundTruth?: GroundTruthInstance[];
}

export interface Judge {
  readonly kind: string;
  judge(input: JudgeInput, signal?: AbortSignal): Promise<Verdict>;
}

/** A project category, listed in the prompt so the model can name what is missing. */
export interface Category {
  id: number;
  name: string;
}
