import type { BlobStore } from './blob/blob-store.ts';
import { configuredBlobStore } from './blob/open-blob-store.ts';
import { startStagedSweep } from './blob/staged-sweep.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { AuthService } from './domains/auth/auth.service.ts';
import { CocoService } from './domains/datasets/coco.service.ts';
import { ImageService } from './domains/datasets/image.service.ts';
import { LabelService } from './domains/datasets/label.service.ts';
import { UrlImportService } from './domains/datasets/url-import.service.ts';
import { EvaluationService } from './domains/evaluations/evaluation.service.ts';
import { ExportService } from './domains/exports/export.service.ts';
import { ToolExportService } from './domains/exports/tool-exports.service.ts';
import { CvatService } from './domains/integrations/cvat.service.ts';
import { LabelStudioService } from './domains/integrations/label-studio.service.ts';
import { ModelUploadService } from './domains/models/model-upload.service.ts';
import { ModelVersionService } from './domains/models/model-version.service.ts';
import { PredictService } from './domains/models/predict.service.ts';
import { PassService } from './domains/passes/pass.service.ts';
import { PassCompletion } from './domains/passes/pass-outcome.ts';
import { PassReviewService } from './domains/passes/pass-review.service.ts';
import { PassRunner } from './domains/passes/pass-runner.ts';
import { ProjectService } from './domains/projects/project.service.ts';
import { RunService } from './domains/runs/run.service.ts';
import { RunSteps } from './domains/runs/run-steps.ts';
import { PythonEnv } from './domains/training/python-env.ts';
import { TrainingService } from './domains/training/training.service.ts';
import { TrainingCheckpoints } from './domains/training/training-checkpoints.ts';
import { TrainingDataWriter } from './domains/training/training-data.ts';
import { TrainingJobs } from './domains/training/training-jobs.ts';
import { TrainingRunner } from './domains/training/training-runner.ts';
import { WebhookService } from './domains/webhooks/webhook.service.ts';
import { WebhookDeliveryService } from './domains/webhooks/webhook-delivery.service.ts';
import { WorkerRegistryService } from './domains/workers/worker-registry.service.ts';
import type { EventBus } from './events/event-bus.ts';
import { PgEventBus } from './events/pg-event-bus.ts';
import { ModelCache } from './inference/mask-rcnn.ts';
import { Queue } from './queue/queue.ts';

/** Everything a process needs, built once: the composition root shared by serve, worker and tests. */
export interface AppContext {
  config: Config;
  database: Database;
  blobs: BlobStore;
  queue: Queue;
  /** Domain events: publish from services; subscribers get events of every process. */
  events: EventBus;
  pythonEnv: PythonEnv;
  services: {
    auth: AuthService;
    projects: ProjectService;
    images: ImageService;
    labels: LabelService;
    coco: CocoService;
    modelVersions: ModelVersionService;
    training: TrainingService;
    /** The worker's side of training jobs: claims, progress, their end, orphans taken over. */
    trainingJobs: TrainingJobs;
    trainingRunner: TrainingRunner;
    workers: WorkerRegistryService;
    webhooks: WebhookService;
    webhookDeliveries: WebhookDeliveryService;
    modelUploads: ModelUploadService;
    passes: PassService;
    passReviews: PassReviewService;
    passRunner: PassRunner;
    evaluations: EvaluationService;
    exports: ExportService;
    runs: RunService;
    runSteps: RunSteps;
    urlImports: UrlImportService;
    toolExports: ToolExportService;
    cvat: CvatService;
    /** Synchronous predict in the API process. */
    predict: PredictService;
    /** The Label Studio ML backend and its settings. */
    labelStudio: LabelStudioService;
  };
  close(): Promise<void>;
}

export async function createContext(
  config: Config,
  log: (line: string) => void = () => {},
): Promise<AppContext> {
  const database = await openDatabase(config, log);
  const blobs = await configuredBlobStore(config);
  const { db } = database;
  const projects = new ProjectService(db);
  const events = new PgEventBus(db, database.pool, { url: database.url, log });
  const images = new ImageService(db, blobs, projects, config.upload, events);
  let queue: Queue;
  try {
    queue = await Queue.start(database.url, { log });
  } catch (err) {
    await database.close();
    throw err;
  }
  const pythonEnv = new PythonEnv({
    trainerDir: config.trainer.dir,
    python: config.trainer.python,
    basePython: config.pythonBin,
  });
  const coco = new CocoService(db, projects, images);
  const modelVersions = new ModelVersionService(db, blobs, projects, events);
  const evaluationModels = new ModelCache({ provider: config.inference.provider, log });
  const training = new TrainingService(db, database.pool, queue, projects, modelVersions);
  const trainingJobs = new TrainingJobs(db, database.pool, queue, events);
  const { webhooks, webhookDeliveries } = integrations(config, database, queue, projects, events);
  const services = {
    auth: new AuthService(db),
    projects,
    images,
    labels: new LabelService(db, projects),
    coco,
    modelVersions,
    training,
    trainingJobs,
    trainingRunner: new TrainingRunner(
      trainingJobs,
      modelVersions,
      new TrainingDataWriter(db, blobs),
      pythonEnv,
      blobs,
      config,
      new TrainingCheckpoints(db, blobs),
    ),
    workers: new WorkerRegistryService(db),
    webhooks,
    webhookDeliveries,
    modelUploads: new ModelUploadService(db, blobs, projects),
    ...passServices(config, database, queue, blobs, projects, events, log),
    evaluations: new EvaluationService(db, blobs, queue, projects, evaluationModels),
    exports: new ExportService(db, blobs, queue, projects, coco, events),
    urlImports: new UrlImportService(db, projects, images, config.upload.maxFileBytes),
    toolExports: new ToolExportService(db, projects),
    predict: new PredictService(db, blobs, modelVersions, {
      upload: config.upload,
      vlm: config.vlm,
      allowPrivateUrls: config.allowPrivateWebhookTargets,
      fetchTimeoutMs: config.webhooks.timeoutMs,
      threads: 2,
    }),
  };
  const runSteps = new RunSteps(
    db,
    database.pool,
    queue,
    events,
    training,
    services.passes,
    services.evaluations,
  );
  const cvat = new CvatService(db, queue, projects, services.urlImports, coco, training);
  const labelStudio = new LabelStudioService(db, projects, images, services.predict, training, {
    allowPrivateUrls: config.allowPrivateWebhookTargets,
    timeoutMs: config.webhooks.timeoutMs,
    maxImageBytes: config.upload.maxFileBytes,
  });
  const runs = new RunService(db, database.pool, projects, events, runSteps, config.vlm);
  const stopSweep = await startStagedSweep(blobs, config.blobTmp, log);
  const close = async () => {
    stopSweep();
    await services.passRunner.close().catch(() => {});
    await services.predict.close().catch(() => {});
    await evaluationModels.clear().catch(() => {});
    await events.close().catch(() => {});
    await queue.stop().catch(() => {});
    await database.close();
  };
  return {
    config,
    database,
    blobs,
    queue,
    events,
    pythonEnv,
    services: { ...services, runs, runSteps, cvat, labelStudio },
    close,
  };
}

/** Predict-and-judge passes: the API side, the review queue, and the worker side with its model sessions. */
function passServices(
  config: Config,
  database: Database,
  queue: Queue,
  blobs: BlobStore,
  projects: ProjectService,
  events: EventBus,
  log: (line: string) => void,
) {
  const { db, pool } = database;
  const completion = new PassCompletion(pool, events);
  const passes = new PassService(db, pool, queue, blobs, projects, config.vlm);
  return {
    passes,
    passReviews: new PassReviewService(db, passes, completion, events),
    passRunner: new PassRunner(
      db,
      pool,
      queue,
      blobs,
      completion,
      events,
      config.vlm,
      new ModelCache({ provider: config.inference.provider, log }),
    ),
  };
}

/** Webhooks: endpoints whose fan-out runs in every stored event's transaction, and the delivery attempts. */
function integrations(
  config: Config,
  database: Database,
  queue: Queue,
  projects: ProjectService,
  events: PgEventBus,
) {
  const allowPrivateTargets = config.allowPrivateWebhookTargets;
  const webhooks = new WebhookService(database.db, database.pool, queue, projects, {
    allowPrivateTargets,
    secretOverlapMs: config.webhooks.secretOverlapMs,
  });
  events.addSink(webhooks.fanOut);
  const webhookDeliveries = new WebhookDeliveryService(database.db, database.pool, queue, events, {
    ...config.webhooks,
    allowPrivateTargets,
  });
  return { webhooks, webhookDeliveries };
}
