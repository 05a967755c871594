import type pg from 'pg';
import { type ClientTransaction, withClientTransaction } from '../../db/client-transaction.ts';
import type { Db } from '../../db/database.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from '../../db/pagination.ts';
import type { WebhookSecret } from '../../db/schema/index.ts';
import { AppError, conflict, notFound, validationError } from '../../errors/problem.ts';
import { type EventRow, insertEvent } from '../../events/event.repository.ts';
import type { DomainEvent } from '../../events/event-bus.ts';
import { WEBHOOK_EVENT_TYPES } from '../../events/registry.ts';
import { checkTarget, TargetRefusedError } from '../../net/ssrf-guard.ts';
import type { Queue } from '../../queue/queue.ts';
import type { ProjectService } from '../projects/project.service.ts';
import type { DeliveryStatus, DeliveryView, WebhookEndpointRow } from './webhook.repository.ts';
import * as repo from './webhook.repository.ts';
import { newSecret, SECRET_PREFIX } from './webhook-signing.ts';

export interface WebhookEndpoint {
  id: number;
  projectId: number;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  disabledAt: Date | null;
  disabledReason: string | null;
  consecutiveFailures: number;
  failingSince: Date | null;
  /** Secrets that still sign, newest first, shown only by a hint: the secret itself is shown once. */
  secrets: { hint: string; createdAt: string; expiresAt: string | null }[];
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookInput {
  url: string;
  eventTypes: string[];
  description?: string | null;
  enabled?: boolean;
}

export interface WebhookDelivery {
  id: number;
  webhookId: number;
  eventId: number;
  eventType: string;
  redeliveryOf: number | null;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due; null once the delivery succeeded or failed for good. */
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  responseExcerpt: string | null;
  lastDurationMs: number | null;
  deliveredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a receiver gets: the body of every webhook request. */
export interface WebhookEnvelope {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface WebhookServiceOptions {
  allowPrivateTargets: boolean;
  secretOverlapMs: number;
}

/** Webhook endpoints of a project, their delivery log, and the fan-out of events into deliveries. */
export class WebhookService {
  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly queue: Queue,
    private readonly projects: ProjectService,
    private readonly options: WebhookServiceOptions,
  ) {}

  /** Creates an endpoint; the returned secret is never shown again. */
  async create(
    projectId: number,
    input: WebhookInput,
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    await this.projects.get(projectId);
    const url = await this.checkUrl(input.url);
    const secret = newSecret();
    const row = await repo.insertEndpoint(this.db, {
      projectId,
      url,
      description: input.description ?? null,
      eventTypes: checkEventTypes(input.eventTypes),
      secrets: [{ secret, createdAt: new Date().toISOString(), expiresAt: null }],
      enabled: input.enabled ?? true,
    });
    return { endpoint: toEndpoint(row), secret };
  }

  async list(projectId: number, page: PageRequest): Promise<Page<WebhookEndpoint>> {
    await this.projects.get(projectId);
    const limit = pageLimit(page.limit);
    const rows = await repo.listEndpoints(this.db, projectId, {
      afterId: decodeCursor(page.cursor),
      limit: limit + 1,
    });
    const result = toPage(rows, limit);
    return { nextCursor: result.nextCursor, data: result.data.map(toEndpoint) };
  }

  async get(projectId: number, id: number): Promise<WebhookEndpoint> {
    return toEndpoint(await this.find(projectId, id));
  }

  /** Enabling a disabled endpoint clears its failure streak, so it gets a fresh start. */
  async update(projectId: number, id: number, input: Partial<WebhookInput>): Promise<WebhookEndpoint> {
    const current = await this.find(projectId, id);
    const enabling = input.enabled === true && !current.enabled;
    const row = await repo.updateEndpoint(this.db, projectId, id, {
      ...(input.url !== undefined && { url: await this.checkUrl(input.url) }),
      ...(input.eventTypes !== undefined && { eventTypes: checkEventTypes(input.eventTypes) }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.enabled !== undefined && { enabled: input.enabled }),
      ...(input.enabled === false &&
        current.enabled && { disabledAt: new Date(), disabledReason: 'disabled by a user' }),
      ...(enabling && { disabledAt: null, disabledReason: null, consecutiveFailures: 0, failingSince: null }),
    });
    if (!row) throw notFound('webhook', id);
    return toEndpoint(row);
  }

  async delete(projectId: number, id: number): Promise<void> {
    if (!(await repo.deleteEndpoint(this.db, projectId, id))) throw notFound('webhook', id);
  }

  /**
   * Makes a new secret the current one. The old ones keep signing for `overlapMs` (every request
   * carries one signature per secret), so receivers can switch to the new secret without a gap.
   */
  async rotateSecret(
    projectId: number,
    id: number,
    overlapMs = this.options.secretOverlapMs,
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const current = await this.find(projectId, id);
    const now = Date.now();
    const until = new Date(now + overlapMs).toISOString();
    const kept: WebhookSecret[] = current.secrets
      .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now)
      .filter(() => overlapMs > 0)
      .map((s) => ({ ...s, expiresAt: s.expiresAt !== null && s.expiresAt < until ? s.expiresAt : until }));
    const secret = newSecret();
    const row = await repo.updateEndpoint(this.db, projectId, id, {
      secrets: [{ secret, createdAt: new Date(now).toISOString(), expiresAt: null }, ...kept],
    });
    if (!row) throw notFound('webhook', id);
    return { endpoint: toEndpoint(row), secret };
  }

  /** Sends a `webhook.ping` event to this endpoint alone. */
  async ping(projectId: number, id: number): Promise<WebhookDelivery> {
    const endpoint = await this.findEnabled(projectId, id);
    return withClientTransaction(this.pool, async (tx) => {
      const event = await insertEvent(tx.db, {
        projectId,
        type: 'webhook.ping',
        payload: { projectId, webhookId: endpoint.id },
      });
      const [delivery] = await this.enqueue(tx, [{ projectId, endpointId: endpoint.id, eventId: event.id }]);
      return toDelivery({ ...delivery, eventType: event.type });
    });
  }

  async listDeliveries(
    projectId: number,
    webhookId: number,
    filter: { status?: DeliveryStatus; eventId?: number },
    page: PageRequest,
  ): Promise<Page<WebhookDelivery>> {
    await this.find(projectId, webhookId);
    const limit = pageLimit(page.limit);
    const rows = await repo.listDeliveries(this.db, projectId, webhookId, filter, {
      afterId: decodeCursor(page.cursor),
      limit: limit + 1,
    });
    const result = toPage(rows, limit);
    return { nextCursor: result.nextCursor, data: result.data.map(toDelivery) };
  }

  /** One delivery with the body it sends. */
  async getDelivery(
    projectId: number,
    webhookId: number,
    id: number,
  ): Promise<WebhookDelivery & { payload: WebhookEnvelope }> {
    const found = await repo.findDelivery(this.db, projectId, webhookId, id);
    if (!found) throw notFound('delivery', id);
    return {
      ...toDelivery({ ...found.delivery, eventType: found.event.type }),
      payload: envelope(found.event),
    };
  }

  /** Sends the delivery's event again as a new delivery (same webhook-id, so receivers can deduplicate). */
  async redeliver(projectId: number, webhookId: number, id: number): Promise<WebhookDelivery> {
    await this.findEnabled(projectId, webhookId);
    const found = await repo.findDelivery(this.db, projectId, webhookId, id);
    if (!found) throw notFound('delivery', id);
    return withClientTransaction(this.pool, async (tx) => {
      const [delivery] = await this.enqueue(tx, [
        { projectId, endpointId: webhookId, eventId: found.event.id, redeliveryOf: found.delivery.id },
      ]);
      return toDelivery({ ...delivery, eventType: found.event.type });
    });
  }

  /** The event bus's sink: one delivery (and its job) per endpoint that wants the event, in the event's transaction. */
  readonly fanOut = async (tx: ClientTransaction, event: DomainEvent): Promise<void> => {
    if (event.id === null) return;
    const eventId = event.id;
    const endpoints = await repo.subscribedEndpoints(tx.db, event.projectId, event.type);
    await this.enqueue(
      tx,
      endpoints.map((e) => ({ projectId: event.projectId, endpointId: e.id, eventId })),
    );
  };

  private async enqueue(
    tx: ClientTransaction,
    rows: { projectId: number; endpointId: number; eventId: number; redeliveryOf?: number }[],
  ) {
    const deliveries = await repo.insertDeliveries(tx.db, rows);
    for (const d of deliveries)
      await this.queue.send('webhook.deliver', { deliveryId: d.id }, { tx: tx.client });
    return deliveries;
  }

  private async find(projectId: number, id: number): Promise<WebhookEndpointRow> {
    await this.projects.get(projectId);
    const row = await repo.findEndpoint(this.db, projectId, id);
    if (!row) throw notFound('webhook', id);
    return row;
  }

  private async findEnabled(projectId: number, id: number): Promise<WebhookEndpointRow> {
    const row = await this.find(projectId, id);
    if (!row.enabled) throw conflict(`webhook ${id} is disabled; enable it (PATCH enabled: true) first`);
    return row;
  }

  private async checkUrl(url: string): Promise<string> {
    try {
      return (await checkTarget(url, this.options.allowPrivateTargets)).toString();
    } catch (err) {
      if (err instanceof TargetRefusedError) throw validationError('url', err.message);
      throw err;
    }
  }
}

/** The body of every webhook request: `{ type, timestamp, data }`, data being the event's payload. */
export function envelope(event: Pick<EventRow, 'type' | 'payload' | 'createdAt'>): WebhookEnvelope {
  return { type: event.type, timestamp: event.createdAt.toISOString(), data: event.payload };
}

function checkEventTypes(types: string[]): string[] {
  const known = new Set<string>(WEBHOOK_EVENT_TYPES);
  const invalid = types.flatMap((t, i) =>
    known.has(t)
      ? []
      : [
          {
            name: `eventTypes[${i}]`,
            reason: `"${t}" is not an event type; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
          },
        ],
  );
  if (invalid.length > 0) throw new AppError('validation', 'unknown event types', invalid);
  if (types.length === 0) throw validationError('eventTypes', 'name at least one event type');
  return [...new Set(types)];
}

function toEndpoint(row: WebhookEndpointRow): WebhookEndpoint {
  const { secrets, ...rest } = row;
  const now = Date.now();
  return {
    ...rest,
    secrets: secrets
      .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now)
      .map((s) => ({
        hint: `${s.secret.slice(0, SECRET_PREFIX.length + 4)}…`,
        createdAt: s.createdAt,
        expiresAt: s.expiresAt,
      })),
  };
}

function toDelivery(row: DeliveryView): WebhookDelivery {
  const { endpointId, projectId: _p, lockedUntil: _l, ...rest } = row;
  return {
    ...rest,
    webhookId: endpointId,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
  };
}
