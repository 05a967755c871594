/**
 * The trainer's contract, defined once as JSON Schemas in schema/ and checked on both sides: we validate
 * every spec we write and every progress line we read, the Python side does the same with jsonschema.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

export const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schema');
const SPEC_ID = 'https://vlm-loop.local/schema/train-job-spec.schema.json';
const PROGRESS_ID = 'https://vlm-loop.local/schema/train-progress.schema.json';

export type Metrics = { segmAP: number | null; segmAP50: number | null; bboxAP: number | null } & Record<
  string,
  number | null
>;

interface EventBase {
  jobId: string | null;
  time: string;
}

export interface StartEvent extends EventBase {
  type: 'start';
  preset: string;
  device: string;
  threads: number;
  totalIterations: number;
  iterationsPerEpoch: number;
  epochs: number;
  trainImages: number;
  valImages: number;
  startIteration: number;
  resumedFrom?: string | null;
  weights: string;
}

export interface IterationEvent extends EventBase {
  type: 'iteration';
  iteration: number;
  totalIterations: number;
  epoch: number;
  losses: Record<string, number | null>;
  lr: number;
  imagesPerSecond: number;
  etaSeconds: number;
}

export interface EvaluationEvent extends EventBase {
  type: 'evaluation';
  iteration: number;
  metrics: Metrics;
  isBest?: boolean;
  bestSegmAP?: number | null;
  bestIteration?: number | null;
  trainingSeconds?: number;
}

export interface CheckpointEvent extends EventBase {
  type: 'checkpoint';
  iteration: number;
  path: string;
  reason: 'periodic' | 'signal' | 'best' | 'final';
}

export interface ExportEvent extends EventBase {
  type: 'export';
  onnx: string;
  metadata: string;
  check: { passed: boolean; images: number } & Record<string, unknown>;
}

export interface DoneEvent extends EventBase {
  type: 'done';
  paths: { onnx: string | null; metadata: string | null; bestCheckpoint: string; lastCheckpoint?: string };
  metrics: Metrics;
  bestIteration?: number | null;
  iterations: number;
  stopReason?: string;
  trainingSeconds: number;
  wallSeconds?: number;
  device: string;
}

export interface ErrorEvent extends EventBase {
  type: 'error';
  code: string;
  message: string;
  iteration?: number | null;
  checkpoint?: string | null;
}

export type ProgressEvent =
  | StartEvent
  | IterationEvent
  | EvaluationEvent
  | CheckpointEvent
  | ExportEvent
  | DoneEvent
  | ErrorEvent;

/** The job spec as we build it; the schema is the authority on the details. */
export interface TrainJobSpec {
  jobId: string;
  preset: string;
  weights: 'none' | 'coco' | { checkpoint: string } | { base: string };
  categories: { id: number; name: string }[];
  data: { train: { coco: string; imageRoot?: string }; val: { coco: string; imageRoot?: string } };
  outputDir: string;
  hyper: Record<string, unknown>;
  seed: number;
  device: { type: 'cpu' | 'cuda' | 'auto'; threads?: number | null; dataWorkers?: number };
  checkpointEvery: number;
  progressEvery: number;
  resume: 'auto' | 'never';
  export?: { enabled?: boolean };
}

export class TrainerContractError extends Error {}

interface Validators {
  spec: ValidateFunction;
  hyper: ValidateFunction;
  progress: ValidateFunction;
}

let validators: Validators | undefined;

function compile(): Validators {
  const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: false });
  // ajv-formats is CommonJS: under NodeNext its default import is the module object on some setups.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
    addFormatsModule) as unknown as (a: Ajv2020) => void;
  addFormats(ajv);
  for (const file of ['train-job-spec.schema.json', 'train-progress.schema.json'])
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8')));
  return {
    spec: ajv.getSchema(SPEC_ID)!,
    hyper: ajv.compile({ $ref: `${SPEC_ID}#/properties/hyper` }),
    progress: ajv.getSchema(PROGRESS_ID)!,
  };
}

const get = (): Validators => {
  validators ??= compile();
  return validators;
};

/** ajv errors as JSON paths (`$.hyper.augment.scaleJitter[0]`) with a reason each. */
export function describeErrors(
  errors: ErrorObject[] | null | undefined,
  root = '$',
): { name: string; reason: string }[] {
  return (errors ?? [])
    .filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if')
    .slice(0, 20)
    .map((e) => {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      const segments = [...e.instancePath.split('/').slice(1), ...(extra ? [extra] : [])];
      const name = segments.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : `${acc}.${s}`), root);
      return { name, reason: extra ? 'is not a known setting' : (e.message ?? 'is invalid') };
    });
}

/** Problems with user hyper-parameters against the spec schema's `hyper`; empty when valid. */
export function hyperErrors(hyper: unknown): { name: string; reason: string }[] {
  const v = get().hyper;
  return v(hyper) ? [] : describeErrors(v.errors, '$.hyper');
}

export function assertValidSpec(spec: TrainJobSpec): void {
  const v = get().spec;
  if (!v(spec))
    throw new TrainerContractError(
      `job spec does not match train-job-spec.schema.json: ${describeErrors(v.errors)
        .map((e) => `${e.name} ${e.reason}`)
        .join('; ')}`,
    );
}

/** Parses and validates one stdout line of the trainer; throws TrainerContractError on anything else. */
export function parseProgressLine(line: string): ProgressEvent {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    throw new TrainerContractError(`trainer wrote a line that is not JSON: ${line.slice(0, 200)}`);
  }
  const v = get().progress;
  if (!v(event))
    throw new TrainerContractError(
      `trainer event does not match train-progress.schema.json: ${describeErrors(v.errors)
        .map((e) => `${e.name} ${e.reason}`)
        .join('; ')}: ${line.slice(0, 200)}`,
    );
  return event as ProgressEvent;
}
