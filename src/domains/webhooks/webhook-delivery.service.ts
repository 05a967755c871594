import type pg from 'pg';
import type { WebhookConfig } from '../../config.ts';
import { type ClientTransaction, withClientTransaction } from '../../db/client-transaction.ts';
import type { Db } from '../../db/database.ts';
import type { EventBus } from '../../events/event-bus.ts';
import type { Queue } from '../../queue/queue.ts';
import type { AttemptRecord, ClaimedDelivery } from './webhook.repository.ts';
import * as repo from './webhook.repository.ts';
import { envelope } from './webhook.service.ts';
import { type PostResult, postWebhook } from './webhook-http.ts';
import { activeSecrets, webhookHeaders } from './webhook-signing.ts';

export type DeliveryOutcome = 'succeeded' | 'retrying' | 'failed' | 'skipped';

export interface DeliveryOptions extends WebhookConfig {
  allowPrivateTargets: boolean;
  /** Random in [0, 1): the jitter source, replaceable in tests. */
  random?: () => number;
}

const USER_AGENT = 'vlm-loop-webhooks/1';
// An attempt holds its delivery a little longer than it may take, then another worker may retry it.
const LOCK_SLACK_MS = 15_000;

/**
 * One attempt at one delivery, as the `webhook.deliver` job runs it. The delivery row decides: a job
 * for a delivery that is done, not due, or held by another attempt does nothing, so duplicated or
 * early jobs are harmless. Every retry is a new job scheduled in the transaction that records it.
 */
export class WebhookDeliveryService {
  private readonly random: () => number;

  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly queue: Queue,
    private readonly events: EventBus,
    private readonly options: DeliveryOptions,
  ) {
    this.random = options.random ?? Math.random;
  }

  async deliver(deliveryId: number): Promise<DeliveryOutcome> {
    const claimed = await repo.claimDelivery(this.db, deliveryId, this.options.timeoutMs + LOCK_SLACK_MS);
    if (!claimed) return 'skipped';
    if (!claimed.endpoint.enabled) {
      await this.finish(claimed, refusal('the endpoint is disabled'), { status: 'failed' });
      return 'failed';
    }
    const result = await this.send(claimed);
    const record: AttemptRecord = {
      statusCode: result.status,
      error: result.error,
      excerpt: result.excerpt,
      durationMs: result.durationMs,
    };
    if (result.status !== null && result.status >= 200 && result.status < 300) {
      await this.db.transaction(async (tx) => {
        await repo.finishAttempt(tx, deliveryId, claimed.delivery.attempts, record, { status: 'succeeded' });
        await repo.endpointSucceeded(tx, claimed.endpoint.id);
      });
      return 'succeeded';
    }
    return this.failed(claimed, result, record);
  }

  private send(claimed: ClaimedDelivery): Promise<PostResult> {
    const body = Buffer.from(JSON.stringify(envelope(claimed.event)));
    const now = new Date();
    const headers = webhookHeaders(
      activeSecrets(claimed.endpoint.secrets, now),
      `evt_${claimed.event.id}`,
      Math.floor(now.getTime() / 1000),
      body,
    );
    return postWebhook(
      claimed.endpoint.url,
      body,
      { ...headers, 'content-type': 'application/json', 'user-agent': USER_AGENT },
      { timeoutMs: this.options.timeoutMs, allowPrivate: this.options.allowPrivateTargets },
    );
  }

  /** Counts the failure against the endpoint (maybe disabling it), then retries or gives up. */
  private async failed(
    claimed: ClaimedDelivery,
    result: PostResult,
    record: AttemptRecord,
  ): Promise<DeliveryOutcome> {
    const { delivery, endpoint } = claimed;
    const retryInMs = this.retryDelay(delivery.attempts, result.retryAfterMs);
    const ageMs = delivery.lastAttemptAt!.getTime() - delivery.createdAt.getTime();
    const retry = retryable(result) && ageMs + retryInMs <= this.options.retryForMs;
    return withClientTransaction(this.pool, async (tx) => {
      const streak = await repo.endpointFailed(tx.db, endpoint.id);
      const disabled =
        streak.enabled && this.shouldDisable(streak) ? await this.disable(tx, claimed, streak) : false;
      if (retry && !disabled) {
        const held = await repo.finishAttempt(tx.db, delivery.id, delivery.attempts, record, {
          status: 'pending',
          retryInMs,
        });
        if (held)
          await this.queue.send(
            'webhook.deliver',
            { deliveryId: delivery.id },
            {
              tx: tx.client,
              startAfterSeconds: retryInMs / 1000,
            },
          );
        return 'retrying';
      }
      const final = disabled
        ? { ...record, error: `${record.error ?? `HTTP ${record.statusCode}`}; endpoint disabled` }
        : record;
      await repo.finishAttempt(tx.db, delivery.id, delivery.attempts, final, { status: 'failed' });
      return 'failed';
    });
  }

  /** Exponential, capped, with "equal jitter": half the delay fixed, half random, so retries spread out. */
  private retryDelay(attempts: number, retryAfterMs: number | null): number {
    const { retryBaseMs, retryMaxDelayMs } = this.options;
    const exp = Math.min(retryBaseMs * 2 ** Math.min(attempts - 1, 30), retryMaxDelayMs);
    const jittered = exp / 2 + (this.random() * exp) / 2;
    return Math.round(Math.min(Math.max(jittered, retryAfterMs ?? 0), retryMaxDelayMs));
  }

  private shouldDisable(streak: { consecutiveFailures: number; failingSince: Date | null }): boolean {
    const failingMs = streak.failingSince ? Date.now() - streak.failingSince.getTime() : 0;
    return (
      streak.consecutiveFailures >= this.options.disableAfterFailures &&
      failingMs >= this.options.disableAfterMs
    );
  }

  private async disable(
    tx: ClientTransaction,
    claimed: ClaimedDelivery,
    streak: { consecutiveFailures: number; failingSince: Date | null },
  ): Promise<boolean> {
    const reason = `${streak.consecutiveFailures} consecutive failed attempts since ${streak.failingSince?.toISOString()}`;
    const row = await repo.disableEndpoint(tx.db, claimed.endpoint.id, reason);
    if (!row) return false;
    await this.events.publish(
      'webhook.endpoint.disabled',
      {
        projectId: row.projectId,
        webhookId: row.id,
        url: row.url,
        reason,
        consecutiveFailures: streak.consecutiveFailures,
        failingSince: streak.failingSince?.toISOString() ?? null,
      },
      { tx },
    );
    return true;
  }

  private async finish(
    claimed: ClaimedDelivery,
    record: AttemptRecord,
    outcome: { status: 'failed' },
  ): Promise<void> {
    await repo.finishAttempt(this.db, claimed.delivery.id, claimed.delivery.attempts, record, outcome);
  }
}

/** Network errors, timeouts, 408, 429 and 5xx may pass; other answers (and refused targets) will not. */
function retryable(result: PostResult): boolean {
  if (result.status === null) return result.errorKind !== 'refused';
  return result.status === 408 || result.status === 429 || result.status >= 500;
}

const refusal = (error: string): AttemptRecord => ({ statusCode: null, error, excerpt: '', durationMs: 0 });
