import { isDeepStrictEqual } from 'node:util';
import type { Executor } from '../../db/database.ts';
import { validationError } from '../../errors/problem.ts';
import * as versionRepo from '../models/model-version.repository.ts';
import * as trainingRepo from '../training/training-job.repository.ts';
import type { LabelSet } from './run.repository.ts';
import * as repo from './run.repository.ts';
import type { RunConfig } from './run-config.ts';

/** The field every refusal of a reused iteration-0 model names. */
export const INITIAL_MODEL_FIELD = 'initialModel.modelVersionId';

/** What iteration 0 records instead of training: the reused version and the job that trained it. */
export interface ReusedModel {
  modelVersionId: number;
  trainingJobId: number;
  trainImages: number;
}

/**
 * Checks that the model version can stand for the iteration-0 training this run would do now: a
 * version of the project, trained from scratch with the run's preset, seed and hyper-parameters, on
 * exactly the labelled set the project has now (after `select`): the same train and val images, the
 * same labels (so the same label sources) and the same categories. Anything else is a 422 naming
 * `initialModel.modelVersionId`, never a silent reuse of a model trained on something else.
 */
export async function verifyInitialModel(
  ex: Executor,
  projectId: number,
  config: Pick<RunConfig, 'training'>,
  modelVersionId: number,
): Promise<ReusedModel> {
  const refuse = (why: string) =>
    validationError(INITIAL_MODEL_FIELD, `model version ${modelVersionId} cannot be reused: ${why}`);
  const version = await versionRepo.findModelVersion(ex, projectId, modelVersionId);
  if (!version) throw refuse(`it is not a model version of project ${projectId}`);
  if (version.labelSnapshotId === null || version.trainingJobId === null)
    throw refuse(
      'nothing records what it was trained on (an uploaded model, or its training job was deleted)',
    );
  const job = await trainingRepo.findTrainingJobById(ex, version.trainingJobId);
  if (!job) throw refuse(`its training job ${version.trainingJobId} is gone`);
  const settings = settingsDifference(job, config.training);
  if (settings) throw refuse(settings);
  const sets = await repo.labelSetsOf(ex, projectId, version.labelSnapshotId);
  if (!sets) throw refuse(`its label snapshot ${version.labelSnapshotId} is gone`);
  const labels = labelSetDifference(sets.snapshot, sets.current);
  if (labels) throw refuse(`it was trained on other labels than this run's initial set: ${labels}`);
  return {
    modelVersionId: version.id,
    trainingJobId: job.id,
    trainImages: sets.snapshot.trainImageIds.length,
  };
}

/** How the job's settings differ from the run's iteration-0 training (from scratch); undefined if they do not. */
function settingsDifference(
  job: { preset: string; seed: number; weights: string; hyper: Record<string, unknown> },
  training: RunConfig['training'],
): string | undefined {
  const init = training.init === 'base' ? 'base' : 'none';
  if (job.weights !== init)
    return `it was trained from weights ${job.weights}, this run's iteration 0 starts from ${init}`;
  if (job.preset !== training.preset)
    return `it was trained with preset ${job.preset}, this run trains with ${training.preset}`;
  if (job.seed !== training.seed)
    return `it was trained with seed ${job.seed}, this run trains with ${training.seed}`;
  if (!isDeepStrictEqual(job.hyper, training.hyper))
    return `it was trained with hyper ${JSON.stringify(job.hyper)}, this run trains with ${JSON.stringify(training.hyper)}`;
  return undefined;
}

/** The differences between what the model was trained on and the labelled set now, as one line. */
function labelSetDifference(trained: LabelSet, now: LabelSet): string | undefined {
  const parts: string[] = [];
  const compare = (what: string, a: number[], b: number[]) => {
    const inA = new Set(a);
    const inB = new Set(b);
    const onlyTrained = a.filter((id) => !inB.has(id)).length;
    const onlyNow = b.filter((id) => !inA.has(id)).length;
    if (onlyTrained + onlyNow > 0)
      parts.push(
        `${what} ${a.length} trained on vs ${b.length} now (${onlyTrained} only then, ${onlyNow} only now)`,
      );
  };
  compare('train images', trained.trainImageIds, now.trainImageIds);
  compare('val images', trained.valImageIds, now.valImageIds);
  compare('labels', trained.labelIds, now.labelIds);
  if (parts.some((p) => p.startsWith('labels')))
    parts.push(`label sources ${sources(trained.labelSources)} vs ${sources(now.labelSources)}`);
  if (!isDeepStrictEqual(trained.categories, now.categories))
    parts.push(`categories ${names(trained.categories)} vs ${names(now.categories)}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

const sources = (counts: Record<string, number>) =>
  `{${Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([source, n]) => `${source}: ${n}`)
    .join(', ')}}`;

const names = (categories: LabelSet['categories']) => `[${categories.map((c) => c.name).join(', ')}]`;

/**
 * The ledger detail of a reused training: which job trained the model, and in which run, so the run is
 * charged the full cost of its own path without a second training.
 */
export async function reuseDetail(ex: Executor, trainingJobId: number): Promise<Record<string, unknown>> {
  const runId = await repo.runThatTrained(ex, trainingJobId);
  return { reusedFromTrainingJobId: trainingJobId, ...(runId !== undefined && { reusedFromRunId: runId }) };
}
