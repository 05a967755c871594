import { and, arrayContains, asc, eq, gt, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { events, webhookDeliveries, webhookEndpoints } from '../../db/schema/index.ts';
import type { EventRow } from '../../events/event.repository.ts';

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type NewWebhookEndpoint = Pick<
  typeof webhookEndpoints.$inferInsert,
  'projectId' | 'url' | 'description' | 'eventTypes' | 'secrets' | 'enabled'
>;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type DeliveryStatus = WebhookDeliveryRow['status'];
/** A delivery as listed: with its event's type. */
export type DeliveryView = WebhookDeliveryRow & { eventType: string };

type Page = { afterId: number; limit: number };

// ---- endpoints -----------------------------------------------------------------------------------

export async function insertEndpoint(ex: Executor, values: NewWebhookEndpoint): Promise<WebhookEndpointRow> {
  const [row] = await ex.insert(webhookEndpoints).values(values).returning();
  return row;
}

export function listEndpoints(ex: Executor, projectId: number, page: Page): Promise<WebhookEndpointRow[]> {
  return ex
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.projectId, projectId), gt(webhookEndpoints.id, page.afterId)))
    .orderBy(asc(webhookEndpoints.id))
    .limit(page.limit);
}

export async function findEndpoint(
  ex: Executor,
  projectId: number,
  id: number,
): Promise<WebhookEndpointRow | undefined> {
  const [row] = await ex
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.projectId, projectId), eq(webhookEndpoints.id, id)));
  return row;
}

export async function updateEndpoint(
  ex: Executor,
  projectId: number,
  id: number,
  values: Partial<typeof webhookEndpoints.$inferInsert>,
): Promise<WebhookEndpointRow | undefined> {
  const [row] = await ex
    .update(webhookEndpoints)
    .set({ ...values, updatedAt: new Date() })
    .where(and(eq(webhookEndpoints.projectId, projectId), eq(webhookEndpoints.id, id)))
    .returning();
  return row;
}

export async function deleteEndpoint(ex: Executor, projectId: number, id: number): Promise<boolean> {
  const rows = await ex
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.projectId, projectId), eq(webhookEndpoints.id, id)))
    .returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

/** The project's enabled endpoints that asked for `type`. */
export function subscribedEndpoints(
  ex: Executor,
  projectId: number,
  type: string,
): Promise<WebhookEndpointRow[]> {
  return ex
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.projectId, projectId),
        eq(webhookEndpoints.enabled, true),
        arrayContains(webhookEndpoints.eventTypes, [type]),
      ),
    );
}

/** Resets the failure streak after a success. */
export async function endpointSucceeded(ex: Executor, id: number): Promise<void> {
  await ex
    .update(webhookEndpoints)
    .set({ consecutiveFailures: 0, failingSince: null })
    .where(and(eq(webhookEndpoints.id, id), gt(webhookEndpoints.consecutiveFailures, 0)));
}

/** Counts a failed attempt; returns the streak so the caller can decide to disable. */
export async function endpointFailed(
  ex: Executor,
  id: number,
): Promise<Pick<WebhookEndpointRow, 'consecutiveFailures' | 'failingSince' | 'enabled'>> {
  const [row] = await ex
    .update(webhookEndpoints)
    .set({
      consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
      failingSince: sql`coalesce(${webhookEndpoints.failingSince}, now())`,
    })
    .where(eq(webhookEndpoints.id, id))
    .returning({
      consecutiveFailures: webhookEndpoints.consecutiveFailures,
      failingSince: webhookEndpoints.failingSince,
      enabled: webhookEndpoints.enabled,
    });
  return row;
}

/** Disables an enabled endpoint; undefined when it was disabled already (someone else did it). */
export async function disableEndpoint(
  ex: Executor,
  id: number,
  reason: string,
): Promise<WebhookEndpointRow | undefined> {
  const [row] = await ex
    .update(webhookEndpoints)
    .set({ enabled: false, disabledAt: sql`now()`, disabledReason: reason, updatedAt: sql`now()` })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.enabled, true)))
    .returning();
  return row;
}

// ---- deliveries ----------------------------------------------------------------------------------

export function insertDeliveries(
  ex: Executor,
  rows: { projectId: number; endpointId: number; eventId: number; redeliveryOf?: number | null }[],
): Promise<WebhookDeliveryRow[]> {
  if (rows.length === 0) return Promise.resolve([]);
  return ex.insert(webhookDeliveries).values(rows).returning();
}

export function listDeliveries(
  ex: Executor,
  projectId: number,
  endpointId: number,
  filter: { status?: DeliveryStatus; eventId?: number },
  page: Page,
): Promise<DeliveryView[]> {
  const clauses: SQL[] = [
    eq(webhookDeliveries.projectId, projectId),
    eq(webhookDeliveries.endpointId, endpointId),
    gt(webhookDeliveries.id, page.afterId),
  ];
  if (filter.status) clauses.push(eq(webhookDeliveries.status, filter.status));
  if (filter.eventId) clauses.push(eq(webhookDeliveries.eventId, filter.eventId));
  return ex
    .select({ delivery: webhookDeliveries, eventType: events.type })
    .from(webhookDeliveries)
    .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
    .where(and(...clauses))
    .orderBy(asc(webhookDeliveries.id))
    .limit(page.limit)
    .then((rows) => rows.map((r) => ({ ...r.delivery, eventType: r.eventType })));
}

export async function findDelivery(
  ex: Executor,
  projectId: number,
  endpointId: number,
  id: number,
): Promise<{ delivery: WebhookDeliveryRow; event: EventRow } | undefined> {
  const [row] = await ex
    .select({ delivery: webhookDeliveries, event: events })
    .from(webhookDeliveries)
    .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
    .where(
      and(
        eq(webhookDeliveries.projectId, projectId),
        eq(webhookDeliveries.endpointId, endpointId),
        eq(webhookDeliveries.id, id),
      ),
    );
  return row;
}

export interface ClaimedDelivery {
  delivery: WebhookDeliveryRow;
  endpoint: WebhookEndpointRow;
  event: EventRow;
}

/**
 * Takes a due, pending delivery for one attempt: bumps `attempts` (the fencing token of the attempt)
 * and locks it for `lockMs`. Undefined when it is done, not due, or another worker holds it.
 */
export async function claimDelivery(
  ex: Executor,
  id: number,
  lockMs: number,
): Promise<ClaimedDelivery | undefined> {
  const [delivery] = await ex
    .update(webhookDeliveries)
    .set({
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      lockedUntil: sql`now() + make_interval(secs => ${lockMs / 1000})`,
      lastAttemptAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(webhookDeliveries.id, id),
        eq(webhookDeliveries.status, 'pending'),
        // A job may be fetched a moment before its row's time; a second's slack avoids a needless skip.
        sql`${webhookDeliveries.nextAttemptAt} <= now() + interval '1 second'`,
        sql`(${webhookDeliveries.lockedUntil} is null or ${webhookDeliveries.lockedUntil} < now())`,
      ),
    )
    .returning();
  if (!delivery) return undefined;
  const [rest] = await ex
    .select({ endpoint: webhookEndpoints, event: events })
    .from(webhookEndpoints)
    .innerJoin(events, eq(events.id, delivery.eventId))
    .where(eq(webhookEndpoints.id, delivery.endpointId));
  return rest && { delivery, ...rest };
}

export interface AttemptRecord {
  statusCode: number | null;
  error: string | null;
  excerpt: string;
  durationMs: number;
}

/**
 * Ends an attempt, only while it still holds the delivery (same `attempts`): succeeded or failed for
 * good, or pending again after `retryInMs`. False when the attempt no longer held it.
 */
export async function finishAttempt(
  ex: Executor,
  id: number,
  attempt: number,
  record: AttemptRecord,
  outcome: { status: 'succeeded' | 'failed' } | { status: 'pending'; retryInMs: number },
): Promise<boolean> {
  const rows = await ex
    .update(webhookDeliveries)
    .set({
      status: outcome.status,
      lockedUntil: null,
      lastStatusCode: record.statusCode,
      lastError: record.error,
      responseExcerpt: record.excerpt,
      lastDurationMs: record.durationMs,
      updatedAt: sql`now()`,
      ...(outcome.status === 'succeeded' && { deliveredAt: sql`now()` }),
      ...(outcome.status === 'pending' && {
        nextAttemptAt: sql`now() + make_interval(secs => ${outcome.retryInMs / 1000})`,
      }),
    })
    .where(
      and(
        eq(webhookDeliveries.id, id),
        eq(webhookDeliveries.attempts, attempt),
        eq(webhookDeliveries.status, 'pending'),
      ),
    )
    .returning({ id: webhookDeliveries.id });
  return rows.length > 0;
}
