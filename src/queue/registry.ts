/**
 * Every job name the system knows, with its payload type and queue settings: the one place to add a job.
 * Payloads carry ids only; the records they point to live in our own tables, so a retried or duplicated
 * message is harmless (the handler re-reads the record and decides whether there is anything to do).
 *
 * A worker refuses to start unless it has a handler for every name declared here.
 */
export interface JobPayloads {
  'train.run': { trainingJobId: number };
  /** One attempt at one webhook delivery; the delivery row decides whether and when to send. */
  'webhook.deliver': { deliveryId: number };
  /** Predict a batch of a pass's images; the pass's worklist (pass_images) decides which. */
  'pass.predict': { passId: number };
  /** Judge a batch of a pass's predicted images. */
  'pass.judge': { passId: number };
  /** Predict a split with a model version and evaluate it; the evaluation row decides. */
  'evaluation.run': { evaluationId: number };
  /** Write a COCO export to the blob store; the export row decides. */
  'export.coco': { exportId: number };
  /** One idempotent step of an active-learning run; the run's rows decide what it is. */
  'run.step': { runId: number };
  /** Pull a completed CVAT job's annotations (and start training); the cvat_imports row decides. */
  'cvat.import': { importId: number };
}

export type JobName = keyof JobPayloads;
export type JobPayload<N extends JobName> = JobPayloads[N];

export interface JobDefinition {
  /** Needs a worker slot and its device (GPU or the CPU); other jobs run beside the slots. */
  device: boolean;
  /** Jobs of a non-device queue one worker runs at once. */
  concurrency?: number;
  retryLimit: number;
  retryDelaySeconds: number;
  /** pg-boss fails an active job after this; our heartbeat re-queues a dead worker's job much sooner. */
  expireInSeconds: number;
}

export const JOBS: { readonly [N in JobName]: JobDefinition } = {
  'train.run': {
    device: true,
    retryLimit: 3,
    retryDelaySeconds: 10,
    // pg-boss caps expiry below 24 h; training past it is still safe because the job record decides.
    expireInSeconds: 23 * 3600,
  },
  'webhook.deliver': {
    device: false,
    // Deliveries wait on the network, not on a device: several at once per worker.
    concurrency: 8,
    // Retries of the HTTP call are scheduled by the delivery itself; these only cover a crashed handler,
    // after the attempt's lock (timeout + 15 s) has run out.
    retryLimit: 5,
    retryDelaySeconds: 60,
    expireInSeconds: 300,
  },
  // Pass jobs claim their images in pass_images; a message lost or repeated changes nothing, and a
  // dead worker's claims are taken over by the next job (every worker's pass.predict recover() sends one).
  'pass.predict': {
    device: false,
    // One onnxruntime session run at a time per worker: inference is CPU-bound (2 threads each).
    concurrency: 1,
    retryLimit: 3,
    retryDelaySeconds: 10,
    expireInSeconds: 3600,
  },
  'pass.judge': {
    device: false,
    // A VLM judge waits on the network; each job also judges a few images at once.
    concurrency: 4,
    retryLimit: 3,
    retryDelaySeconds: 10,
    expireInSeconds: 3600,
  },
  'export.coco': {
    device: false,
    // Streaming from Postgres to a file: cheap, but one at a time keeps memory flat.
    concurrency: 1,
    retryLimit: 3,
    retryDelaySeconds: 10,
    expireInSeconds: 3600,
  },
  'evaluation.run': {
    device: false,
    // Inference on a split is CPU-bound like a pass's predictions.
    concurrency: 1,
    retryLimit: 2,
    retryDelaySeconds: 10,
    expireInSeconds: 3600,
  },
  // A step is a few short transactions; a message lost with a dead worker is re-sent by run.step's recover().
  'run.step': {
    device: false,
    concurrency: 2,
    retryLimit: 5,
    retryDelaySeconds: 5,
    expireInSeconds: 120,
  },
  // Waits on CVAT's export (minutes at most), then one COCO import transaction.
  'cvat.import': {
    device: false,
    concurrency: 1,
    retryLimit: 2,
    retryDelaySeconds: 30,
    expireInSeconds: 1800,
  },
};

export const JOB_NAMES = Object.keys(JOBS) as JobName[];

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}
