import type { MercuriusContext } from 'mercurius';
import type { AppContext } from '../context.ts';
import { encodeCursor, MAX_LIMIT, type Page } from '../db/pagination.ts';
import type { Principal } from '../domains/auth/auth.service.ts';
import { AppError, validationError } from '../errors/problem.ts';
import type { KeySocket, KeySockets } from './revocation.ts';

/** What every resolver gets: the caller, and the services REST uses. */
export interface GqlContext extends MercuriusContext {
  /** Null only when the request bypassed authentication, which no resolver accepts. */
  principal: Principal | null;
  services: AppContext['services'];
  events: AppContext['events'];
  /** Subscriptions only: the connection's websocket and where it is registered under its key. */
  socket?: KeySocket;
  keySockets?: KeySockets;
}

export function principalOf(c: GqlContext): Principal {
  if (!c.principal) throw new AppError('unauthorized', 'send an API key as "Authorization: Bearer <key>"');
  return c.principal;
}

/** The caller may act on this project (as the REST hook checks `{projectId}`); returns its id. */
export function projectAccess(c: GqlContext, raw: string | number): number {
  const projectId = toId(raw, 'projectId');
  c.services.auth.assertProjectAccess(principalOf(c), projectId);
  return projectId;
}

/** GraphQL IDs are strings; ours are positive integers. */
export function toId(raw: string | number, name: string): number {
  const n = typeof raw === 'number' ? raw : /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw validationError(name, `"${raw}" is not an id`);
  return n;
}

export function pageArgs(args: { first?: number | null; after?: string | null }) {
  const first = args.first ?? undefined;
  if (first !== undefined && (first < 1 || first > MAX_LIMIT))
    throw validationError('first', `must be between 1 and ${MAX_LIMIT}`);
  return { limit: first, cursor: args.after ?? undefined };
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** A service page as a Relay connection; cursors are the REST API's keyset cursors. */
export function connection<T extends { id: number }>(page: Page<T>): Connection<T> {
  const edges = page.data.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return {
    edges,
    pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

const STATUS_CODES: Partial<Record<AppError['kind'], number>> = {
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
};

/** A service error's kind as `code` (FORBIDDEN, NOT_FOUND, VALIDATION, ...) and its fields, as problem+json has them. */
export function appErrorExtensions(error: AppError) {
  return {
    code: error.kind.toUpperCase().replace(/-/g, '_'),
    status: STATUS_CODES[error.kind],
    errors: error.invalidParams.map((p) => ({ name: p.name, detail: p.reason })),
  };
}
