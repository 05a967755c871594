import { createHash } from 'node:crypto';
import {
  brushResult,
  type LabelStudioResult,
  type MaskPrediction,
  type MaskTag,
  polygonResults,
} from '../../coco/label-studio.ts';
import type { VersionRef } from '../models/predict.service.ts';
import type { JudgeConfig } from '../passes/pass-judges.ts';
import type { CreateTrainingJobInput } from '../training/training.service.ts';
import type { LabelStudioIntegrationRow } from './label-studio.repository.ts';
import type { LabelStudioTask } from './label-studio-client.ts';

/** What a project's Label Studio backend is set to, and the pure conversions its service uses. */
export const TRAIN_EVENTS = [
  'START_TRAINING',
  'ANNOTATION_CREATED',
  'ANNOTATION_UPDATED',
  'ANNOTATION_DELETED',
] as const;
export type TrainEvent = (typeof TRAIN_EVENTS)[number];

export interface LabelStudioSettings {
  /** The model version that predicts: an id or the project's active one. */
  modelVersion: VersionRef;
  /** What masks go out as: Label Studio brush masks (RLE) or polygons. */
  output: 'brush' | 'polygon';
  scoreThreshold?: number;
  /** Ask this judge about each task's predictions; its approval confidence becomes the task's score. */
  judge?: JudgeConfig;
  /** Events after whose annotations are pulled a training job starts. */
  trainOn: TrainEvent[];
  training: CreateTrainingJobInput;
  /** Share of Label Studio tasks whose images go to the val split (by task id, stable). */
  valFraction: number;
}

export const DEFAULT_SETTINGS: LabelStudioSettings = {
  modelVersion: 'active',
  output: 'brush',
  trainOn: ['START_TRAINING'],
  training: { preset: 'small', warmStart: 'base' },
  valFraction: 0.2,
};

export interface IntegrationInput {
  url: string;
  token: string;
  settings?: Partial<LabelStudioSettings>;
}

export interface Integration {
  projectId: number;
  url: string;
  settings: LabelStudioSettings;
  backendPath: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What a task's pull did, for the webhook's answer. */
export interface TaskSync {
  taskId: number;
  imageId: number | null;
  labels: number;
  skipped: string[];
  error?: string;
}

export interface LabelStudioTaskExport {
  data: Record<string, unknown>;
  predictions: { model_version: string; score: number; result: LabelStudioResult[] }[];
}

export interface TasksExportQuery {
  passId: number;
  output?: 'brush' | 'polygon';
  fromName?: string;
  toName?: string;
  imageUrl?: string;
  /** This API's base URL, for the default image URLs. */
  apiBase: string;
}

export interface LabelStudioServiceOptions {
  allowPrivateUrls: boolean;
  timeoutMs: number;
  maxImageBytes: number;
}

export const versionName = (id: number) => `vlm-loop-v${id}`;

export function settingsOf(row: LabelStudioIntegrationRow): LabelStudioSettings {
  return { ...DEFAULT_SETTINGS, ...(row.settings as Partial<LabelStudioSettings>) };
}

export function toIntegration(row: LabelStudioIntegrationRow): Integration {
  return {
    projectId: row.projectId,
    url: row.url,
    settings: settingsOf(row),
    backendPath: `/integrations/label-studio/${row.projectId}/`,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function imageUrl(task: LabelStudioTask, tag: MaskTag): string {
  const url = task?.data?.[tag.dataKey];
  if (typeof url !== 'string' || url === '') throw new Error(`task ${task?.id} has no data.${tag.dataKey}`);
  return url;
}

export function toResults(tag: MaskTag, masks: MaskPrediction[], idPrefix: string): LabelStudioResult[] {
  return masks.flatMap((m, k) =>
    tag.type === 'PolygonLabels'
      ? polygonResults(tag, m, `${idPrefix}-${k}`)
      : [brushResult(tag, m, `${idPrefix}-${k}`)],
  );
}

export const meanScore = (masks: MaskPrediction[]) =>
  masks.length === 0 ? 0 : masks.reduce((a, m) => a + m.score, 0) / masks.length;

/** A task id's stable place in [0, 1): which split its image joins. */
export function valShare(taskId: number): number {
  return createHash('sha256').update(`label-studio-task-${taskId}`).digest().readUInt32BE(0) / 2 ** 32;
}
