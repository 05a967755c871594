/** Iteration 0's `select`: the initial labelled set, drawn from the train pool or taken as it is. */
import type { Executor } from '../../db/database.ts';
import * as poolRepo from '../datasets/pool.repository.ts';
import type { RunConfig } from './run-config.ts';
import { sampleFraction } from './run-rules.ts';

/**
 * The initial labelled set: a seeded fraction of the train images with ground truth (undoing what an
 * earlier run accepted), or what is labelled now. Deterministic: a repeated step changes nothing.
 */
export async function chooseInitialLabels(
  ex: Executor,
  projectId: number,
  initial: RunConfig['initialLabels'],
): Promise<void> {
  if (!('fraction' in initial)) return;
  const ids = await poolRepo.trainImagesWithTruth(ex, projectId);
  await poolRepo.applyInitialLabels(ex, projectId, sampleFraction(ids, initial.fraction, initial.seed));
}
