import pg from 'pg';
import { type ClientTransaction, withClientTransaction } from '../db/client-transaction.ts';
import type { Executor } from '../db/database.ts';
import { type EventRow, findEvent, insertEvent } from './event.repository.ts';
import type { DomainEvent, EventBus, EventListener, PublishOptions } from './event-bus.ts';
import { EVENTS, type EventPayload, type EventType } from './registry.ts';

/** Runs inside the publishing transaction for every stored event (webhook fan-out). */
export type EventSink = (tx: ClientTransaction, event: DomainEvent) => Promise<void>;

export const EVENTS_CHANNEL = 'vlm_loop_events';
// NOTIFY payloads are capped at 8000 bytes; larger events travel as a reference to their row.
const MAX_INLINE_BYTES = 7000;
const MAX_RECONNECT_MS = 30_000;

interface Wire {
  id: number | null;
  type: EventType;
  projectId: number;
  createdAt: string;
  payload?: EventPayload<EventType>;
}

/**
 * The event bus on PostgreSQL: stored events are rows in `events` (written in the caller's transaction
 * when given), and every event reaches the API processes through NOTIFY, which Postgres delivers only
 * when that transaction commits. One LISTEN connection per process, opened on the first subscriber.
 */
export class PgEventBus implements EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly sinks: EventSink[] = [];
  /** The LISTEN connection, from the moment it is created (connected or not). */
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = 500;
  private closed = false;

  constructor(
    private readonly db: Executor,
    private readonly pool: pg.Pool,
    private readonly options: { url: string; log?: (line: string) => void },
  ) {}

  addSink(sink: EventSink): void {
    this.sinks.push(sink);
  }

  async publish<T extends EventType>(
    type: T,
    payload: EventPayload<T>,
    options: PublishOptions = {},
  ): Promise<DomainEvent<T>> {
    if (EVENTS[type].transient) {
      const event: DomainEvent<T> = {
        id: null,
        type,
        projectId: payload.projectId,
        payload,
        createdAt: new Date(),
      };
      await notify(options.tx?.client ?? this.pool, event);
      return event;
    }
    const run = async (tx: ClientTransaction) => {
      const row = await insertEvent(tx.db, {
        projectId: payload.projectId,
        type,
        payload: payload as unknown as Record<string, unknown>,
      });
      const event = toEvent(row) as DomainEvent<T>;
      for (const sink of this.sinks) await sink(tx, event);
      await notify(tx.client, event);
      return event;
    };
    return options.tx ? run(options.tx) : withClientTransaction(this.pool, run);
  }

  async subscribe(listener: EventListener): Promise<() => void> {
    this.listeners.add(listener);
    try {
      await this.listen();
    } catch (err) {
      this.listeners.delete(listener);
      throw err;
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private listen(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the event bus is closed'));
    this.connecting ??= this.connect().catch((err) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, application_name: 'vlm-loop-events' });
    this.client = client;
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => void this.dispatch(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (err) {
      this.lost(client, err as Error);
      throw err;
    }
    this.retryMs = 500;
  }

  /** A dropped LISTEN connection is opened again; events published meanwhile are not replayed. */
  private lost(client: pg.Client, err?: Error): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.connecting = undefined;
    client.end().catch(() => {});
    this.options.log?.(`event bus: LISTEN connection lost${err ? `: ${err.message}` : ''}; reconnecting`);
    this.retryTimer = setTimeout(() => void this.listen().catch(() => {}), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RECONNECT_MS);
  }

  private async dispatch(text: string | undefined): Promise<void> {
    let event: DomainEvent;
    try {
      event = await this.fromWire(JSON.parse(text ?? '') as Wire);
    } catch (err) {
      this.options.log?.(`event bus: unreadable notification: ${(err as Error).message}`);
      return;
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.options.log?.(`event bus: listener failed: ${(err as Error).message}`);
      }
    }
  }

  private async fromWire(wire: Wire): Promise<DomainEvent> {
    if (wire.payload !== undefined)
      return { ...wire, payload: wire.payload, createdAt: new Date(wire.createdAt) };
    const row = wire.id === null ? undefined : await findEvent(this.db, wire.id);
    if (!row) throw new Error(`event ${wire.id} is gone`);
    return toEvent(row);
  }
}

function toEvent(row: EventRow): DomainEvent {
  return {
    id: row.id,
    type: row.type as EventType,
    projectId: row.projectId,
    payload: row.payload as unknown as EventPayload<EventType>,
    createdAt: row.createdAt,
  };
}

async function notify(client: pg.ClientBase | pg.Pool, event: DomainEvent): Promise<void> {
  const wire: Wire = { ...event, createdAt: event.createdAt.toISOString() };
  let text = JSON.stringify(wire);
  if (Buffer.byteLength(text) > MAX_INLINE_BYTES) {
    if (event.id === null)
      throw new Error(`transient event ${event.type} is larger than ${MAX_INLINE_BYTES} bytes`);
    text = JSON.stringify({ ...wire, payload: undefined });
  }
  await client.query('select pg_notify($1, $2)', [EVENTS_CHANNEL, text]);
}
