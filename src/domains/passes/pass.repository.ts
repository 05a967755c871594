import { and, asc, eq, gt, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { images, passes, passImages } from '../../db/schema/index.ts';

export type PassRow = typeof passes.$inferSelect;
export type NewPass = Omit<typeof passes.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;
export type PassStatus = PassRow['status'];
export type PassAcceptance = PassRow['acceptance'];
export type PassImageRow = typeof passImages.$inferSelect;
export type PassImageState = PassImageRow['state'];
export type PassImageError = NonNullable<PassImageRow['error']>;

/** What a claim is for: the state it takes images from and the state that marks them held. */
export type Stage = 'predict' | 'judge';
const STAGES: Record<Stage, { ready: PassImageState; held: PassImageState }> = {
  predict: { ready: 'pending', held: 'predicting' },
  judge: { ready: 'predicted', held: 'judging' },
};

/** A claim held this long is taken over even from a live worker: its handler hung or lost track of it. */
const MAX_CLAIM_MS = 30 * 60_000;

export interface PassCounts {
  images: number;
  /** Not decided yet and not waiting for a reviewer. */
  pending: number;
  predicted: number;
  approved: number;
  rejected: number;
  abstained: number;
  errored: number;
  awaitingReview: number;
  accepted: number;
  reviewSeconds: number;
}

export async function insertPass(ex: Executor, values: NewPass): Promise<PassRow> {
  const [row] = await ex.insert(passes).values(values).returning();
  return row;
}

/** The pass's worklist: one row per image the filter selects, in id order. */
export async function insertPassImages(
  ex: Executor,
  pass: Pick<PassRow, 'id' | 'projectId'>,
  imageFilter: SQL,
): Promise<number> {
  const result = await ex.execute(sql`
    insert into ${passImages} (pass_id, project_id, image_id)
    select ${pass.id}, ${pass.projectId}, ${images.id} from ${images} where ${imageFilter} order by ${images.id}`);
  return result.rowCount ?? 0;
}

export async function findPass(ex: Executor, projectId: number, id: number): Promise<PassRow | undefined> {
  const [row] = await ex
    .select()
    .from(passes)
    .where(and(eq(passes.projectId, projectId), eq(passes.id, id)));
  return row;
}

/** Passes by id, any project: for callers that reached the ids through a project already. */
export function passesByIds(ex: Executor, ids: number[]): Promise<PassRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return ex.select().from(passes).where(inArray(passes.id, ids));
}

export async function findPassById(ex: Executor, id: number): Promise<PassRow | undefined> {
  const [row] = await ex.select().from(passes).where(eq(passes.id, id));
  return row;
}

export function listPasses(
  ex: Executor,
  projectId: number,
  filter: { status?: PassStatus },
  page: { afterId: number; limit: number },
): Promise<PassRow[]> {
  const clauses = [eq(passes.projectId, projectId), gt(passes.id, page.afterId)];
  if (filter.status) clauses.push(eq(passes.status, filter.status));
  return ex
    .select()
    .from(passes)
    .where(and(...clauses))
    .orderBy(asc(passes.id))
    .limit(page.limit);
}

const count = (where: SQL) => sql<number>`(count(*) filter (where ${where}))::int`;

/** Counts of many passes in one grouped query, from the worklist itself so they can never drift. */
export async function passCounts(ex: Executor, passIds: number[]): Promise<Map<number, PassCounts>> {
  if (passIds.length === 0) return new Map();
  const s = passImages.state;
  const rows = await ex
    .select({
      passId: passImages.passId,
      images: sql<number>`count(*)::int`,
      pending: count(sql`${s} in ('pending', 'predicting', 'predicted', 'judging')`),
      predicted: count(sql`${passImages.predictedAt} is not null`),
      approved: count(sql`${passImages.verdict} = 'approve'`),
      rejected: count(sql`${passImages.verdict} = 'reject'`),
      abstained: count(sql`${passImages.abstained}`),
      errored: count(sql`${s} = 'errored'`),
      awaitingReview: count(sql`${s} = 'awaiting_review'`),
      accepted: count(sql`${passImages.accepted}`),
      reviewSeconds: sql<number>`coalesce(sum(${passImages.reviewSeconds}), 0)::float8`,
    })
    .from(passImages)
    .where(inArray(passImages.passId, passIds))
    .groupBy(passImages.passId);
  return new Map(rows.map(({ passId, ...counts }) => [passId, counts]));
}

export async function markRunning(ex: Executor, id: number): Promise<void> {
  await ex
    .update(passes)
    .set({ status: 'running', startedAt: sql`coalesce(${passes.startedAt}, now())`, updatedAt: sql`now()` })
    .where(and(eq(passes.id, id), eq(passes.status, 'queued')));
}

/** True when the worker holding a claim stopped heartbeating (or is gone), or held it implausibly long. */
const claimIsStale = (staleAfterMs: number): SQL =>
  sql`(c.claimed_at < now() - ${MAX_CLAIM_MS} * interval '1 millisecond' or not exists (
    select 1 from workers w where w.id = c.worker_id and w.stopped_at is null
      and w.last_heartbeat_at > now() - ${staleAfterMs} * interval '1 millisecond'))`;

const passIsLive = (passId: number): SQL =>
  sql`exists (select 1 from ${passes} p where p.id = ${passId} and p.status in ('queued', 'running'))`;

/**
 * Takes up to `limit` images of a live pass for one stage: ready ones, and ones held by a dead worker.
 * Each claim bumps the row's attempt, the fencing token every later write must show; rows other
 * workers are claiming right now are skipped, so no image is ever held twice.
 */
export function claimImages(
  ex: Executor,
  passId: number,
  stage: Stage,
  holder: { workerId: string; staleAfterMs: number },
  limit: number,
): Promise<PassImageRow[]> {
  const { ready, held } = STAGES[stage];
  return ex
    .update(passImages)
    .set({
      state: held,
      attempt: sql`${passImages.attempt} + 1`,
      workerId: holder.workerId,
      claimedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(
      sql`${passImages.id} in (
        select c.id from pass_images c where c.pass_id = ${passId}
          and ((c.state = ${ready} and c.not_before <= now()) or (c.state = ${held} and ${claimIsStale(holder.staleAfterMs)}))
        order by c.id limit ${limit} for update skip locked)
      and ${passIsLive(passId)}`,
    )
    .returning();
}

type Writable = Omit<PassImageRow, 'id' | 'passId' | 'projectId' | 'imageId' | 'attempt'>;
export type HeldValues = { [K in keyof Writable]?: Writable[K] | SQL };

/** Fenced write of a held image: only while `attempt` still holds it in `held`, and the pass is live. */
export async function updateHeld(
  ex: Executor,
  claim: Pick<PassImageRow, 'id' | 'attempt' | 'passId'>,
  held: PassImageState,
  values: HeldValues,
): Promise<PassImageRow | undefined> {
  const [row] = await ex
    .update(passImages)
    .set({ ...values, workerId: null, updatedAt: sql`now()` })
    .where(
      and(
        eq(passImages.id, claim.id),
        eq(passImages.attempt, claim.attempt),
        eq(passImages.state, held),
        passIsLive(claim.passId),
      ),
    )
    .returning();
  return row;
}

/** Hands a held image back (the worker stops or its handler failed): the next claim takes it at once. */
export async function releaseClaim(
  ex: Executor,
  claim: Pick<PassImageRow, 'id' | 'attempt' | 'passId'>,
  stage: Stage,
): Promise<void> {
  const { ready, held } = STAGES[stage];
  await ex
    .update(passImages)
    .set({ state: ready, workerId: null, updatedAt: sql`now()` })
    .where(
      and(eq(passImages.id, claim.id), eq(passImages.attempt, claim.attempt), eq(passImages.state, held)),
    );
}

/** Images not yet in a final state (judged, errored), awaiting review included. */
export async function unfinishedImages(ex: Executor, passId: number): Promise<number> {
  const [row] = await ex
    .select({ n: sql<number>`count(*)::int` })
    .from(passImages)
    .where(and(eq(passImages.passId, passId), sql`${passImages.state} not in ('judged', 'errored')`));
  return row.n;
}

/** Locks a running pass row for the caller's transaction; undefined when it is not running. */
export async function lockRunningPass(ex: Executor, id: number): Promise<PassRow | undefined> {
  const [row] = await ex
    .select()
    .from(passes)
    .where(and(eq(passes.id, id), eq(passes.status, 'running')))
    .for('update');
  return row;
}

export async function finishPass(
  ex: Executor,
  id: number,
  values: {
    status: 'completed' | 'failed';
    agreement?: Record<string, unknown> | null;
    error?: PassRow['error'];
  },
): Promise<PassRow | undefined> {
  const [row] = await ex
    .update(passes)
    .set({ ...values, finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(passes.id, id), inArray(passes.status, ['queued', 'running'])))
    .returning();
  return row;
}

/** Cancels a pass that has not ended; undefined when it already had. */
export async function cancelPass(ex: Executor, projectId: number, id: number): Promise<PassRow | undefined> {
  const [row] = await ex
    .update(passes)
    .set({ status: 'cancelled', finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(
      and(eq(passes.projectId, projectId), eq(passes.id, id), inArray(passes.status, ['queued', 'running'])),
    )
    .returning();
  return row;
}

/** The verdict columns of every decided image of a pass: the input of its agreement report. */
export function verdictRows(
  ex: Executor,
  passId: number,
): Promise<Pick<PassImageRow, 'imageId' | 'judgeVerdict' | 'reviewVerdict' | 'oracleVerdict'>[]> {
  return ex
    .select({
      imageId: passImages.imageId,
      judgeVerdict: passImages.judgeVerdict,
      reviewVerdict: passImages.reviewVerdict,
      oracleVerdict: passImages.oracleVerdict,
    })
    .from(passImages)
    .where(and(eq(passImages.passId, passId), sql`${passImages.state} in ('judged', 'errored')`))
    .orderBy(asc(passImages.imageId));
}

/** Running passes with nothing left to do: their completion was missed (a crash between two writes). */
export async function finishedRunningPasses(ex: Executor): Promise<number[]> {
  const rows = await ex
    .select({ id: passes.id })
    .from(passes)
    .where(
      sql`${passes.status} = 'running' and not exists (select 1 from pass_images c
        where c.pass_id = ${passes.id} and c.state not in ('judged', 'errored'))`,
    );
  return rows.map((r) => r.id);
}

/**
 * Leases the next images awaiting review to the key `keyId` (its own live leases included, so a
 * reviewer who asks again gets the same images), in image order.
 */
/** Review order: the judge's confidence, lowest first (images without one, e.g. a human pass's, after), then id. */
const REVIEW_ORDER = sql.raw(`(c.judge_verdict->>'confidence')::float8 asc nulls last, c.image_id`);

/** The same order on leased rows, so the service hands them out as the queue chose them. */
export function reviewOrder(a: PassImageRow, b: PassImageRow): number {
  const conf = (r: PassImageRow) => {
    const c = (r.judgeVerdict as { confidence?: unknown } | null)?.confidence;
    return typeof c === 'number' ? c : Number.POSITIVE_INFINITY;
  };
  return conf(a) - conf(b) || a.imageId - b.imageId;
}

export function leaseForReview(
  ex: Executor,
  passId: number,
  keyId: number,
  leaseMs: number,
  limit: number,
): Promise<PassImageRow[]> {
  return ex
    .update(passImages)
    .set({
      reviewLeaseUntil: sql`now() + ${leaseMs} * interval '1 millisecond'`,
      reviewLeaseKeyId: keyId,
      reviewLeasedAt: sql`case when ${passImages.reviewLeaseKeyId} = ${keyId}
        and ${passImages.reviewLeaseUntil} > now() then ${passImages.reviewLeasedAt} else now() end`,
      updatedAt: sql`now()`,
    })
    .where(
      sql`${passImages.id} in (
        select c.id from pass_images c where c.pass_id = ${passId} and c.state = 'awaiting_review'
          and (c.review_lease_until is null or c.review_lease_until <= now() or c.review_lease_key_id = ${keyId})
        order by ${REVIEW_ORDER} limit ${limit} for update skip locked)
      and ${passIsLive(passId)}`,
    )
    .returning();
}

export async function findPassImage(
  ex: Executor,
  passId: number,
  imageId: number,
): Promise<PassImageRow | undefined> {
  const [row] = await ex
    .select()
    .from(passImages)
    .where(and(eq(passImages.passId, passId), eq(passImages.imageId, imageId)));
  return row;
}

/** A reviewer's final write: only while the image awaits review under this key's live lease. */
export async function finishReview(
  ex: Executor,
  row: Pick<PassImageRow, 'id' | 'passId'>,
  keyId: number,
  values: Partial<Pick<PassImageRow, 'verdict' | 'reviewVerdict' | 'reviewSeconds' | 'state'>>,
): Promise<PassImageRow | undefined> {
  const [updated] = await ex
    .update(passImages)
    // The lease stays on the row: while it lasts, the reviewer may withdraw the verdict (reopenReview).
    .set({ ...values, judgedAt: sql`now()`, updatedAt: sql`now()` })
    .where(
      and(
        eq(passImages.id, row.id),
        eq(passImages.state, 'awaiting_review'),
        eq(passImages.reviewLeaseKeyId, keyId),
        sql`${passImages.reviewLeaseUntil} > now()`,
        passIsLive(row.passId),
      ),
    )
    .returning();
  return updated;
}

/**
 * Undoes a reviewer's verdict: the image awaits review again, still leased to the same key. Only the key
 * that judged it, only while its lease lasts; the caller holds the pass row (lockRunningPass).
 */
export async function reopenReview(
  ex: Executor,
  passId: number,
  imageId: number,
  keyId: number,
): Promise<PassImageRow | undefined> {
  const [updated] = await ex
    .update(passImages)
    .set({
      state: 'awaiting_review',
      verdict: null,
      reviewVerdict: null,
      judgedAt: null,
      accepted: false,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(passImages.passId, passId),
        eq(passImages.imageId, imageId),
        eq(passImages.state, 'judged'),
        sql`${passImages.reviewVerdict} is not null`,
        eq(passImages.reviewLeaseKeyId, keyId),
        sql`${passImages.reviewLeaseUntil} > now()`,
      ),
    )
    .returning();
  return updated;
}

export async function markAccepted(ex: Executor, id: number): Promise<void> {
  await ex.update(passImages).set({ accepted: true }).where(eq(passImages.id, id));
}

export function listPassImages(
  ex: Executor,
  passId: number,
  filter: { state?: PassImageState },
  page: { afterId: number; limit: number },
): Promise<PassImageRow[]> {
  const clauses = [eq(passImages.passId, passId), gt(passImages.id, page.afterId)];
  if (filter.state) clauses.push(eq(passImages.state, filter.state));
  return ex
    .select()
    .from(passImages)
    .where(and(...clauses))
    .orderBy(asc(passImages.id))
    .limit(page.limit);
}

/**
 * Live passes with work that nobody has touched for `staleAfterMs` (their jobs were lost with a dead
 * worker, or never taken): marks them kicked, at most once per `staleAfterMs`, so the caller re-sends jobs.
 */
export async function kickStalledPasses(ex: Executor, staleAfterMs: number): Promise<number[]> {
  const stale = sql`now() - ${staleAfterMs} * interval '1 millisecond'`;
  const rows = await ex
    .update(passes)
    .set({ kickedAt: sql`now()` })
    .where(
      sql`${passes.status} in ('queued', 'running')
        and (${passes.kickedAt} is null or ${passes.kickedAt} < ${stale})
        and ${passes.createdAt} < ${stale}
        and exists (select 1 from pass_images c where c.pass_id = ${passes.id}
          and c.state in ('pending', 'predicting', 'predicted', 'judging'))
        and not exists (select 1 from pass_images c where c.pass_id = ${passes.id} and c.updated_at > ${stale})`,
    )
    .returning({ id: passes.id });
  return rows.map((r) => r.id);
}
