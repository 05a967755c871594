import type { Db } from '../../db/database.ts';
import { AppError, conflict } from '../../errors/problem.ts';
import type { EventBus } from '../../events/event-bus.ts';
import * as poolRepo from '../datasets/pool.repository.ts';
import type { InstanceVerdict, InstanceVerdictValue, Verdict } from '../judging/types.ts';
import type { PassImageRow, PassRow } from './pass.repository.ts';
import * as repo from './pass.repository.ts';
import { type PassService, type Prediction, toPrediction } from './pass.service.ts';
import {
  acceptApproved,
  acceptCorrectInstances,
  categoryNames,
  type PassCompletion,
} from './pass-outcome.ts';
import * as predictionRepo from './prediction.repository.ts';

/** How long a reviewer holds the images it was given, unless the human judge config says otherwise. */
const DEFAULT_LEASE_SECONDS = 600;

export interface ReviewItem {
  imageId: number;
  overlayUrl: string;
  originalUrl: string;
  leaseExpiresAt: Date;
  /** Exactly the instances drawn on the overlay, by their drawn number. */
  instances: Prediction[];
  /** Why the machine judge handed the image over, when it did. */
  judgeVerdict: Record<string, unknown> | null;
}

export interface ReviewInput {
  verdict: 'approve' | 'reject';
  instances?: { index: number; verdict: InstanceVerdictValue; note?: string }[];
  /** Objects the model missed; 0 lets the 'instance' acceptance take a rejected image's correct instances. */
  missedObjects?: number;
  reason?: string;
  /** Seconds the reviewer spent; by default the time since the image was leased. */
  reviewSeconds?: number;
}

/** The human review queue of a pass: leases images awaiting review and records reviewers' verdicts. */
export class PassReviewService {
  constructor(
    private readonly db: Db,
    private readonly passes: PassService,
    private readonly completion: PassCompletion,
    private readonly events: EventBus,
  ) {}

  /** Leases up to `limit` images awaiting review to this API key. */
  async next(projectId: number, passId: number, keyId: number, limit: number): Promise<ReviewItem[]> {
    const pass = await this.passes.find(projectId, passId);
    const leaseSeconds = (pass.judge.leaseSeconds as number | undefined) ?? DEFAULT_LEASE_SECONDS;
    const rows = await repo.leaseForReview(this.db, passId, keyId, leaseSeconds * 1000, limit);
    rows.sort(repo.reviewOrder);
    return this.items(projectId, passId, rows);
  }

  private async items(projectId: number, passId: number, rows: PassImageRow[]): Promise<ReviewItem[]> {
    const drawn = await predictionRepo.predictionsOf(
      this.db,
      passId,
      rows.map((r) => r.imageId),
      { drawnOnly: true },
    );
    const names = await categoryNames(this.db, projectId);
    const base = `/v1/projects/${projectId}`;
    return rows.map((row) => ({
      imageId: row.imageId,
      overlayUrl: `${base}/passes/${passId}/images/${row.imageId}/overlay.png`,
      originalUrl: `${base}/images/${row.imageId}/original`,
      leaseExpiresAt: row.reviewLeaseUntil as Date,
      instances: drawn.filter((p) => p.imageId === row.imageId).map((p) => toPrediction(p, names)),
      judgeVerdict: row.judgeVerdict,
    }));
  }

  /**
   * Records a reviewer's verdict on an image leased to this key; 409 when it is not leased to it or was
   * already judged. An approval accepts the drawn predictions in the same transaction.
   */
  async submit(projectId: number, passId: number, imageId: number, keyId: number, input: ReviewInput) {
    const pass = await this.passes.find(projectId, passId);
    const row = await repo.findPassImage(this.db, passId, imageId);
    if (row?.state !== 'awaiting_review')
      throw conflict(`image ${imageId} is not awaiting review in pass ${passId}`);
    const drawn = await predictionRepo.predictionsOf(this.db, passId, [imageId], { drawnOnly: true });
    const instances = checkInstances(input, new Set(drawn.map((p) => p.drawnIndex as number)));
    const seconds = input.reviewSeconds ?? elapsedSeconds(row);
    const verdict = reviewVerdict(input, instances, seconds, keyId);
    const accepted = await this.db.transaction(async (tx) => {
      const done = await repo.finishReview(tx, row, keyId, {
        state: 'judged',
        verdict: input.verdict,
        reviewVerdict: verdict as unknown as Record<string, unknown>,
        reviewSeconds: row.reviewSeconds + seconds,
      });
      if (!done)
        throw conflict(`image ${imageId} is not leased to this API key (or the lease ran out)`, 'imageId');
      if (input.verdict === 'approve') return acceptApproved(tx, pass, done, { kind: 'human' });
      return pass.acceptance === 'instance'
        ? acceptCorrectInstances(tx, pass, done, verdict, { kind: 'human' })
        : undefined;
    });
    await this.announce(pass, row, input.verdict);
    return this.passes.image(projectId, passId, imageId).then((image) => ({
      ...image,
      labelsCreated: accepted ?? 0,
    }));
  }

  /**
   * Undoes this key's verdict on an image while the lease it reviewed under lasts and the pass runs: the
   * image awaits review again (leased to the same key) and an approval's labels are taken back. 409 otherwise.
   */
  async withdraw(projectId: number, passId: number, imageId: number, keyId: number): Promise<ReviewItem> {
    await this.passes.find(projectId, passId);
    const row = await this.db.transaction(async (tx) => {
      // The pass row lock orders this against completion: a pass never completes with an image reopened.
      if (!(await repo.lockRunningPass(tx, passId))) throw conflict(`pass ${passId} is no longer running`);
      const reopened = await repo.reopenReview(tx, passId, imageId, keyId);
      if (!reopened)
        throw conflict(
          `image ${imageId} has no verdict of this API key in pass ${passId} whose lease still lasts`,
          'imageId',
        );
      await poolRepo.withdrawAcceptance(tx, projectId, imageId, passId);
      return reopened;
    });
    const [item] = await this.items(projectId, passId, [row]);
    return item;
  }

  private async announce(pass: PassRow, row: PassImageRow, verdict: 'approve' | 'reject'): Promise<void> {
    await this.completion.completeIfDone(pass.id);
    await this.events
      .publish('verdicts.ready', {
        projectId: pass.projectId,
        passId: pass.id,
        imageIds: [row.imageId],
        approved: verdict === 'approve' ? 1 : 0,
        rejected: verdict === 'reject' ? 1 : 0,
      })
      .catch(() => {
        // Best effort: the verdict is committed; subscribers can read it from the pass.
      });
  }
}

function checkInstances(input: ReviewInput, drawn: Set<number>): InstanceVerdict[] {
  const given = input.instances ?? [];
  const problems = given.flatMap((v, i) => {
    if (!drawn.has(v.index))
      return [{ name: `instances[${i}].index`, reason: `no instance #${v.index} is drawn on this image` }];
    if (input.verdict === 'approve' && v.verdict !== 'correct')
      return [{ name: `instances[${i}].verdict`, reason: 'an approved image has only correct instances' }];
    return [];
  });
  if (problems.length > 0)
    throw new AppError('validation', 'the instance verdicts do not fit the image', problems);
  const byIndex = new Map(given.map((v) => [v.index, v]));
  // Unmentioned instances of an approved image are correct; of a rejected one, not judged.
  return [...drawn]
    .sort((a, b) => a - b)
    .flatMap((index) => {
      const v = byIndex.get(index);
      if (v) return [{ index, verdict: v.verdict, ...(v.note && { note: v.note }) }];
      return input.verdict === 'approve' ? [{ index, verdict: 'correct' as const }] : [];
    });
}

function elapsedSeconds(row: PassImageRow): number {
  const since = row.reviewLeasedAt?.getTime() ?? Date.now();
  return Math.max(0, (Date.now() - since) / 1000);
}

function reviewVerdict(
  input: ReviewInput,
  instances: InstanceVerdict[],
  seconds: number,
  keyId: number,
): Verdict {
  return {
    verdict: input.verdict,
    instances,
    ...(input.missedObjects !== undefined && { missedObjects: input.missedObjects }),
    reason: input.reason ?? '',
    judge: { kind: 'human', config: { apiKeyId: keyId } },
    latencyMs: Math.round(seconds * 1000),
    reviewSeconds: seconds,
  };
}
