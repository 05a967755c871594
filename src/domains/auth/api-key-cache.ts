/** Who a key is (auth.service's Principal, restated here so the two modules do not import each other). */
interface Principal {
  keyId: number;
  projectId: number | null;
}

/**
 * How long a key looked up once is trusted without asking PostgreSQL again. A revocation in this process
 * is seen at once (`forgetKey`); one by another process (or directly in the database) within this long.
 */
export const KEY_CACHE_MS = 5000;
/** Past this many keys the cache starts over: a flood of distinct valid keys cannot grow it without bound. */
const MAX_KEYS = 10_000;

/**
 * Active API keys by hash, for a short time: every request authenticates, and without this each one cost
 * a query before its own. Unknown and revoked keys are never cached, so they always reach the database.
 */
export class ApiKeyCache {
  private readonly byHash = new Map<string, { principal: Principal; until: number }>();
  /**
   * Keys revoked in this process. A lookup that read the row before the revocation committed may finish
   * after it: its result must not be cached. Revoked keys stay revoked, so the set only grows by revocations.
   */
  private readonly revoked = new Set<number>();

  constructor(
    private readonly ttlMs = KEY_CACHE_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(hash: string): Principal | undefined {
    const entry = this.byHash.get(hash);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.principal;
    this.byHash.delete(hash);
    return undefined;
  }

  set(hash: string, principal: Principal): void {
    if (this.ttlMs <= 0 || this.revoked.has(principal.keyId)) return;
    if (this.byHash.size >= MAX_KEYS) this.byHash.clear();
    this.byHash.set(hash, { principal, until: this.now() + this.ttlMs });
  }

  /** Forgets a key revoked here, at once and for good. */
  forgetKey(keyId: number): void {
    this.revoked.add(keyId);
    for (const [hash, entry] of this.byHash) if (entry.principal.keyId === keyId) this.byHash.delete(hash);
  }
}
