import type { Principal } from '../domains/auth/auth.service.ts';
import { AppError } from '../errors/problem.ts';
import type { DomainEvent, EventBus } from '../events/event-bus.ts';
import type { EventType } from '../events/registry.ts';
import { appErrorExtensions, type GqlContext, principalOf, projectAccess, toId } from './context.ts';

/** Events a slow subscriber may fall behind by; older ones are dropped (progress is superseded anyway). */
const MAX_BUFFERED = 1000;

type Accept = (event: DomainEvent) => boolean;

/** The GraphQL `Event`: the webhook body's shape, plus the stored id and the project. */
export function eventView(event: DomainEvent) {
  return {
    id: event.id,
    type: event.type,
    projectId: event.projectId,
    timestamp: event.createdAt,
    data: event.payload,
  };
}

const field = (event: DomainEvent, name: string): unknown => (event.payload as Record<string, unknown>)[name];
const visibleTo = (principal: Principal, event: DomainEvent) =>
  principal.projectId === null || principal.projectId === event.projectId;

/**
 * Live events from the bus as an async iterator: only those the caller's key may see and `accept`
 * wants; ends after an event that `isLast` says ends the stream, when the client stops, or, without
 * delivering it, at the first event after `keyActive` says the key was revoked.
 */
export async function eventStream(
  bus: EventBus,
  principal: Principal,
  accept: Accept,
  isLast: Accept = () => false,
  keyActive: () => Promise<boolean> = async () => true,
): Promise<AsyncIterableIterator<DomainEvent>> {
  const buffer: DomainEvent[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const unsubscribe = await bus.subscribe((event) => {
    if (ended || !visibleTo(principal, event) || !accept(event)) return;
    if (buffer.length >= MAX_BUFFERED) buffer.shift();
    buffer.push(event);
    wake?.();
  });
  const end = () => {
    ended = true;
    unsubscribe();
    wake?.();
  };
  const iterator: AsyncIterableIterator<DomainEvent> = {
    async next() {
      while (buffer.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
      const event = buffer.shift();
      if (!event || !(await keyActive())) {
        end();
        buffer.length = 0;
        return { done: true, value: undefined };
      }
      if (isLast(event)) {
        end();
        buffer.length = 0;
      }
      return { done: false, value: event };
    },
    async return() {
      end();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

const of =
  (...types: EventType[]): Accept =>
  (e) =>
    types.includes(e.type);

/** One subscription field: `select` builds what to accept (and when to end) from the arguments. */
function subscription(
  select: (args: Record<string, string>, c: GqlContext) => { accept: Accept; isLast?: Accept },
) {
  return {
    subscribe: async (_root: unknown, args: Record<string, string>, c: GqlContext) => {
      try {
        const principal = principalOf(c);
        const { accept, isLast } = select(args, c);
        const keyActive =
          c.keySockets && c.socket ? await c.keySockets.watch(principal.keyId, c.socket) : undefined;
        return await eventStream(c.events, principal, accept, isLast, keyActive);
      } catch (err) {
        // Subscription errors skip the error formatter; graphql-js copies `extensions` from the error.
        if (err instanceof AppError) Object.assign(err, { extensions: appErrorExtensions(err) });
        throw err;
      }
    },
    resolve: (event: DomainEvent) => eventView(event),
  };
}

export const subscriptionResolvers = {
  passProgress: subscription(({ passId }) => {
    const id = toId(passId, 'passId');
    return {
      accept: (e) =>
        of('pass.progress', 'pass.completed', 'pass.failed', 'verdicts.ready')(e) &&
        field(e, 'passId') === id,
      isLast: of('pass.completed', 'pass.failed'),
    };
  }),
  trainingProgress: subscription(({ jobId }) => {
    const id = toId(jobId, 'jobId');
    return {
      accept: (e) =>
        of('training.started', 'training.progress', 'training.completed', 'training.failed')(e) &&
        field(e, 'trainingJobId') === id,
      isLast: of('training.completed', 'training.failed'),
    };
  }),
  runIterations: subscription(({ runId }) => {
    const id = toId(runId, 'runId');
    return {
      accept: (e) => of('run.iteration.completed', 'run.completed')(e) && field(e, 'runId') === id,
      isLast: of('run.completed'),
    };
  }),
  projectEvents: subscription(({ projectId }, c) => {
    const id = projectAccess(c, projectId);
    return { accept: (e) => e.projectId === id };
  }),
};
