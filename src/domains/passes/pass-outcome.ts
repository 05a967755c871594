import type pg from 'pg';
import { withClientTransaction } from '../../db/client-transaction.ts';
import type { Executor } from '../../db/database.ts';
import type { EventBus } from '../../events/event-bus.ts';
import { LabelService, maskToLabelRow } from '../datasets/label.service.ts';
import * as poolRepo from '../datasets/pool.repository.ts';
import { type AgreementItem, type AgreementReport, agreement } from '../judging/agreement.ts';
import type { Instance, Verdict } from '../judging/types.ts';
import * as projectRepo from '../projects/project.repository.ts';
import type { PassImageRow, PassRow } from './pass.repository.ts';
import * as repo from './pass.repository.ts';
import type { PredictionRow } from './prediction.repository.ts';
import * as predictionRepo from './prediction.repository.ts';

/** Who decided an image: the pass's machine judge, or a reviewer. */
export interface Decider {
  kind: string;
  model?: string;
  promptVersion?: string;
}

/** Stored predictions as judge and overlay instances, in the stored (model) order the numbering follows. */
export function toInstances(rows: readonly PredictionRow[], names: ReadonlyMap<number, string>): Instance[] {
  return rows.map((p) => ({
    categoryId: p.categoryId,
    categoryName: names.get(p.categoryId) ?? String(p.categoryId),
    score: p.score,
    bbox: p.bbox as [number, number, number, number],
    segmentation: { size: [p.height, p.width], counts: p.rle },
  }));
}

export async function categoryNames(ex: Executor, projectId: number): Promise<Map<number, string>> {
  return new Map((await projectRepo.listCategories(ex, [projectId])).map((c) => [c.id, c.name]));
}

/**
 * In the verdict's transaction: the approved image's drawn predictions (the ones above the pass's
 * threshold, exactly as judged) become its labels, with their provenance, and it joins the labelled
 * pool with them as its labels of record. Returns the number of labels, or undefined when the image had
 * left the unlabelled pool meanwhile (its verdict stands, nothing is accepted).
 */
export async function acceptApproved(
  tx: Executor,
  pass: PassRow,
  row: PassImageRow,
  decider: Decider,
): Promise<number | undefined> {
  return accept(tx, pass, row, decider, () => 'label');
}

/**
 * A rejected image under the 'instance' acceptance: when its judge found every object (no missed object)
 * and marked at least one prediction correct, the correct predictions become labels and every other drawn
 * prediction a crowd region, which evaluation and training ignore. An image with a missed object stays
 * unlabelled: the missed object would otherwise be learnt as background. Same return as acceptApproved;
 * also undefined when the verdict does not qualify.
 */
export async function acceptCorrectInstances(
  tx: Executor,
  pass: PassRow,
  row: PassImageRow,
  verdict: Pick<Verdict, 'verdict' | 'instances' | 'missedObjects'>,
  decider: Decider,
): Promise<number | undefined> {
  const correct = correctIndexes(verdict);
  if (!correct) return undefined;
  return accept(tx, pass, row, decider, (drawnIndex) => (correct.has(drawnIndex) ? 'label' : 'ignore'));
}

/** The drawn numbers a rejected verdict marked correct, or undefined when it cannot be accepted in part. */
export function correctIndexes(
  verdict: Pick<Verdict, 'verdict' | 'instances' | 'missedObjects'>,
): Set<number> | undefined {
  // Only an explicit count of zero: a judge that does not say whether it missed objects cannot vouch for the rest.
  if (verdict.verdict !== 'reject' || verdict.missedObjects !== 0) return undefined;
  const correct = new Set(verdict.instances.filter((i) => i.verdict === 'correct').map((i) => i.index));
  return correct.size > 0 ? correct : undefined;
}

async function accept(
  tx: Executor,
  pass: PassRow,
  row: PassImageRow,
  decider: Decider,
  role: (drawnIndex: number) => 'label' | 'ignore',
): Promise<number | undefined> {
  if (!(await poolRepo.acceptImage(tx, pass.projectId, row.imageId))) return undefined;
  const drawn = await predictionRepo.predictionsOf(tx, pass.id, [row.imageId], { drawnOnly: true });
  const labels = drawn.map((p) => {
    const ignored = role(p.drawnIndex as number) === 'ignore';
    return maskToLabelRow(
      { size: [p.height, p.width], counts: p.rle },
      { projectId: pass.projectId, imageId: row.imageId, width: p.width, height: p.height },
      `predictions[${p.id}]`,
      {
        categoryId: p.categoryId,
        // A rejected prediction is kept as a crowd region: COCO's "ignore this area", which our trainer honours.
        iscrowd: ignored,
        source: 'approved_prediction',
        provenance: {
          passId: pass.id,
          modelVersionId: p.modelVersionId,
          predictionId: p.id,
          drawnIndex: p.drawnIndex,
          score: p.score,
          judgeKind: decider.kind,
          ...(ignored && { ignored: 'rejected by the judge' }),
          ...(decider.model && { model: decider.model }),
          ...(decider.promptVersion && { promptVersion: decider.promptVersion }),
        },
      },
    );
  });
  await LabelService.insertRows(tx, labels);
  await repo.markAccepted(tx, row.id);
  return labels.length;
}

/** The judge against the oracle on every decided image that has an oracle verdict; null when none has. */
export async function agreementOf(ex: Executor, pass: PassRow): Promise<AgreementReport | null> {
  const names = await categoryNames(ex, pass.projectId);
  const drawn = new Map<number, { index: number; categoryName: string }[]>();
  for (const d of await predictionRepo.drawnList(ex, pass.id)) {
    const list = drawn.get(d.imageId) ?? [];
    list.push({
      index: d.drawnIndex as number,
      categoryName: names.get(d.categoryId) ?? String(d.categoryId),
    });
    drawn.set(d.imageId, list);
  }
  const items: AgreementItem[] = [];
  for (const row of await repo.verdictRows(ex, pass.id)) {
    const judge = (row.judgeVerdict ?? row.reviewVerdict) as Verdict | null;
    if (!judge || !row.oracleVerdict) continue;
    items.push({
      imageId: row.imageId,
      judge,
      oracle: row.oracleVerdict as unknown as Verdict,
      drawn: drawn.get(row.imageId) ?? [],
    });
  }
  return items.length === 0 ? null : agreement(items);
}

/** Ends passes: completed once no image is left in a non-final state, failed when they cannot go on. */
export class PassCompletion {
  constructor(
    private readonly pool: pg.Pool,
    private readonly events: EventBus,
  ) {}

  /** Completes the pass when nothing is left to decide, with its agreement; true when this call did. */
  async completeIfDone(passId: number): Promise<boolean> {
    return withClientTransaction(this.pool, async (tx) => {
      // The row lock makes concurrent finishers queue up: one completes, the others find it done.
      const pass = await repo.lockRunningPass(tx.db, passId);
      if (!pass || (await repo.unfinishedImages(tx.db, passId)) > 0) return false;
      const report = await agreementOf(tx.db, pass);
      await repo.finishPass(tx.db, passId, {
        status: 'completed',
        agreement: report as unknown as Record<string, unknown> | null,
      });
      const counts = (await repo.passCounts(tx.db, [passId])).get(passId);
      await this.events.publish(
        'pass.completed',
        {
          projectId: pass.projectId,
          passId,
          modelVersionId: pass.modelVersionId,
          images: counts?.images ?? 0,
          approved: counts?.approved ?? 0,
          rejected: counts?.rejected ?? 0,
          errors: counts?.errored ?? 0,
        },
        { tx },
      );
      return true;
    });
  }

  /** A pass that cannot go on (its model cannot be loaded): failed, with the reason. */
  async fail(pass: PassRow, error: { code: string; message: string }): Promise<void> {
    await withClientTransaction(this.pool, async (tx) => {
      if (!(await repo.finishPass(tx.db, pass.id, { status: 'failed', error }))) return;
      await this.events.publish('pass.failed', { projectId: pass.projectId, passId: pass.id, error }, { tx });
    });
  }

  /** Completes running passes whose last write missed it; run by pass.predict's recover(). */
  async completeStragglers(ex: Executor): Promise<void> {
    for (const id of await repo.finishedRunningPasses(ex)) await this.completeIfDone(id);
  }
}
