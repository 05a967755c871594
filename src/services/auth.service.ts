import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { AppError, notFound } from '../errors/problem.ts';
import type { ApiKeyRow } from '../repositories/api-key.repository.ts';
import * as repo from '../repositories/api-key.repository.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from './pagination.ts';

/** Who is calling: an admin key reaches every project, a project key only its own. */
export interface Principal {
  keyId: number;
  projectId: number | null;
}

export type ApiKeyInfo = Omit<ApiKeyRow, 'hash'>;

const KEY_PREFIX = 'vlm_';

// Keys carry 256 random bits, so one fast hash is enough: there is nothing to brute-force.
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export class AuthService {
  constructor(private readonly db: Db) {}

  async authenticate(header: string | undefined): Promise<Principal> {
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) throw new AppError('unauthorized', 'send an API key as "Authorization: Bearer <key>"');
    const row = await repo.findActiveKeyByHash(this.db, hashKey(match[1]));
    if (!row) throw new AppError('unauthorized', 'unknown or revoked API key');
    return { keyId: row.id, projectId: row.projectId };
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
  async ensureAdminKey(preset?: string): Promise<string | undefined> {
    if (preset) {
      if (!(await repo.findActiveKeyByHash(this.db, hashKey(preset))))
        await repo.insertApiKey(this.db, {
          name: 'admin (from environment)',
          ...this.digest(preset),
          projectId: null,
        });
      return undefined;
    }
    if (await repo.hasAdminKey(this.db)) return undefined;
    const key = newKey();
    await repo.insertApiKey(this.db, { name: 'admin', ...this.digest(key), projectId: null });
    return key;
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

  async revokeKey(id: number): Promise<void> {
    if (!(await repo.revokeApiKey(this.db, id))) throw notFound('API key', id);
  }

  private digest(key: string) {
    return { prefix: key.slice(0, KEY_PREFIX.length + 6), hash: hashKey(key) };
  }
}

const newKey = (): string => KEY_PREFIX + randomBytes(32).toString('base64url');
