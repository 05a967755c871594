import type { ClientTransaction } from '../db/client-transaction.ts';
import type { EventPayload, EventType } from './registry.ts';

/** A published event as subscribers and webhooks see it. */
export interface DomainEvent<T extends EventType = EventType> {
  /** The `events` row id; null for transient events, which are not stored. */
  id: number | null;
  type: T;
  projectId: number;
  payload: EventPayload<T>;
  createdAt: Date;
}

export interface PublishOptions {
  /** Publish inside this open transaction: the event, its webhook deliveries and jobs commit with it. */
  tx?: ClientTransaction;
}

export type EventListener = (event: DomainEvent) => void;

/**
 * How services announce what happened. Subscribers in any API process receive every event published in
 * any process (API or worker) once its transaction commits.
 */
export interface EventBus {
  publish<T extends EventType>(
    type: T,
    payload: EventPayload<T>,
    options?: PublishOptions,
  ): Promise<DomainEvent<T>>;
  /** Resolves once events are being received; call the returned function to stop. */
  subscribe(listener: EventListener): Promise<() => void>;
  close(): Promise<void>;
}
