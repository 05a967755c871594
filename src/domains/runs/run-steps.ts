import type pg from 'pg';
import { type ClientTransaction, withClientTransaction } from '../../db/client-transaction.ts';
import type { Db, Executor } from '../../db/database.ts';
import type { EventBus } from '../../events/event-bus.ts';
import { valuesWithLiveMessage } from '../../queue/job-table.ts';
import type { Queue } from '../../queue/queue.ts';
import * as poolRepo from '../datasets/pool.repository.ts';
import * as evaluationRepo from '../evaluations/evaluation.repository.ts';
import type { EvaluationService } from '../evaluations/evaluation.service.ts';
import type { PassService } from '../passes/pass.service.ts';
import type { JudgeConfig } from '../passes/pass-judges.ts';
import type { TrainingService } from '../training/training.service.ts';
import * as workerRepo from '../workers/worker.repository.ts';
import type { RunIterationRow, RunRow, StopReason } from './run.repository.ts';
import * as repo from './run.repository.ts';
import type { RunConfig } from './run-config.ts';
import { humanHours, sumCosts } from './run-costs.ts';
import { finishRun } from './run-end.ts';
import { chooseInitialLabels } from './run-initial-labels.ts';
import { verifyInitialModel } from './run-initial-model.ts';
import { writeIterationCosts } from './run-ledger.ts';
import { metricsOf, numericMetrics, plateaued, segmAp, tooFewApprovals } from './run-rules.ts';
import { childErrorText, classifyStepError, stepErrorText } from './run-step-errors.ts';

/** Seconds between two looks at a child that has not finished. */
export const STEP_DELAY_SECONDS = 2;

/** The error a run ends with when a step's child cannot be created (docs/runs.md). */
const STEP_FAILURES: Record<RunIterationRow['step'], { code: string; child: string }> = {
  select: { code: 'select_failed', child: 'choose the initial labelled set' },
  pass: { code: 'pass_failed', child: 'create the pass' },
  train: { code: 'training_failed', child: 'create the training job' },
  evaluate: { code: 'evaluation_failed', child: 'create the evaluation' },
  close: { code: 'close_failed', child: 'close the iteration' },
  done: { code: 'close_failed', child: 'open the next iteration' },
};

/** What a step did: moved on (the next step runs at once), waits on a child, or ended the run. */
type Outcome = 'continue' | 'wait' | 'ended' | 'idle';

interface StepContext {
  tx: ClientTransaction;
  run: RunRow;
  config: RunConfig;
  it: RunIterationRow;
}

/**
 * The run's state machine. Each `run.step` job takes the run's row lock, looks at the current iteration's
 * step and its child, and makes at most one move in that transaction: creating a child records its id
 * with it, so a repeated step finds the child instead of making a second one.
 */
export class RunSteps {
  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly queue: Queue,
    private readonly events: EventBus,
    private readonly training: TrainingService,
    private readonly passes: PassService,
    private readonly evaluations: EvaluationService,
  ) {}

  /**
   * Takes the run's next step. `lastTry`: this message's retries are spent (the queue will not run it
   * again), so an error nobody can classify fails the run instead of being retried without end.
   */
  async step(runId: number, options: { lastTry?: boolean } = {}): Promise<string> {
    try {
      return await withClientTransaction(this.pool, (tx) => this.takeStep(tx, runId));
    } catch (err) {
      // The project refused a child (nothing labelled left to train on, a model version deleted), or
      // the run's state makes the step throw: a retry would fail the same way, forever, so the run fails
      // naming the step. A lost connection or a worker shutting down is retried by the queue, then by
      // maintenance, as long as it lasts; anything else until its retries run out.
      const kind = classifyStepError(err);
      if (kind === 'transient' || (kind === 'unknown' && !options.lastTry)) throw err;
      return this.refused(runId, err);
    }
  }

  private async takeStep(tx: ClientTransaction, runId: number): Promise<string> {
    let run = await repo.lockRun(tx.db, runId);
    if (!run || (run.status !== 'queued' && run.status !== 'running')) return 'idle';
    if (run.status === 'queued')
      run = await repo.updateRun(tx.db, run.id, { status: 'running', started: true });
    const config = run.config as unknown as RunConfig;
    const it = await repo.ensureIteration(
      tx.db,
      run.id,
      run.iteration,
      run.iteration === 0 ? 'select' : 'pass',
    );
    const outcome = await this.advance({ tx, run, config, it });
    await this.schedule(tx, run.id, outcome);
    return `iteration ${it.iteration} ${it.step}: ${outcome}`;
  }

  /** Fails the run whose step could not take its move, in a transaction of its own (the step's rolled back). */
  private refused(runId: number, err: unknown): Promise<string> {
    return withClientTransaction(this.pool, async (tx) => {
      const run = await repo.lockRun(tx.db, runId);
      if (!run || (run.status !== 'queued' && run.status !== 'running')) return 'idle';
      const it = await repo.ensureIteration(
        tx.db,
        run.id,
        run.iteration,
        run.iteration === 0 ? 'select' : 'pass',
      );
      const { code, child } = STEP_FAILURES[it.step];
      const text = stepErrorText(err);
      await this.fail(tx, run, it, code, `could not ${child}: ${text}`);
      return `iteration ${it.iteration} ${it.step}: failed (${text})`;
    });
  }

  /** Sends `run.step` for a run now (resume, a child finished); nothing for a run that is not active. */
  async nudge(runId: number, tx?: ClientTransaction): Promise<void> {
    await this.queue.send('run.step', { runId }, { tx: tx?.client });
  }

  /** Nudges the run waiting on this child, if any: it moves on at once instead of at its next look. */
  async childFinished(child: {
    trainingJobId?: number;
    evaluationId?: number;
    passId?: number;
  }): Promise<void> {
    const runId = await repo.runWaitingOn(this.db, child);
    if (runId !== undefined) await this.nudge(runId);
  }

  /**
   * Re-sends a step for active runs whose steps went quiet, and the message of an evaluation a run waits
   * on that died with its worker (both lost with a dead worker). `evaluation.run` does nothing for an
   * evaluation that finished meanwhile.
   */
  async maintain(staleAfterMs: number): Promise<number[]> {
    return withClientTransaction(this.pool, async (tx) => {
      const ids = await repo.kickStalledRuns(tx.db, staleAfterMs);
      for (const id of ids) await this.nudge(id, tx);
      for (const evaluationId of await this.orphanedEvaluations(tx.db, staleAfterMs))
        await this.queue.send('evaluation.run', { evaluationId }, { tx: tx.client });
      return ids;
    });
  }

  /**
   * Evaluations a running run waits on whose `evaluation.run` message is gone: none waiting, and none held
   * by a live worker (a worker killed mid-evaluation holds its message until pg-boss expires it, an hour
   * later). The caller sends each one a new message.
   */
  private async orphanedEvaluations(ex: Executor, staleAfterMs: number): Promise<number[]> {
    const awaited = await repo.awaitedQueuedEvaluations(ex, staleAfterMs);
    if (awaited.length === 0) return [];
    const heldJobIds = (await workerRepo.listLiveWorkers(ex, staleAfterMs)).flatMap((w) =>
      (w.currentJobs as { queueJobId?: unknown }[]).flatMap((j) =>
        typeof j.queueJobId === 'string' ? [j.queueJobId] : [],
      ),
    );
    const live = await valuesWithLiveMessage(ex, 'evaluation.run', 'evaluationId', awaited.map(String), {
      staleAfterMs,
      heldJobIds,
    });
    return awaited.filter((id) => !live.has(String(id)));
  }

  private async schedule(tx: ClientTransaction, runId: number, outcome: Outcome): Promise<void> {
    if (outcome === 'continue') await this.nudge(runId, tx);
    else if (outcome === 'wait' && (await repo.claimNextStep(tx.db, runId, STEP_DELAY_SECONDS)))
      await this.queue.send('run.step', { runId }, { tx: tx.client, startAfterSeconds: STEP_DELAY_SECONDS });
  }

  private advance(c: StepContext): Promise<Outcome> {
    switch (c.it.step) {
      case 'select':
        return this.select(c);
      case 'pass':
        return this.pass(c);
      case 'train':
        return this.train(c);
      case 'evaluate':
        return this.evaluate(c);
      case 'close':
        return this.close(c);
      case 'done':
        // The iteration closed but the run did not move on (cannot happen in one transaction): move on.
        return this.next(c);
    }
  }

  /** Iteration 0: the initial labelled set, from a seeded fraction of the train pool or as it is. */
  private async select({ tx, run, config, it }: StepContext): Promise<Outcome> {
    await chooseInitialLabels(tx.db, run.projectId, config.initialLabels);
    const size = await poolRepo.labeledTrainSize(tx.db, run.projectId);
    await repo.updateIteration(tx.db, it.id, { initialLabels: size, step: 'train' });
    return 'continue';
  }

  /** Predict and judge the unlabelled pool with the previous iteration's model; approvals become labels. */
  private async pass({ tx, run, config, it }: StepContext): Promise<Outcome> {
    if (!it.passId) {
      // Labelled meanwhile by someone else: nothing left to judge.
      if ((await poolRepo.poolCounts(tx.db, run.projectId)).unlabeled === 0) {
        await repo.updateIteration(tx.db, it.id, { status: 'stopped', step: 'done', finished: true });
        return this.finish(tx, run, 'succeeded', 'pool_empty');
      }
      const previous = await repo.findIteration(tx.db, run.id, it.iteration - 1);
      const judge = {
        ...config.judge,
        // A simulated reviewer's mistakes are drawn afresh each iteration (stored with the pass).
        ...(config.judge.kind === 'simulated' && { iteration: it.iteration }),
        ...(run.judgeSecret && { apiKey: run.judgeSecret }),
      } as JudgeConfig;
      const pass = await this.passes.create(
        run.projectId,
        {
          modelVersionId: previous!.modelVersionId!,
          images: { filter: { split: 'train', poolState: 'unlabeled' } },
          judge,
          scoreThreshold: config.scoreThreshold,
          acceptance: config.acceptance ?? 'image',
        },
        { tx },
      );
      await repo.updateIteration(tx.db, it.id, { passId: pass.id });
      return 'wait';
    }
    const pass = await this.passes.get(run.projectId, it.passId);
    if (pass.status === 'failed' || pass.status === 'cancelled')
      return this.fail(
        tx,
        run,
        it,
        'pass_failed',
        `pass ${pass.id} ${pass.status}${pass.error ? `: ${pass.error.message}` : ''}`,
      );
    if (pass.status !== 'completed') return 'wait';
    await repo.updateIteration(tx.db, it.id, {
      approved: pass.counts.approved,
      accepted: pass.counts.accepted,
      rejected: pass.counts.rejected,
      abstained: pass.counts.abstained,
      errors: pass.counts.errored,
      agreement: pass.agreement as unknown as Record<string, unknown> | null,
      // Too few approvals to be worth training on: the run stops after charging this pass.
      ...(tooFewApprovals(config, pass.counts)
        ? { ...(await keptModel(tx.db, run.id, it.iteration)), step: 'close' }
        : { step: 'train' }),
    });
    return 'continue';
  }

  private async train(c: StepContext): Promise<Outcome> {
    const { tx, run, config, it } = c;
    if (it.iteration === 0 && config.initialModel) return this.reuse(c, config.initialModel.modelVersionId);
    if (!it.trainingJobId) {
      const previous =
        it.iteration > 0 ? await repo.findIteration(tx.db, run.id, it.iteration - 1) : undefined;
      const warm = config.training.warmStart === 'previous' && previous?.modelVersionId;
      const job = await this.training.create(
        run.projectId,
        {
          preset: config.training.preset,
          hyper: config.training.hyper,
          warmStart: warm
            ? { modelVersionId: previous!.modelVersionId! }
            : (config.training.init ?? 'scratch'),
          seed: config.training.seed,
        },
        { tx },
      );
      await repo.updateIteration(tx.db, it.id, {
        trainingJobId: job.id,
        trainImages: job.labelSnapshot.trainImages,
      });
      return 'wait';
    }
    const job = await this.training.get(run.projectId, it.trainingJobId);
    if (job.status === 'failed' || job.status === 'cancelled')
      return this.fail(
        tx,
        run,
        it,
        'training_failed',
        `training job ${job.id} ${job.status}${job.error ? `: ${job.error.message}` : ''}`,
      );
    if (job.status !== 'succeeded' || job.modelVersionId === null) return 'wait';
    await repo.updateIteration(tx.db, it.id, { modelVersionId: job.modelVersionId, step: 'evaluate' });
    return 'continue';
  }

  /**
   * Iteration 0 with `initialModel`: the model version stands for the training, checked against the
   * labels `select` just chose (a mismatch fails the run like a refused training job). The iteration
   * records the job that trained it, so the ledger charges that job's seconds and device.
   */
  private async reuse({ tx, run, config, it }: StepContext, modelVersionId: number): Promise<Outcome> {
    const reused = await verifyInitialModel(tx.db, run.projectId, config, modelVersionId);
    await repo.updateIteration(tx.db, it.id, {
      trainingJobId: reused.trainingJobId,
      modelVersionId: reused.modelVersionId,
      trainImages: reused.trainImages,
      step: 'evaluate',
    });
    return 'continue';
  }

  /** The project's COCO evaluation of the new model version on the test split (onnxruntime-node). */
  private async evaluate({ tx, run, it }: StepContext): Promise<Outcome> {
    if (!it.evaluationId) {
      const evaluation = await this.evaluations.create(
        run.projectId,
        { split: 'test', modelVersionId: it.modelVersionId! },
        { tx },
      );
      await repo.updateIteration(tx.db, it.id, { evaluationId: evaluation.id });
      return 'wait';
    }
    const evaluation = await evaluationRepo.findEvaluationById(tx.db, it.evaluationId);
    if (!evaluation || evaluation.status === 'failed')
      return this.fail(
        tx,
        run,
        it,
        'evaluation_failed',
        `evaluation ${it.evaluationId} ${evaluation ? `failed: ${childErrorText(evaluation.error)}` : 'is gone'}`,
      );
    if (evaluation.status !== 'completed') return 'wait';
    await repo.updateIteration(tx.db, it.id, { metrics: metricsOf(evaluation.result), step: 'close' });
    return 'continue';
  }

  /**
   * Charges the iteration, announces it, and either stops the run or opens the next iteration. An
   * iteration stopped by `minApprovals` closes completed like any other (with the model it kept), so its
   * event, its row, the ledger, `run.completed` and the learning curve all count it.
   */
  private async close(c: StepContext): Promise<Outcome> {
    const { tx, run, config, it } = c;
    await writeIterationCosts(tx.db, run, config, it);
    const closed = await repo.updateIteration(tx.db, it.id, {
      status: 'completed',
      step: 'done',
      finished: true,
    });
    await this.events.publish(
      'run.iteration.completed',
      {
        projectId: run.projectId,
        runId: run.id,
        iteration: it.iteration,
        modelVersionId: closed.modelVersionId,
        passId: closed.passId,
        labeledImages: closed.trainImages ?? 0,
        metrics: numericMetrics(closed.metrics),
      },
      { tx },
    );
    if (tooFewApprovals(config, it)) return this.finish(tx, run, 'succeeded', 'min_approvals');
    return this.next({ ...c, it: closed });
  }

  /** After a closed iteration: a stop condition ends the run, otherwise the next iteration begins. */
  private async next({ tx, run, config, it }: StepContext): Promise<Outcome> {
    const reason = await this.stopReason(tx.db, run, config, it.iteration);
    if (reason) return this.finish(tx, run, 'succeeded', reason);
    await repo.ensureIteration(tx.db, run.id, it.iteration + 1, 'pass');
    await repo.updateRun(tx.db, run.id, { iteration: it.iteration + 1 });
    return 'continue';
  }

  private async stopReason(
    ex: Executor,
    run: RunRow,
    config: RunConfig,
    iteration: number,
  ): Promise<StopReason | undefined> {
    if (iteration >= config.iterations) return 'iterations';
    const rows = await repo.iterationsOf(ex, [run.id]);
    const aps = rows.map((r) => segmAp(r.metrics));
    if (config.stop.plateau && plateaued(aps, config.stop.plateau)) return 'plateau';
    const budget = config.stop.budgetHours;
    if (budget !== null && humanHours(sumCosts(await repo.costsOf(ex, [run.id]))) >= budget) return 'budget';
    if ((await poolRepo.poolCounts(ex, run.projectId)).unlabeled === 0) return 'pool_empty';
    return undefined;
  }

  private async fail(
    tx: ClientTransaction,
    run: RunRow,
    it: RunIterationRow,
    code: string,
    message: string,
  ): Promise<Outcome> {
    await repo.updateIteration(tx.db, it.id, { status: 'stopped', finished: true });
    await writeIterationCosts(tx.db, run, run.config as unknown as RunConfig, it);
    const text = `iteration ${it.iteration}: ${message}`.slice(0, 2000);
    return this.finish(tx, run, 'failed', 'error', { code, message: text });
  }

  private async finish(
    tx: ClientTransaction,
    run: RunRow,
    status: 'succeeded' | 'failed',
    stopReason: StopReason,
    error?: { code: string; message: string },
  ): Promise<Outcome> {
    await finishRun(tx, this.events, run, status, stopReason, error);
    return 'ended';
  }
}

/**
 * What an iteration that trains nothing keeps from the one before: its model, the evaluation that
 * measured it and the images it was trained on. The run ends with that model, so the iteration is
 * measured by it (the same AP, now at the hours its pass added).
 */
async function keptModel(
  ex: Executor,
  runId: number,
  iteration: number,
): Promise<Pick<RunIterationRow, 'modelVersionId' | 'evaluationId' | 'metrics' | 'trainImages'>> {
  const previous = await repo.findIteration(ex, runId, iteration - 1);
  return {
    modelVersionId: previous?.modelVersionId ?? null,
    evaluationId: previous?.evaluationId ?? null,
    metrics: previous?.metrics ?? null,
    trainImages: previous?.trainImages ?? null,
  };
}
