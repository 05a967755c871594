import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/database.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from '../../db/pagination.ts';
import { AppError, conflict, notFound } from '../../errors/problem.ts';
import type { ApiKeyRow } from './api-key.repository.ts';
import * as repo from './api-key.repository.ts';
import { ApiKeyCache, KEY_CACHE_MS } from './api-key-cache.ts';

/** Who is calling: an admin key reaches every project, a project key only its own. */
export interface Principal {
  keyId: number;
  projectId: number | null;
}

export type ApiKeyInfo = Omit<ApiKeyRow, 'hash'>;

const KEY_PREFIX = 'vlm_';
const ENV_KEY_NAME = 'admin (from environment)';
// Startup has no request logger yet: the line goes where the process's other startup output goes.
const stderrLine = (line: string) => process.stderr.write(`${line}\n`);

// Keys carry 256 random bits, so one fast hash is enough: there is nothing to brute-force.
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export class AuthService {
  private readonly revokedListeners = new Set<(keyId: number) => void>();
  private readonly keys: ApiKeyCache;

  /** `keyCacheMs`: how long an active key is trusted without a query (0: never cached). */
  constructor(
    private readonly db: Db,
    options: { keyCacheMs?: number } = {},
  ) {
    this.keys = new ApiKeyCache(options.keyCacheMs ?? KEY_CACHE_MS);
  }

  async authenticate(header: string | undefined, options: { basic?: boolean } = {}): Promise<Principal> {
    const key =
      header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? (options.basic ? basicPassword(header) : undefined);
    if (!key) throw new AppError('unauthorized', 'send an API key as "Authorization: Bearer <key>"');
    const hash = hashKey(key);
    const cached = this.keys.get(hash);
    if (cached) return cached;
    const row = await repo.findActiveKeyByHash(this.db, hash);
    if (!row) throw new AppError('unauthorized', 'unknown or revoked API key');
    const principal = { keyId: row.id, projectId: row.projectId };
    this.keys.set(hash, principal);
    return principal;
  }

  /** Whether the key is still active: long-lived connections authenticate once, then ask this. */
  isActive(keyId: number): Promise<boolean> {
    return repo.isActiveKey(this.db, keyId);
  }

  /** Throws unless `principal` may act on `projectId`. */
  assertProjectAccess(principal: Principal, projectId: number): void {
    if (principal.projectId !== null && principal.projectId !== projectId)
      throw new AppError('forbidden', `this API key is scoped to project ${principal.projectId}`);
  }

  assertAdmin(principal: Principal): void {
    if (principal.projectId !== null) throw new AppError('forbidden', 'this action needs an admin API key');
  }

  /**
   * Installs an admin key when none exists: `preset` when given (from the environment), else a new one.
   * Returns the key only when it was generated here, since it is shown once and never stored.
   */
  async ensureAdminKey(
    preset?: string,
    log: (line: string) => void = stderrLine,
  ): Promise<string | undefined> {
    if (preset) {
      await this.installEnvKey(preset, log);
      return undefined;
    }
    if (await repo.hasAdminKey(this.db)) return undefined;
    const key = newKey();
    await repo.insertApiKey(this.db, { name: 'admin', ...this.digest(key), projectId: null });
    return key;
  }

  /**
   * The environment's admin key becomes the one env-installed key: a revoked one stays revoked (refusing
   * to start, since starting without the key the operator named would lock them out), and the key an
   * earlier VLM_LOOP_ADMIN_KEY installed is revoked, so changing the variable really replaces the key.
   */
  private installEnvKey(preset: string, log: (line: string) => void): Promise<void> {
    return this.db.transaction(async (tx) => {
      const values = { name: ENV_KEY_NAME, ...this.digest(preset), projectId: null, fromEnv: true };
      const row =
        (await repo.insertApiKeyIfAbsent(tx, values)) ?? (await repo.findKeyByHash(tx, values.hash))!;
      if (row.revokedAt) throw new Error('VLM_LOOP_ADMIN_KEY was revoked; set a new one');
      if (row.projectId !== null)
        throw new Error(`VLM_LOOP_ADMIN_KEY is an API key of project ${row.projectId}; set an admin key`);
      if (!row.fromEnv) await repo.markFromEnv(tx, row.id);
      for (const old of await repo.revokeEnvKeysExcept(tx, row.id)) {
        this.keys.forgetKey(old.id);
        log(`VLM_LOOP_ADMIN_KEY changed: revoked the previous one (API key ${old.id}, ${old.prefix}…)`);
      }
    });
  }

  async createKey(input: {
    name: string;
    projectId: number | null;
  }): Promise<{ key: string; info: ApiKeyInfo }> {
    const key = newKey();
    const { hash: _hash, ...info } = await repo.insertApiKey(this.db, { ...input, ...this.digest(key) });
    return { key, info };
  }

  async listKeys(page: PageRequest): Promise<Page<ApiKeyInfo>> {
    const limit = pageLimit(page.limit);
    const rows = await repo.listApiKeys(this.db, { afterId: decodeCursor(page.cursor), limit: limit + 1 });
    const result = toPage(rows, limit);
    return { nextCursor: result.nextCursor, data: result.data.map(({ hash: _hash, ...info }) => info) };
  }

  /** Revokes the key, unless it is the last active admin key, which would lock every admin out. */
  async revokeKey(id: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const admins = await repo.lockActiveAdminKeys(tx);
      if (admins.length === 1 && admins[0] === id)
        throw conflict(
          `API key ${id} is the last active admin key; create another admin key before revoking it`,
          'keyId',
        );
      if (!(await repo.revokeApiKey(tx, id))) throw notFound('API key', id);
    });
    this.keys.forgetKey(id);
    for (const listener of this.revokedListeners) listener(id);
  }

  /** Calls `listener` after each revocation in this process (open subscriptions end with their key). */
  onRevoked(listener: (keyId: number) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  private digest(key: string) {
    return { prefix: key.slice(0, KEY_PREFIX.length + 6), hash: hashKey(key) };
  }
}

/** A new API key: 256 bits from the CSPRNG. */
export const newKey = (): string => KEY_PREFIX + randomBytes(32).toString('base64url');

/** The password of an HTTP Basic header (tools such as Label Studio can send only that); the user is ignored. */
function basicPassword(header: string | undefined): string | undefined {
  const encoded = header?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i)?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : undefined;
}
