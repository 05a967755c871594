import { AppError } from '../errors/problem.ts';

/** What a subscription's websocket must offer to be closed when its key is revoked (a `ws` WebSocket). */
export interface KeySocket {
  close(code?: number, reason?: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/** graphql-ws's close code for Forbidden: clients treat it as final and do not reconnect. */
export const CLOSE_FORBIDDEN = 4403;
/**
 * How stale "this key is active" may be when an event is about to be delivered. A revocation in this
 * process closes the sockets at once; one in another process is seen within this long of the next event.
 */
const RECHECK_MS = 1000;
/** How often idle subscriptions' keys are re-checked: a revocation elsewhere closes them within this long. */
export const SWEEP_MS = 5000;

/**
 * The open subscription sockets of each API key. A websocket authenticates once, at connection_init;
 * without this, a revoked key's subscriptions kept receiving events for as long as they stayed open.
 */
export class KeySockets {
  private readonly byKey = new Map<number, Set<KeySocket>>();
  private readonly checks = new Map<number, { active: Promise<boolean>; at: number }>();

  constructor(private readonly isActive: (keyId: number) => Promise<boolean>) {}

  /**
   * Refuses a revoked key (another process may have revoked it since connection_init), then remembers
   * `socket` as the key's until it closes. Returns the check to run before each delivered event.
   */
  async watch(keyId: number, socket: KeySocket): Promise<() => Promise<boolean>> {
    if (!(await this.stillActive(keyId))) {
      socket.close(CLOSE_FORBIDDEN, 'Forbidden: API key revoked');
      throw new AppError('unauthorized', 'this API key has been revoked');
    }
    const set = this.byKey.get(keyId) ?? new Set<KeySocket>();
    this.byKey.set(keyId, set);
    set.add(socket);
    socket.once('close', () => {
      set.delete(socket);
      if (set.size === 0 && this.byKey.get(keyId) === set) this.byKey.delete(keyId);
    });
    return () => this.stillActive(keyId);
  }

  /**
   * Re-checks every key with open sockets, so that an idle subscription whose key another process revoked
   * is closed too, not only at its next event. Run on a timer (`SWEEP_MS`).
   */
  async sweep(): Promise<void> {
    for (const keyId of [...this.byKey.keys()]) await this.stillActive(keyId).catch(() => {});
  }

  /** Ends every subscription of the key: its sockets close with 4403, and it is never asked about again. */
  revoked(keyId: number): void {
    this.checks.set(keyId, { active: Promise.resolve(false), at: Number.POSITIVE_INFINITY });
    const sockets = this.byKey.get(keyId);
    this.byKey.delete(keyId);
    for (const socket of sockets ?? []) socket.close(CLOSE_FORBIDDEN, 'Forbidden: API key revoked');
  }

  /** Asks the database at most once per RECHECK_MS per key; a revoked key closes its sockets here. */
  private async stillActive(keyId: number): Promise<boolean> {
    let check = this.checks.get(keyId);
    if (!check || Date.now() - check.at > RECHECK_MS) {
      check = { active: this.isActive(keyId), at: Date.now() };
      this.checks.set(keyId, check);
    }
    let active: boolean;
    try {
      active = await check.active;
    } catch (err) {
      this.checks.delete(keyId); // a failed check is not an answer: ask again next time
      throw err;
    }
    if (!active) this.revoked(keyId);
    return active;
  }
}
