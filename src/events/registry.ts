/**
 * Every domain event the system publishes, with its payload type: the one place to add an event, as
 * src/queue/registry.ts is for jobs. Names are `resource.action`.
 *
 * How to publish (from a service, never from a route or resolver):
 *
 *   constructor(..., private readonly events: EventBus) {}
 *   // after your transaction committed:
 *   await this.events.publish('training.completed', { projectId, trainingJobId, ... });
 *   // or inside it, so the event exists only if your rows commit (a ClientTransaction from
 *   // withClientTransaction; webhook deliveries and their queue jobs join the same transaction):
 *   await this.events.publish('pass.completed', payload, { tx });
 *
 * - A stored event is written to `events`, fanned out to the project's webhook endpoints that want its
 *   type, and sent to every API process (Postgres NOTIFY) for GraphQL subscriptions.
 * - A transient event (progress) is only sent to API processes: no row, no webhook. Publish it as often
 *   as progress is written (it is throttled where the record is), never in a tight loop.
 * - Payloads carry the ids of every parent (projectId always, and e.g. passId, modelVersionId) and enough
 *   to act on without a second call; keep them well under 8 kB (larger ones are sent by reference).
 * - Publishing is part of the operation: a failed publish outside a transaction is logged by the caller
 *   and does not undo what already committed.
 *
 * Payload shapes of features not built yet (passes, runs, exports) are proposals: whoever builds the
 * feature may refine them before the first publish; after that, only add fields.
 */
export interface EventPayloads {
  /** Images were added to a project by an upload (only when at least one image is new). */
  'images.uploaded': {
    projectId: number;
    /** The new images, in request order. */
    imageIds: number[];
    created: number;
    /** Files whose bytes were already stored. */
    existing: number;
    split: 'train' | 'val' | 'test';
    poolState: 'labeled' | 'unlabeled';
  };
  'pass.progress': {
    projectId: number;
    passId: number;
    done: number;
    total: number;
    approved?: number;
    rejected?: number;
    errors?: number;
  };
  'pass.completed': {
    projectId: number;
    passId: number;
    modelVersionId: number;
    images: number;
    approved: number;
    rejected: number;
    errors: number;
  };
  'pass.failed': { projectId: number; passId: number; error: { code: string; message: string } };
  /** A judge's verdicts for a pass are ready for review or acceptance. */
  'verdicts.ready': {
    projectId: number;
    passId: number;
    imageIds: number[];
    approved: number;
    rejected: number;
  };
  'training.started': {
    projectId: number;
    trainingJobId: number;
    attempt: number;
    workerId: string;
    device: string;
  };
  'training.progress': {
    projectId: number;
    trainingJobId: number;
    phase?: string;
    iteration?: number;
    totalIterations?: number;
    losses?: Record<string, number | null>;
    etaSeconds?: number;
    lastEvaluation?: { iteration: number; metrics: Record<string, number | null> };
  };
  'training.completed': {
    projectId: number;
    trainingJobId: number;
    modelVersionId: number;
    metrics: Record<string, number | null>;
    trainingSeconds: number;
  };
  'training.failed': {
    projectId: number;
    trainingJobId: number;
    error: { code: string; message: string };
  };
  'model.activated': {
    projectId: number;
    modelVersionId: number;
    previousModelVersionId: number | null;
  };
  'run.iteration.completed': {
    projectId: number;
    runId: number;
    iteration: number;
    modelVersionId: number | null;
    passId: number | null;
    labeledImages: number;
    metrics: Record<string, number | null>;
  };
  'run.completed': {
    projectId: number;
    runId: number;
    iterations: number;
    status: 'succeeded' | 'failed' | 'cancelled';
    stopReason: 'iterations' | 'min_approvals' | 'plateau' | 'budget' | 'pool_empty' | 'cancelled' | 'error';
  };
  'export.ready': { projectId: number; exportId: number; format: string; bytes: number };
  'webhook.endpoint.disabled': {
    projectId: number;
    webhookId: number;
    url: string;
    reason: string;
    consecutiveFailures: number;
    failingSince: string | null;
  };
  /** Sent by POST .../webhooks/{id}/ping to that endpoint only. */
  'webhook.ping': { projectId: number; webhookId: number };
}

export type EventType = keyof EventPayloads;
export type EventPayload<T extends EventType> = EventPayloads[T];

export interface EventDefinition {
  /** Not stored and never delivered to webhooks: only live subscribers see it. */
  transient: boolean;
  /** Webhook endpoints may ask for it (ping goes only to the pinged endpoint). */
  subscribable: boolean;
}

const stored: EventDefinition = { transient: false, subscribable: true };
const progress: EventDefinition = { transient: true, subscribable: false };

export const EVENTS: { readonly [T in EventType]: EventDefinition } = {
  'images.uploaded': stored,
  'pass.progress': progress,
  'pass.completed': stored,
  'pass.failed': stored,
  'verdicts.ready': stored,
  'training.started': stored,
  'training.progress': progress,
  'training.completed': stored,
  'training.failed': stored,
  'model.activated': stored,
  'run.iteration.completed': stored,
  'run.completed': stored,
  'export.ready': stored,
  'webhook.endpoint.disabled': stored,
  'webhook.ping': { transient: false, subscribable: false },
};

export const EVENT_TYPES = Object.keys(EVENTS) as EventType[];
/** What a webhook endpoint may subscribe to. */
export const WEBHOOK_EVENT_TYPES = EVENT_TYPES.filter((t) => EVENTS[t].subscribable);

export function isEventType(name: string): name is EventType {
  return Object.hasOwn(EVENTS, name);
}
