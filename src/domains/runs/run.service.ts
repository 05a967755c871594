import type pg from 'pg';
import type { Config } from '../../config.ts';
import { withClientTransaction } from '../../db/client-transaction.ts';
import type { Db, Executor } from '../../db/database.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from '../../db/pagination.ts';
import { AppError, conflict, notFound, validationError } from '../../errors/problem.ts';
import type { EventBus } from '../../events/event-bus.ts';
import * as poolRepo from '../datasets/pool.repository.ts';
import { type JudgeConfig, resolveJudge } from '../passes/pass-judges.ts';
import type { ProjectService } from '../projects/project.service.ts';
import { hyperErrors } from '../training/trainer-schemas.ts';
import type { RunCostRow, RunIterationRow, RunRow, RunStatus } from './run.repository.ts';
import * as repo from './run.repository.ts';
import { type CreateRunInput, type RunConfig, withDefaults } from './run-config.ts';
import { type CostSummary, humanHours, sumCosts } from './run-costs.ts';
import { cancelChild, finishRun } from './run-end.ts';
import { chooseInitialLabels } from './run-initial-labels.ts';
import { verifyInitialModel } from './run-initial-model.ts';
import { writeIterationCosts } from './run-ledger.ts';
import { segmAp } from './run-rules.ts';
import type { RunSteps } from './run-steps.ts';

export type { RunStatus } from './run.repository.ts';
export type { CreateRunInput, RunConfig } from './run-config.ts';

export interface RunIteration {
  iteration: number;
  status: RunIterationRow['status'];
  step: RunIterationRow['step'];
  trainingJobId: number | null;
  modelVersionId: number | null;
  evaluationId: number | null;
  passId: number | null;
  trainImages: number | null;
  approved: number | null;
  accepted: number | null;
  rejected: number | null;
  abstained: number | null;
  errors: number | null;
  metrics: Record<string, unknown> | null;
  agreement: Record<string, unknown> | null;
  /** This iteration's ledger rows summed; null until it is closed. */
  cost: CostSummary | null;
  /** The ledger of iterations 0..k summed; null until this one is closed. */
  cumulativeCost: CostSummary | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface Run {
  id: number;
  projectId: number;
  name: string | null;
  status: RunStatus;
  stopReason: RunRow['stopReason'];
  config: RunConfig;
  /** The iteration the run is at (the last one once it ended). */
  iteration: number;
  error: { code: string; message: string } | null;
  /** Everything charged so far. */
  cost: CostSummary;
  iterations?: RunIteration[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

export interface RunCost {
  iteration: number;
  kind: RunCostRow['kind'];
  quantity: number;
  unit: string;
  seconds: number;
  usd: number;
  detail: Record<string, unknown>;
  createdAt: Date;
}

/** One run's line on a learning curve: mask AP against cumulative human hours, per closed iteration. */
export interface CurvePointData {
  label: string;
  points: { hours: number; ap: number; iteration: number }[];
}

/** Runs as the API sees them; the steps themselves are RunSteps', on the workers. */
export class RunService {
  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly projects: ProjectService,
    private readonly events: EventBus,
    private readonly steps: RunSteps,
    private readonly vlm: Config['vlm'],
  ) {}

  /** Validates against the project as it is now, records the run and sends its first step, in one transaction. */
  async create(projectId: number, input: CreateRunInput): Promise<Run> {
    await this.projects.get(projectId);
    const config = withDefaults(input);
    const judge = resolveJudge(config.judge, this.vlm);
    const problems = hyperErrors(config.training.hyper).map((p) => ({
      name: p.name.replace(/^\$\.hyper/, 'training.hyper'),
      reason: p.reason,
    }));
    if (problems.length > 0) throw new AppError('validation', 'training.hyper: not valid', problems);
    await this.checkPool(projectId, config);
    if (await repo.activeRunOf(this.db, projectId)) throw activeConflict(projectId);
    if (config.initialModel)
      await this.checkInitialModel(projectId, config, config.initialModel.modelVersionId);
    const stored = { ...config, judge: judge.stored as unknown as JudgeConfig };
    const id = await withClientTransaction(this.pool, async (tx) => {
      const run = await repo.insertRun(tx.db, {
        projectId,
        name: input.name ?? null,
        config: stored as unknown as Record<string, unknown>,
        judgeSecret: judge.secret,
      });
      await this.steps.nudge(run.id, tx);
      return run.id;
    }).catch((err: { code?: string; constraint?: string }) => {
      // Two creates at once: the unique index lets one through.
      if (err.code === '23505' && err.constraint === 'runs_one_active') throw activeConflict(projectId);
      throw err;
    });
    return this.get(projectId, id);
  }

  async list(projectId: number, filter: { status?: RunStatus }, page: PageRequest): Promise<Page<Run>> {
    await this.projects.get(projectId);
    const limit = pageLimit(page.limit);
    const rows = await repo.listRuns(this.db, projectId, filter, {
      afterId: decodeCursor(page.cursor),
      limit: limit + 1,
    });
    const result = toPage(rows, limit);
    const costs = await repo.costsOf(
      this.db,
      result.data.map((r) => r.id),
    );
    return {
      nextCursor: result.nextCursor,
      data: result.data.map((r) =>
        toRun(
          r,
          costs.filter((c) => c.runId === r.id),
        ),
      ),
    };
  }

  async get(projectId: number, id: number): Promise<Run> {
    const row = await this.find(projectId, id);
    const costs = await repo.costsOf(this.db, [id]);
    return { ...toRun(row, costs), iterations: await this.iterationViews(id, costs) };
  }

  async iterations(projectId: number, id: number): Promise<RunIteration[]> {
    await this.find(projectId, id);
    return this.iterationViews(id, await repo.costsOf(this.db, [id]));
  }

  /** The ledger, row by row, and its sum. */
  async costs(projectId: number, id: number): Promise<{ data: RunCost[]; total: CostSummary }> {
    await this.find(projectId, id);
    const rows = await repo.costsOf(this.db, [id]);
    return { data: rows.map(toCost), total: sumCosts(rows) };
  }

  /**
   * Iterations of many runs at once, for batched readers (GraphQL loaders); a run without any maps to [].
   * Callers reached these runs through a project they may see.
   */
  async iterationsOfRuns(runIds: number[]): Promise<Map<number, RunIteration[]>> {
    const [rows, costs] = await Promise.all([
      repo.iterationsOf(this.db, runIds),
      repo.costsOf(this.db, runIds),
    ]);
    const out = new Map<number, RunIteration[]>(runIds.map((id) => [id, []]));
    for (const it of rows) out.get(it.runId)?.push(toIteration(it, costs));
    return out;
  }

  /** Ledgers of many runs at once, by iteration and then in the order written. */
  async ledgersOfRuns(runIds: number[]): Promise<Map<number, RunCost[]>> {
    const rows = await repo.costsOf(this.db, runIds);
    const out = new Map<number, RunCost[]>(runIds.map((id) => [id, []]));
    for (const row of rows) out.get(row.runId)?.push(toCost(row));
    return out;
  }

  /** Stops the run from taking its next step; children already started finish. */
  async pause(projectId: number, id: number): Promise<Run> {
    await withClientTransaction(this.pool, async (tx) => {
      const run = await this.lock(tx.db, projectId, id);
      if (run.status === 'paused') return;
      if (run.status !== 'queued' && run.status !== 'running')
        throw conflict(`run ${id} has already ${run.status}`);
      await repo.updateRun(tx.db, id, { status: 'paused', clearNextStep: true });
    });
    return this.get(projectId, id);
  }

  async resume(projectId: number, id: number): Promise<Run> {
    await withClientTransaction(this.pool, async (tx) => {
      const run = await this.lock(tx.db, projectId, id);
      if (run.status !== 'paused') throw conflict(`run ${id} is ${run.status}, not paused`);
      await repo.updateRun(tx.db, id, {
        status: run.startedAt ? 'running' : 'queued',
        clearNextStep: true,
      });
      await this.steps.nudge(id, tx);
    });
    return this.get(projectId, id);
  }

  /**
   * Ends the run, cancels the child its current iteration waits on and charges what that iteration spent
   * so far, all in one transaction: a crash can leave neither a cancelled run with a live child nor a
   * cancelled child uncharged. A running trainer sees its job cancelled and stops.
   */
  async cancel(projectId: number, id: number): Promise<Run> {
    await withClientTransaction(this.pool, async (tx) => {
      const run = await this.lock(tx.db, projectId, id);
      if (!repo.ACTIVE_STATUSES.includes(run.status)) throw conflict(`run ${id} has already ${run.status}`);
      const it = await repo.findIteration(tx.db, id, run.iteration);
      if (it && it.step !== 'done') {
        await cancelChild(tx.db, projectId, it);
        await writeIterationCosts(tx.db, run, run.config as unknown as RunConfig, it);
        await repo.updateIteration(tx.db, it.id, { status: 'stopped', finished: true });
      }
      await finishRun(tx, this.events, run, 'cancelled', 'cancelled');
    });
    return this.get(projectId, id);
  }

  /** Each run's closed, measured iterations as curve points; 404 for a run not in the project. */
  async learningCurves(projectId: number, runIds: number[]): Promise<CurvePointData[]> {
    const rows = await repo.listRuns(
      this.db,
      projectId,
      { ids: runIds },
      { afterId: 0, limit: runIds.length },
    );
    const missing = runIds.find((id) => !rows.some((r) => r.id === id));
    if (missing !== undefined) throw notFound('run', missing);
    const iterations = await repo.iterationsOf(this.db, runIds);
    const costs = await repo.costsOf(this.db, runIds);
    return runIds.map((runId) => {
      const run = rows.find((r) => r.id === runId)!;
      const points = iterations
        .filter((it) => it.runId === runId && it.status === 'completed' && segmAp(it.metrics) !== null)
        .map((it) => ({
          iteration: it.iteration,
          ap: segmAp(it.metrics)!,
          hours: humanHours(sumCosts(costs.filter((c) => c.runId === runId && c.iteration <= it.iteration))),
        }));
      return { label: run.name ?? `run ${run.id}`, points };
    });
  }

  private async find(projectId: number, id: number): Promise<RunRow> {
    const row = await repo.findRun(this.db, projectId, id);
    if (!row) throw notFound('run', id);
    return row;
  }

  private async lock(ex: Executor, projectId: number, id: number): Promise<RunRow> {
    const run = await repo.lockRun(ex, id);
    if (!run || run.projectId !== projectId) throw notFound('run', id);
    return run;
  }

  private async iterationViews(runId: number, costs: RunCostRow[]): Promise<RunIteration[]> {
    const rows = await repo.iterationsOf(this.db, [runId]);
    return rows.map((it) => toIteration(it, costs));
  }

  /**
   * Refuses, at once, an initial model that does not fit the initial set: the select step is applied in
   * a transaction that is rolled back, so the check sees exactly the labels the run's select will choose
   * and the project is left as it is. The train step checks again against the labels it really has.
   */
  private async checkInitialModel(
    projectId: number,
    config: RunConfig,
    modelVersionId: number,
  ): Promise<void> {
    const fits = Symbol('fits');
    await withClientTransaction(this.pool, async (tx) => {
      await chooseInitialLabels(tx.db, projectId, config.initialLabels);
      await verifyInitialModel(tx.db, projectId, config, modelVersionId);
      throw fits;
    }).catch((err) => {
      if (err !== fits) throw err;
    });
  }

  /**
   * The refusals docs/runs.md promises: nothing to start from, nothing to judge, no truth for the oracle.
   * A run of 0 iterations judges nothing (the supervised baseline): it needs neither a pool nor truth for one.
   */
  private async checkPool(projectId: number, config: RunConfig): Promise<void> {
    const pool = await poolRepo.poolCounts(this.db, projectId);
    const initial = config.initialLabels;
    const needsPool = config.iterations > 0;
    let poolHasTruth: boolean;
    if ('fraction' in initial) {
      if (pool.trainWithTruth === 0)
        throw validationError(
          'initialLabels.fraction',
          'no train image has imported ground truth to label a fraction of; use { "existing": true }',
        );
      const labeled = Math.round(initial.fraction * pool.trainWithTruth);
      if (labeled < 1 || (needsPool && labeled >= pool.trainWithTruth))
        throw validationError(
          'initialLabels.fraction',
          `${initial.fraction} of ${pool.trainWithTruth} train images labels ${labeled}: at least one must be ` +
            `labelled${needsPool ? ' and at least one left unlabelled (or use iterations: 0)' : ''}`,
        );
      poolHasTruth = true;
    } else {
      if (pool.labeled === 0)
        throw validationError('initialLabels', 'no train image is labelled (split=train, poolState=labeled)');
      if (needsPool && pool.unlabeled === 0)
        throw validationError(
          'initialLabels',
          'no train image is unlabelled: there is no pool to label (iterations: 0 trains on the labelled set only)',
        );
      poolHasTruth = pool.unlabeledWithTruth > 0;
    }
    const kind = config.judge.kind as string;
    if (needsPool && (kind === 'oracle' || kind === 'simulated') && !poolHasTruth)
      throw validationError(
        'judge.kind',
        `the ${kind} judge needs imported ground truth for the unlabelled pool`,
      );
    if (pool.valLabeled === 0)
      throw validationError(
        'labels',
        'no labelled val image: training evaluates on split=val, poolState=labeled',
      );
    if (pool.test === 0) throw validationError('split', 'the test split has no images to evaluate on');
  }
}

const activeConflict = (projectId: number) =>
  conflict(`project ${projectId} already has an active run (queued, running or paused); cancel it first`);

function toRun(row: RunRow, costs: RunCostRow[]): Run {
  return {
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    status: row.status,
    stopReason: row.stopReason,
    config: row.config as unknown as RunConfig,
    iteration: row.iteration,
    error: row.error ?? null,
    cost: sumCosts(costs),
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    updatedAt: row.updatedAt,
  };
}

function toIteration(it: RunIterationRow, costs: RunCostRow[]): RunIteration {
  const own = costs.filter((c) => c.runId === it.runId && c.iteration === it.iteration);
  const closed = own.length > 0;
  return {
    iteration: it.iteration,
    status: it.status,
    step: it.step,
    trainingJobId: it.trainingJobId,
    modelVersionId: it.modelVersionId,
    evaluationId: it.evaluationId,
    passId: it.passId,
    trainImages: it.trainImages,
    approved: it.approved,
    accepted: it.accepted,
    rejected: it.rejected,
    abstained: it.abstained,
    errors: it.errors,
    metrics: it.metrics,
    agreement: it.agreement,
    cost: closed ? sumCosts(own) : null,
    cumulativeCost: closed
      ? sumCosts(costs.filter((c) => c.runId === it.runId && c.iteration <= it.iteration))
      : null,
    createdAt: it.createdAt,
    finishedAt: it.finishedAt,
  };
}

function toCost(row: RunCostRow): RunCost {
  return {
    iteration: row.iteration,
    kind: row.kind,
    quantity: row.quantity,
    unit: row.unit,
    seconds: row.seconds,
    usd: row.usd,
    detail: row.detail,
    createdAt: row.createdAt,
  };
}
