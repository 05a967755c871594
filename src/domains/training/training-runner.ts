import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BlobStore } from '../../blob/blob-store.ts';
import { linkFile } from '../../blob/link-file.ts';
import type { TrainerConfig } from '../../config.ts';
import type { ModelVersionService } from '../models/model-version.service.ts';
import { type PythonEnv, PythonEnvError } from './python-env.ts';
import { startTrainer, type TrainerProcess, type TrainerResult } from './trainer-process.ts';
import {
  assertValidSpec,
  type ProgressEvent,
  TrainerContractError,
  type TrainJobSpec,
} from './trainer-schemas.ts';
import { CheckpointUploads, type TrainingCheckpoints } from './training-checkpoints.ts';
import { SnapshotChangedError, type TrainingData, type TrainingDataWriter } from './training-data.ts';
import { type ClaimedJob, JobLostError, type TrainingJobs } from './training-jobs.ts';
import { applyEvent, type TrainingProgress } from './training-progress.ts';

/** Where a job runs: a worker's slot and its device (`cpu` or `cuda:<index>`). */
export interface TrainingSlot {
  workerId: string;
  device: string;
  /** CPU slots on this worker: the cores are shared among them. */
  cpuSlots: number;
  staleAfterMs: number;
  /** Aborted when the worker stops: the trainer checkpoints and the job goes back to the queue. */
  signal: AbortSignal;
  log: (line: string) => void;
  /** Tells the worker what this slot is doing (shown by GET /v1/workers). */
  annotate?: (info: Record<string, unknown>) => void;
}

export type RunOutcome = 'skipped' | 'succeeded' | 'failed' | 'requeued' | 'lost';

/** The trainer's output folder, relative to the job folder. */
const OUT = 'out';

/** How often a running job checks whether it was cancelled. */
const WATCH_MS = 1000;

/**
 * Runs one training job in one slot: claims it, writes its data and spec into its folder, runs the
 * trainer, streams progress into the job record and registers the model version. The folder is local
 * scratch: every resumable checkpoint also goes to the blob store, so the next claim of the job, on this
 * worker or any other, resumes where this one stopped.
 */
export class TrainingRunner {
  constructor(
    private readonly training: TrainingJobs,
    private readonly modelVersions: ModelVersionService,
    private readonly data: TrainingDataWriter,
    private readonly pythonEnv: PythonEnv,
    private readonly blobs: BlobStore,
    private readonly config: { dataDir: string; trainer: TrainerConfig },
    private readonly checkpoints: TrainingCheckpoints,
  ) {}

  jobDir(id: number): string {
    return path.join(this.config.dataDir, 'jobs', String(id));
  }

  /**
   * Removes the folders of jobs that have ended (or are gone): a worker killed mid-job leaves its folder,
   * and the job finishes elsewhere. Folders of queued and running jobs stay: they may resume here, and
   * another process may share this data folder.
   */
  async sweepScratch(): Promise<number[]> {
    const names = await fs.readdir(path.join(this.config.dataDir, 'jobs')).catch(() => [] as string[]);
    const removed: number[] = [];
    for (const id of names.map(Number).filter((n) => Number.isSafeInteger(n) && n > 0)) {
      const status = await this.training.statusOf(id);
      if (status === 'queued' || status === 'running') continue;
      await fs.rm(this.jobDir(id), { recursive: true, force: true });
      removed.push(id);
    }
    return removed;
  }

  async run(trainingJobId: number, slot: TrainingSlot): Promise<RunOutcome> {
    const claim = await this.training.claim(trainingJobId, slot.workerId, slot.staleAfterMs);
    if (!claim) return 'skipped';
    slot.annotate?.({ trainingJobId, attempt: claim.job.attempt });
    slot.log(`training job ${trainingJobId}: attempt ${claim.job.attempt} on ${slot.device}`);
    await this.training.started(claim, slot.workerId, slot.device);
    const state = new RunState(this.training, claim, slot, this.config.trainer.progressWriteMs);
    state.uploads = new CheckpointUploads(this.checkpoints, claim, slot.log);
    try {
      await state.write({ ...state.progress, phase: 'preparing' });
      const specPath = await this.prepare(claim, slot);
      if (state.stopReason()) return this.settle(state);
      const trainer = this.start(claim, slot, specPath, state);
      state.attach(trainer);
      slot.annotate?.({ trainerPid: trainer.pid });
      await this.training.recordTrainerPid(claim, trainer.pid);
      const result = await trainer.result;
      await state.flush();
      return await this.finish(claim, result, state);
    } catch (err) {
      if (state.stopReason() || err instanceof JobLostError) return this.settle(state);
      slot.log(`training job ${trainingJobId} failed: ${(err as Error).stack ?? err}`);
      await this.training.fail(
        claim,
        { code: errorCode(err), message: (err as Error).message },
        state.progress,
      );
      await this.cleanUp(trainingJobId, state);
      return 'failed';
    } finally {
      state.detach();
      await state.settled();
    }
  }

  /** The folder's path for the trainer, relative to the job folder (its working directory). */
  private relative(dir: string, file: string): string {
    return path.relative(dir, file) || '.';
  }

  /** The venv, the COCO files and spec.json in the job folder. */
  private async prepare(claim: ClaimedJob, slot: TrainingSlot): Promise<string> {
    if (this.config.trainer.autoSetup) await this.pythonEnv.ensure((line) => slot.log(`setup: ${line}`));
    const dir = this.jobDir(claim.job.id);
    const data = await this.data.write(claim.snapshot, path.join(dir, 'data'));
    if (await this.checkpoints.restore(claim.job, path.join(dir, OUT, 'checkpoints', 'last.pt')))
      slot.log(`training job ${claim.job.id}: resuming from the checkpoint in the blob store`);
    const spec = await this.buildSpec(claim, data, dir, slot);
    assertValidSpec(spec);
    const specPath = path.join(dir, 'spec.json');
    await fs.writeFile(`${specPath}.tmp`, `${JSON.stringify(spec, null, 2)}\n`);
    await fs.rename(`${specPath}.tmp`, specPath);
    return specPath;
  }

  /**
   * Everything the trainer fingerprints (data paths, output folder, hyper-parameters, weights, seed) is
   * the same on every attempt, on every worker: paths are relative to the job folder, whatever folder a
   * worker keeps its jobs in. Only the device may change, so a job can resume on another slot or machine.
   */
  private async buildSpec(
    claim: ClaimedJob,
    data: TrainingData,
    dir: string,
    slot: TrainingSlot,
  ): Promise<TrainJobSpec> {
    const { job, snapshot } = claim;
    const t = this.config.trainer;
    const cpuThreads = t.threads ?? Math.max(1, Math.floor(os.availableParallelism() / slot.cpuSlots));
    return {
      jobId: `training-job-${job.id}`,
      preset: job.preset,
      weights: await this.weights(claim, dir),
      categories: snapshot.categories,
      data: { train: { coco: this.relative(dir, data.train) }, val: { coco: this.relative(dir, data.val) } },
      outputDir: OUT,
      hyper: job.hyper,
      seed: job.seed,
      device: slot.device === 'cpu' ? { type: 'cpu', threads: cpuThreads } : { type: 'cuda' },
      checkpointEvery: t.checkpointEvery,
      progressEvery: t.progressEvery,
      resume: 'auto',
    };
  }

  private async weights(claim: ClaimedJob, dir: string): Promise<TrainJobSpec['weights']> {
    const { job } = claim;
    if (job.weights === 'none' || job.weights === 'coco') return job.weights;
    // The trainer checks the file against its provenance (hash, preset, layout) before loading it.
    if (job.weights === 'base') return this.baseWeights(job.preset, dir);
    if (job.parentModelVersionId === null)
      throw new Error('the model version to warm-start from was deleted');
    const parent = await this.modelVersions.find(job.projectId, job.parentModelVersionId);
    // Linked into the job folder under a fixed name: where the blob is cached differs between workers.
    const link = path.join(dir, 'parent.pt');
    await fs.rm(link, { force: true });
    await linkFile(await this.modelVersions.checkpointPath(parent), link);
    return { checkpoint: 'parent.pt' };
  }

  /**
   * The preset's base model and its provenance, linked into the job folder: the spec then names them the
   * same way on every worker, wherever the trainer is installed. Missing: the absolute path, so the trainer
   * says what is wrong (run `vlm-loop pretrain`).
   */
  private async baseWeights(preset: string, dir: string): Promise<TrainJobSpec['weights']> {
    const base = baseWeightsPath(this.config.trainer.dir, preset);
    const provenance = base.replace(/\.pt$/, '.json');
    const present = await Promise.all(
      [base, provenance].map((f) =>
        fs.access(f).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (!present.every(Boolean)) return { base };
    await linkFile(base, path.join(dir, path.basename(base)));
    await linkFile(provenance, path.join(dir, path.basename(provenance)));
    return { base: path.basename(base) };
  }

  private start(claim: ClaimedJob, slot: TrainingSlot, specPath: string, state: RunState): TrainerProcess {
    const gpu = slot.device.startsWith('cuda:') ? slot.device.slice('cuda:'.length) : '';
    return startTrainer({
      python: this.config.trainer.python,
      specPath,
      cwd: path.dirname(specPath),
      // An empty CUDA_VISIBLE_DEVICES hides every GPU from a CPU slot.
      env: { CUDA_VISIBLE_DEVICES: gpu },
      onEvent: (event) => {
        if (event.type === 'checkpoint' && event.reason !== 'best') state.uploads?.push(event.path);
        return state.onEvent(event);
      },
      onLog: (line) => slot.log(`trainer ${claim.job.id}: ${line}`),
    });
  }

  private async finish(claim: ClaimedJob, result: TrainerResult, state: RunState): Promise<RunOutcome> {
    if (state.stopReason()) return this.settle(state);
    if (result.done && result.exitCode === 0 && !result.failure) {
      await this.register(claim, result, state.progress);
      // Everything the job made now lives in the blob store and the model version.
      await this.cleanUp(claim.job.id, state);
      return 'succeeded';
    }
    // Stopped by a signal from outside after writing a checkpoint: another attempt resumes from it.
    if (result.error?.code === 'interrupted') return this.settle(state, true);
    const error = result.failure
      ? { code: 'protocol_error', message: result.failure }
      : result.error
        ? { code: result.error.code, message: result.error.message }
        : {
            code: 'trainer_exited',
            message: `the trainer ended (exit ${result.exitCode ?? result.signal}) without a result:\n${result.stderrTail}`,
          };
    await this.training.fail(claim, error, state.progress);
    await this.cleanUp(claim.job.id, state);
    return 'failed';
  }

  /** The job ended: its checkpoint in the store and its scratch folder are no use any more. */
  private async cleanUp(jobId: number, state: RunState): Promise<void> {
    await state.uploads?.settled();
    await this.checkpoints.discard(jobId);
    await fs.rm(this.jobDir(jobId), { recursive: true, force: true });
  }

  /** Stores the ONNX model and the best checkpoint as blobs, then records the version with the job's success. */
  private async register(
    claim: ClaimedJob,
    result: TrainerResult,
    progress: TrainingProgress,
  ): Promise<void> {
    const done = result.done!;
    if (!done.paths.onnx || !done.paths.metadata) throw new Error('the trainer exported no ONNX model');
    const onnx = await this.blobs.put(createReadStream(done.paths.onnx));
    const checkpoint = await this.blobs.put(createReadStream(done.paths.bestCheckpoint));
    const metadata = JSON.parse(await fs.readFile(done.paths.metadata, 'utf8')) as Record<string, unknown>;
    const training = (metadata.training ?? {}) as { hyper?: Record<string, unknown> };
    await this.training.succeed(
      claim,
      {
        hyper: training.hyper ?? claim.job.hyper,
        metrics: done.metrics,
        trainingSeconds: done.trainingSeconds,
        device: done.device,
        onnxSha256: onnx.sha256,
        onnxBytes: onnx.bytes,
        checkpointSha256: checkpoint.sha256,
        metadata,
      },
      progress,
    );
  }

  /**
   * The run stopped for a reason outside it: hand the job back (worker stopping, trainer interrupted)
   * or leave it alone (cancelled, or taken over by another worker).
   */
  private async settle(state: RunState, interrupted = false): Promise<RunOutcome> {
    const { claim, slot } = state;
    // The last checkpoint must be in the store before another worker may claim the job.
    await state.uploads?.settled();
    if ((interrupted || state.stopReason() === 'shutdown') && (await this.training.requeue(claim))) {
      slot.log(`training job ${claim.job.id}: handed back to the queue`);
      return 'requeued';
    }
    if ((await this.training.statusOf(claim.job.id)) === 'cancelled') await this.cleanUp(claim.job.id, state);
    return 'lost';
  }
}

function errorCode(err: unknown): string {
  if (err instanceof SnapshotChangedError) return 'snapshot_changed';
  if (err instanceof PythonEnvError) return 'environment_unavailable';
  if (err instanceof TrainerContractError) return 'invalid_spec';
  return 'internal';
}

/** One attempt's progress, its throttled writes, and the watch that ends the trainer on cancel or shutdown. */
class RunState {
  progress: TrainingProgress;
  uploads: CheckpointUploads | undefined;
  private trainer: TrainerProcess | undefined;
  private stop: 'shutdown' | 'lost' | undefined;
  private lastWrite = 0;
  private pending: NodeJS.Timeout | undefined;
  private writes: Promise<void> = Promise.resolve();
  private readonly watch: NodeJS.Timeout;
  private readonly onAbort = () => this.halt('shutdown');

  constructor(
    private readonly training: TrainingJobs,
    readonly claim: ClaimedJob,
    readonly slot: TrainingSlot,
    private readonly writeMs: number,
  ) {
    this.progress = claim.job.progress as TrainingProgress;
    if (slot.signal.aborted) this.stop = 'shutdown';
    slot.signal.addEventListener('abort', this.onAbort);
    this.watch = setInterval(() => void this.checkHeld(), WATCH_MS);
  }

  stopReason(): 'shutdown' | 'lost' | undefined {
    return this.stop;
  }

  attach(trainer: TrainerProcess): void {
    this.trainer = trainer;
    if (this.stop) trainer.stop(this.stop === 'lost' ? 'kill' : 'graceful');
  }

  detach(): void {
    clearInterval(this.watch);
    clearTimeout(this.pending);
    this.slot.signal.removeEventListener('abort', this.onAbort);
  }

  /** Resolves when every progress write has ended. */
  settled(): Promise<void> {
    return this.writes;
  }

  async onEvent(event: ProgressEvent): Promise<void> {
    const next = applyEvent(this.progress, event, {
      attempt: this.claim.job.attempt,
      workerId: this.slot.workerId,
    });
    this.progress = next.progress;
    if (next.urgent || Date.now() - this.lastWrite >= this.writeMs) return this.flush();
    this.pending ??= setTimeout(() => void this.flush(), this.writeMs);
  }

  flush(): Promise<void> {
    clearTimeout(this.pending);
    this.pending = undefined;
    return this.write(this.progress);
  }

  /** Writes one after another, each the latest progress, so a slow write never lands after a newer one. */
  write(progress: TrainingProgress): Promise<void> {
    this.progress = progress;
    this.lastWrite = Date.now();
    this.writes = this.writes.then(async () => {
      if (this.stop === 'lost') return;
      try {
        if (!(await this.training.writeProgress(this.claim, this.progress))) this.halt('lost');
      } catch (err) {
        // Progress is best effort: a database hiccup must not end a training run.
        this.slot.log(`training job ${this.claim.job.id}: progress not saved: ${(err as Error).message}`);
      }
    });
    return this.writes;
  }

  private async checkHeld(): Promise<void> {
    if (this.stop) return;
    const held = await this.training.stillHeld(this.claim).catch(() => true);
    if (!held) this.halt('lost');
  }

  private halt(reason: 'shutdown' | 'lost'): void {
    this.stop ??= reason;
    this.trainer?.stop(reason === 'lost' ? 'kill' : 'graceful');
  }
}

/** The preset's base model (`vlm-loop pretrain`), shipped beside the trainer with its provenance JSON. */
export function baseWeightsPath(trainerDir: string, preset: string): string {
  return path.join(trainerDir, 'base', `${preset}-base.pt`);
}
