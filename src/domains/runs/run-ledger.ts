/**
 * An iteration's cost ledger rows, from what its children stored (the pass's counts and tokens, the
 * training job's seconds and device) priced by the arithmetic of `run-costs.ts`.
 */
import type { Executor } from '../../db/database.ts';
import * as versionRepo from '../models/model-version.repository.ts';
import * as passRepo from '../passes/pass.repository.ts';
import * as trainingRepo from '../training/training-job.repository.ts';
import type { TrainingProgress } from '../training/training-progress.ts';
import type { RunIterationRow, RunRow } from './run.repository.ts';
import * as repo from './run.repository.ts';
import type { RunConfig } from './run-config.ts';
import {
  annotationCost,
  type CostPart,
  type CostSettings,
  reviewCost,
  trainingAttemptsCost,
  trainingCost,
  vlmCost,
} from './run-costs.ts';
import { reuseDetail } from './run-initial-model.ts';

/** The iteration's ledger rows, from its stored children; rows already written stay as they were. */
export async function writeIterationCosts(
  ex: Executor,
  run: RunRow,
  config: RunConfig,
  it: RunIterationRow,
): Promise<void> {
  const parts = await iterationCosts(ex, config, it);
  await repo.insertCosts(
    ex,
    parts.map((p) => ({ ...p, runId: run.id, iteration: it.iteration })),
  );
}

async function iterationCosts(ex: Executor, config: RunConfig, it: RunIterationRow): Promise<CostPart[]> {
  const s = config.cost;
  const parts: CostPart[] = [];
  if (it.initialLabels) parts.push(annotationCost(it.initialLabels.images, it.initialLabels.instances, s));
  if (it.passId) parts.push(...(await passCosts(ex, config, it.passId)));
  if (it.trainingJobId) {
    const part = await trainingCostOf(ex, it.trainingJobId, s);
    // A reused iteration-0 model costs what training it cost, said so in the row.
    if (part && it.iteration === 0 && config.initialModel)
      Object.assign(part.detail, await reuseDetail(ex, it.trainingJobId));
    if (part) parts.push(part);
  }
  return parts;
}

/**
 * Review: every image a human looked at, approved or not. The oracle, simulated and human judges stand
 * for a person; a VLM's images cost a review only when it abstained (they go to the human queue);
 * accept-all has nobody look. Real reviewers' recorded seconds replace the per-image figure.
 */
async function passCosts(ex: Executor, config: RunConfig, passId: number): Promise<CostPart[]> {
  const counts = (await passRepo.passCounts(ex, [passId])).get(passId);
  if (!counts) return [];
  const kind = config.judge.kind as string;
  const decided = counts.approved + counts.rejected;
  const reviewed = kind === 'vlm' ? counts.abstained : kind === 'accept-all' ? 0 : decided;
  const measured = kind === 'human' ? counts.reviewSeconds : undefined;
  const detail = {
    passId,
    judge: kind,
    approved: counts.approved,
    rejected: counts.rejected,
    abstained: counts.abstained,
  };
  // A simulated reviewer who accepts part of an image marks its wrong masks: that work is charged too.
  const marks =
    config.acceptance === 'instance' && (kind === 'oracle' || kind === 'simulated')
      ? await repo.flaggedInstances(ex, passId)
      : 0;
  const parts = [reviewCost(reviewed, config.cost, measured, detail, marks)];
  const tokens = await repo.passTokens(ex, passId);
  if (kind === 'vlm' || tokens.prompt + tokens.completion > 0)
    parts.push(vlmCost(tokens.prompt, tokens.completion, config.cost));
  return parts;
}

/**
 * A finished job: the trainer's own measure, plus what attempts killed after their last checkpoint ran
 * and the next one redid. A job that ended otherwise: its wall time (every attempt, and the waits).
 */
async function trainingCostOf(ex: Executor, jobId: number, s: CostSettings): Promise<CostPart | undefined> {
  const job = await trainingRepo.findTrainingJobById(ex, jobId);
  if (!job?.startedAt) return undefined;
  const version = await versionRepo.findByTrainingJob(ex, jobId);
  const device = version?.device ?? (job.progress.device as string | undefined) ?? null;
  let part: CostPart;
  if (version) {
    const attempts = (job.progress as TrainingProgress).runs ?? [];
    part = trainingAttemptsCost(version.trainingSeconds, device, attempts, s);
  } else {
    const end = job.finishedAt ?? job.updatedAt;
    part = trainingCost(Math.max(0, (end.getTime() - job.startedAt.getTime()) / 1000), device, s);
  }
  return { ...part, detail: { ...part.detail, trainingJobId: jobId } };
}
