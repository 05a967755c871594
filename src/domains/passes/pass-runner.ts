import { sql } from 'drizzle-orm';
import type pg from 'pg';
import type { BlobStore } from '../../blob/blob-store.ts';
import type { Config } from '../../config.ts';
import { withClientTransaction } from '../../db/client-transaction.ts';
import type { Db, Executor } from '../../db/database.ts';
import type { EventBus } from '../../events/event-bus.ts';
import { type Detection, MaskRcnnModel, ModelCache, type ModelMetadata } from '../../inference/mask-rcnn.ts';
import type { Queue } from '../../queue/queue.ts';
import type { ImageRow } from '../datasets/image.repository.ts';
import * as imageRepo from '../datasets/image.repository.ts';
import { createLimiter } from '../judging/limiter.ts';
import { loadPromptTemplate, type PromptTemplate } from '../judging/prompt.ts';
import type { Judge, JudgeInput, Verdict } from '../judging/types.ts';
import * as modelVersionRepo from '../models/model-version.repository.ts';
import type { PassImageError, PassImageRow, PassRow } from './pass.repository.ts';
import * as repo from './pass.repository.ts';
import { PASS_BATCH } from './pass.service.ts';
import { buildJudge, judgeConcurrency } from './pass-judges.ts';
import {
  acceptApproved,
  acceptCorrectInstances,
  categoryNames,
  type PassCompletion,
  toInstances,
} from './pass-outcome.ts';
import {
  alongsideOracle,
  decider,
  failedJudgement,
  groundTruth,
  humanPassOracle,
  predictionRows,
  withEarlierTokens,
} from './pass-verdicts.ts';
import * as predictionRepo from './prediction.repository.ts';

/** Where a pass job runs: its worker (the claim holder), when claims go stale, and the stop signal. */
export interface PassSlot {
  workerId: string;
  staleAfterMs: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

type PredictOutcome =
  | { claim: PassImageRow; detections: Detection[] }
  | { claim: PassImageRow; error: PassImageError };

const LIVE = new Set(['queued', 'running']);
const MAX_RETRY_DELAY_MS = 10 * 60_000;
const JUDGE_CACHE_SIZE = 32;
/** Threads of one onnxruntime session: predict jobs run one at a time per worker. */
const INFERENCE_THREADS = 2;

/**
 * The worker side of passes: predict and judge jobs. Each job claims a batch of a pass's images, works
 * on them, and writes each outcome only while its claim still holds (attempt fencing), so a pass
 * survives any process dying: a dead worker's claims are taken over, nothing is decided twice.
 */
export class PassRunner {
  private readonly judges = new Map<number, Promise<Judge | undefined>>();
  private prompt: Promise<PromptTemplate> | undefined;

  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly queue: Queue,
    private readonly blobs: BlobStore,
    private readonly completion: PassCompletion,
    private readonly events: EventBus,
    private readonly vlm: Config['vlm'],
    /** One onnxruntime session per model version per process, on the configured execution provider. */
    private readonly models = new ModelCache(),
  ) {}

  async predict(passId: number, slot: PassSlot): Promise<string> {
    const pass = await repo.findPassById(this.db, passId);
    if (!pass || !LIVE.has(pass.status)) return 'skipped: the pass has ended';
    const claims = await repo.claimImages(this.db, passId, 'predict', slot, PASS_BATCH);
    if (claims.length === 0) return 'nothing to predict';
    await repo.markRunning(this.db, passId);
    try {
      const model = await this.model(pass).catch(async (err: Error) => {
        await this.completion.fail(pass, { code: 'model_unavailable', message: err.message });
        return undefined;
      });
      if (!model) return 'failed: the model cannot be loaded';
      const images = await this.imagesOf(claims);
      const outcomes: PredictOutcome[] = [];
      for (const claim of claims) {
        if (slot.signal.aborted) break;
        outcomes.push(await this.predictOne(model, claim, images.get(claim.imageId)));
      }
      await this.writePredictions(pass, outcomes, images, claims.length === PASS_BATCH);
      return `predicted ${outcomes.length} image(s)`;
    } finally {
      // Claims not written (stopping, or a failed write) go straight back; written ones are not held any more.
      for (const claim of claims) await repo.releaseClaim(this.db, claim, 'predict').catch(() => {});
      await this.afterBatch(pass, slot);
    }
  }

  async judge(passId: number, slot: PassSlot): Promise<string> {
    const pass = await repo.findPassById(this.db, passId);
    if (!pass || !LIVE.has(pass.status) || pass.judge.kind === 'human') return 'skipped';
    const claims = await repo.claimImages(this.db, passId, 'judge', slot, PASS_BATCH);
    if (claims.length === 0) return 'nothing to judge';
    const decided: { imageId: number; verdict: Verdict['verdict'] }[] = [];
    try {
      const judge = await this.judgeFor(pass);
      const inputs = await this.judgeInputs(pass, claims);
      const limit = createLimiter(judgeConcurrency(pass.judge));
      await Promise.all(
        claims.map((claim) =>
          limit(async () => {
            if (slot.signal.aborted || !judge) return;
            const verdict = await this.judgeOne(judge, inputs.get(claim.imageId), slot.signal);
            // Stopping: the claim goes back untouched, the try is not counted.
            if (verdict.error?.code === 'aborted' && slot.signal.aborted) return;
            if (await this.recordVerdict(pass, claim, verdict, inputs.get(claim.imageId)))
              decided.push({ imageId: claim.imageId, verdict: verdict.verdict });
          }),
        ),
      );
      if (claims.length === PASS_BATCH && !slot.signal.aborted)
        await this.queue.send('pass.judge', { passId });
      return `judged ${decided.length} image(s)`;
    } finally {
      for (const claim of claims) await repo.releaseClaim(this.db, claim, 'judge').catch(() => {});
      await this.announceVerdicts(pass, decided);
      await this.afterBatch(pass, slot);
    }
  }

  /**
   * Run on every worker's heartbeat: re-sends jobs for passes nobody has made progress on (their jobs
   * died with a worker), and completes passes whose last write missed completing them.
   */
  async maintain(staleAfterMs: number): Promise<number[]> {
    const kicked = await withClientTransaction(this.pool, async ({ db, client }) => {
      const ids = await repo.kickStalledPasses(db, staleAfterMs);
      for (const passId of ids) {
        await this.queue.send('pass.predict', { passId }, { tx: client });
        await this.queue.send('pass.judge', { passId }, { tx: client });
      }
      return ids;
    });
    await this.completion.completeStragglers(this.db);
    return kicked;
  }

  async close(): Promise<void> {
    this.judges.clear();
    await this.models.clear();
  }

  private model(pass: PassRow): Promise<MaskRcnnModel> {
    return this.models.get(String(pass.modelVersionId), async () => {
      const version = await modelVersionRepo.findModelVersion(this.db, pass.projectId, pass.modelVersionId);
      if (!version) throw new Error(`model version ${pass.modelVersionId} is gone`);
      const path = await this.blobs.localPath(version.onnxSha256);
      return MaskRcnnModel.load(path, version.metadata as unknown as ModelMetadata, {
        ...this.models.loadOptions,
        threads: INFERENCE_THREADS,
      });
    });
  }

  private async imagesOf(claims: PassImageRow[]): Promise<Map<number, ImageRow>> {
    const rows = await imageRepo.findImagesByIdsAnywhere(
      this.db,
      claims.map((c) => c.imageId),
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  private async predictOne(
    model: MaskRcnnModel,
    claim: PassImageRow,
    image: ImageRow | undefined,
  ): Promise<PredictOutcome> {
    try {
      if (!image) throw new Error(`image ${claim.imageId} is gone`);
      // Everything the model outputs is kept; the pass's threshold only decides what is drawn.
      return { claim, detections: await model.predict(await this.blobs.read(image.sha256), { minScore: 0 }) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { claim, error: { code: 'predict_failed', message, retryable: false, stage: 'predict' } };
    }
  }

  /** One transaction for the batch: each image's predictions with its fenced state change, and the next jobs. */
  private async writePredictions(
    pass: PassRow,
    outcomes: PredictOutcome[],
    images: Map<number, ImageRow>,
    full: boolean,
  ): Promise<void> {
    const human = pass.judge.kind === 'human';
    const truths = human ? await groundTruth(this.db, [...images.values()]) : new Map();
    await withClientTransaction(this.pool, async ({ db, client }) => {
      let predicted = 0;
      for (const outcome of outcomes) {
        if ('error' in outcome) {
          await repo.updateHeld(db, outcome.claim, 'predicting', {
            state: 'errored',
            verdict: 'error',
            error: outcome.error,
            judgedAt: sql`now()`,
          });
          continue;
        }
        const image = images.get(outcome.claim.imageId) as ImageRow;
        const oracle = human ? humanPassOracle(pass, image, outcome.detections, truths) : undefined;
        const row = await repo.updateHeld(db, outcome.claim, 'predicting', {
          state: human ? 'awaiting_review' : 'predicted',
          predictedAt: sql`now()`,
          oracleVerdict: (oracle ?? null) as Record<string, unknown> | null,
        });
        if (!row) continue;
        await predictionRepo.insertPredictions(db, predictionRows(pass, row, outcome.detections));
        predicted++;
      }
      if (predicted > 0 && !human) await this.queue.send('pass.judge', { passId: pass.id }, { tx: client });
      if (full) await this.queue.send('pass.predict', { passId: pass.id }, { tx: client });
    });
  }

  private judgeFor(pass: PassRow): Promise<Judge | undefined> {
    let judge = this.judges.get(pass.id);
    if (!judge) {
      if (this.judges.size >= JUDGE_CACHE_SIZE) this.judges.delete(this.judges.keys().next().value as number);
      judge = (async () =>
        buildJudge({
          judge: pass.judge,
          secret: pass.judgeSecret,
          scoreThreshold: pass.scoreThreshold,
          categories: [...(await categoryNames(this.db, pass.projectId))].map(([id, name]) => ({ id, name })),
          prompt: () => {
            this.prompt ??= loadPromptTemplate();
            return this.prompt;
          },
          vlm: this.vlm,
        }))();
      judge.catch(() => this.judges.delete(pass.id));
      this.judges.set(pass.id, judge);
    }
    return judge;
  }

  /** Everything each claimed image is judged on: its bytes, its stored predictions and its ground truth. */
  private async judgeInputs(pass: PassRow, claims: PassImageRow[]): Promise<Map<number, JudgeInput>> {
    const images = await this.imagesOf(claims);
    const names = await categoryNames(this.db, pass.projectId);
    const predictions = await predictionRepo.predictionsOf(this.db, pass.id, [...images.keys()]);
    const truths = await groundTruth(this.db, [...images.values()]);
    const inputs = new Map<number, JudgeInput>();
    for (const image of images.values()) {
      const bytes = await this.blobs.read(image.sha256).catch(() => undefined);
      if (!bytes) continue;
      inputs.set(image.id, {
        imageId: image.id,
        image: bytes,
        width: image.width,
        height: image.height,
        instances: toInstances(
          predictions.filter((p) => p.imageId === image.id),
          names,
        ),
        groundTruth: truths.get(image.id),
      });
    }
    return inputs;
  }

  private async judgeOne(judge: Judge, input: JudgeInput | undefined, signal: AbortSignal): Promise<Verdict> {
    const started = performance.now();
    try {
      if (!input) throw new Error('the image bytes cannot be read');
      return await judge.judge(input, signal);
    } catch (err) {
      return failedJudgement(judge, err, started);
    }
  }

  /**
   * Writes one verdict under the claim, in one transaction with what follows from it: the accepted
   * labels of an approval, or the delayed retry of a retryable error. False when the claim was lost.
   */
  private async recordVerdict(
    pass: PassRow,
    claim: PassImageRow,
    verdict: Verdict,
    input: JudgeInput | undefined,
  ): Promise<boolean> {
    const oracle = alongsideOracle(pass, verdict, input);
    const base = {
      judgeVerdict: withEarlierTokens(verdict, claim.judgeVerdict) as unknown as Record<string, unknown>,
      oracleVerdict: (oracle ?? null) as Record<string, unknown> | null,
      reviewSeconds: claim.reviewSeconds + verdict.reviewSeconds,
    };
    return withClientTransaction(this.pool, async ({ db, client }) => {
      if (verdict.verdict === 'approve' || verdict.verdict === 'reject') {
        const row = await repo.updateHeld(db, claim, 'judging', {
          ...base,
          state: 'judged',
          verdict: verdict.verdict,
          error: null,
          judgedAt: sql`now()`,
        });
        if (row && verdict.verdict === 'approve') await acceptApproved(db, pass, row, decider(verdict));
        else if (row && pass.acceptance === 'instance')
          await acceptCorrectInstances(db, pass, row, verdict, decider(verdict));
        return row !== undefined;
      }
      if (verdict.verdict === 'abstain')
        return (
          (await repo.updateHeld(db, claim, 'judging', {
            ...base,
            state: 'awaiting_review',
            abstained: true,
          })) !== undefined
        );
      return this.recordError(db, client, pass, claim, verdict, base);
    });
  }

  /** A retryable error goes back to the worklist with backoff until its tries run out; then it is errored. */
  private async recordError(
    db: Executor,
    client: pg.PoolClient,
    pass: PassRow,
    claim: PassImageRow,
    verdict: Verdict,
    base: repo.HeldValues,
  ): Promise<boolean> {
    const tries = claim.tries + 1;
    const cause = verdict.error ?? { code: 'unknown', message: verdict.reason, retryable: false };
    const error = { ...cause, stage: 'judge' };
    if (cause.retryable && tries < pass.retry.maxAttempts) {
      const delayMs = Math.min(pass.retry.baseDelayMs * 2 ** (tries - 1), MAX_RETRY_DELAY_MS);
      const row = await repo.updateHeld(db, claim, 'judging', {
        ...base,
        state: 'predicted',
        tries,
        error,
        notBefore: sql`now() + ${delayMs} * interval '1 millisecond'`,
      });
      if (row)
        await this.queue.send(
          'pass.judge',
          { passId: pass.id },
          { tx: client, startAfterSeconds: Math.ceil(delayMs / 1000) },
        );
      return row !== undefined;
    }
    const row = await repo.updateHeld(db, claim, 'judging', {
      ...base,
      state: 'errored',
      verdict: 'error',
      tries,
      error,
      judgedAt: sql`now()`,
    });
    return row !== undefined;
  }

  private async announceVerdicts(
    pass: PassRow,
    decided: { imageId: number; verdict: Verdict['verdict'] }[],
  ): Promise<void> {
    const final = decided.filter((d) => d.verdict === 'approve' || d.verdict === 'reject');
    if (final.length === 0) return;
    await this.events
      .publish('verdicts.ready', {
        projectId: pass.projectId,
        passId: pass.id,
        imageIds: final.map((d) => d.imageId),
        approved: final.filter((d) => d.verdict === 'approve').length,
        rejected: final.filter((d) => d.verdict === 'reject').length,
      })
      .catch(() => {
        // Best effort: the verdicts are committed and readable from the pass.
      });
  }

  /** Completes the pass when this batch was its last, and tells subscribers how far it got. */
  private async afterBatch(pass: PassRow, slot: PassSlot): Promise<void> {
    try {
      await this.completion.completeIfDone(pass.id);
      const counts = (await repo.passCounts(this.db, [pass.id])).get(pass.id);
      if (!counts) return;
      await this.events.publish('pass.progress', {
        projectId: pass.projectId,
        passId: pass.id,
        done: counts.approved + counts.rejected + counts.errored,
        total: counts.images,
        approved: counts.approved,
        rejected: counts.rejected,
        errors: counts.errored,
      });
    } catch (err) {
      slot.log(`pass ${pass.id}: completion check or progress failed: ${(err as Error).message}`);
    }
  }
}
