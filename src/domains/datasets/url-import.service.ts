import type { IncomingMessage } from 'node:http';
import type { IncomingFile } from '../../blob/incoming-file.ts';
import type { Db } from '../../db/database.ts';
import { AppError, type InvalidParam } from '../../errors/problem.ts';
import { type AllowList, compileAllowList, normaliseAllowEntry } from '../../net/allow-list.ts';
import { checkUrl, FetchFailedError, guardedGet, TargetRefusedError } from '../../net/guarded-fetch.ts';
import type { ProjectService } from '../projects/project.service.ts';
import type { PoolState, Split } from './image.repository.ts';
import type { ImageService, UploadResult } from './image.service.ts';
import * as repo from './url-allow.repository.ts';

/** A header sent with every URL that starts with `urlPrefix` (the longest matching prefix wins). */
export interface UrlCredential {
  urlPrefix: string;
  header: string;
  value: string;
}

export interface UrlImportInput {
  urls: string[];
  credentials?: UrlCredential[];
  split?: Split;
  poolState?: PoolState;
}

export interface AllowEntry {
  entry: string;
  createdAt: Date;
}

export const MAX_ALLOW_ENTRIES = 100;
const FETCH_TIMEOUT_MS = 30_000;

/**
 * Images by URL, and the project's allow-list of private hosts and networks that URL imports (and tool
 * connections) may reach on purpose. Fetched bytes go through the upload path (staging, proof that
 * they are an image, limits, dedup by content), so a URL import is an upload whose files came by HTTP.
 */
export class UrlImportService {
  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
    private readonly images: ImageService,
    private readonly maxFileBytes: number,
    private readonly timeoutMs = FETCH_TIMEOUT_MS,
  ) {}

  async listAllowEntries(projectId: number): Promise<AllowEntry[]> {
    await this.projects.get(projectId);
    return (await repo.listAllowEntries(this.db, projectId)).map(({ entry, createdAt }) => ({
      entry,
      createdAt,
    }));
  }

  /** Replaces the list; every entry that is not a host, address or narrow enough CIDR is named. */
  async replaceAllowEntries(projectId: number, raw: string[]): Promise<AllowEntry[]> {
    await this.projects.get(projectId);
    const invalid: InvalidParam[] = [];
    const entries = new Set<string>();
    raw.forEach((text, i) => {
      const result = normaliseAllowEntry(text);
      if ('reason' in result) invalid.push({ name: `entries[${i}]`, reason: `${text}: ${result.reason}` });
      else entries.add(result.entry);
    });
    if (invalid.length > 0)
      throw new AppError('validation', 'some allow-list entries are not valid', invalid);
    const rows = await this.db.transaction((tx) => repo.replaceAllowEntries(tx, projectId, [...entries]));
    return rows.map(({ entry, createdAt }) => ({ entry, createdAt }));
  }

  async allowList(projectId: number): Promise<AllowList> {
    return compileAllowList((await repo.listAllowEntries(this.db, projectId)).map((r) => r.entry));
  }

  /**
   * Checks every URL first (naming each refused one, nothing fetched), then fetches them one by one into
   * the upload path: all of them are stored, or, on any failure, none.
   */
  async import(projectId: number, input: UrlImportInput): Promise<UploadResult> {
    await this.projects.get(projectId);
    const allow = await this.allowList(projectId);
    const refused: InvalidParam[] = [];
    for (const [i, url] of input.urls.entries())
      await checkUrl(url, allow).catch((err) => {
        if (!(err instanceof TargetRefusedError)) throw err;
        refused.push({ name: `urls[${i}]`, reason: `${url}: ${err.message}` });
      });
    if (refused.length > 0)
      throw new AppError('validation', `${refused.length} URL(s) refused; nothing was fetched`, refused);
    return this.images.upload(projectId, this.fetchAll(input, allow), input);
  }

  private async *fetchAll(input: UrlImportInput, allow: AllowList): AsyncGenerator<IncomingFile> {
    for (const [i, url] of input.urls.entries()) {
      const field = `urls[${i}]`;
      let res: IncomingMessage;
      try {
        res = await guardedGet(url, {
          allow,
          headers: credentialFor(url, input.credentials ?? []),
          timeoutMs: this.timeoutMs,
          maxBytes: this.maxFileBytes,
        });
      } catch (err) {
        if (err instanceof TargetRefusedError || err instanceof FetchFailedError)
          throw new AppError('validation', `${field}: ${err.message}; nothing was stored`, [
            { name: field, reason: `${url}: ${err.message}` },
          ]);
        throw err;
      }
      try {
        yield { field, fileName: fileNameOf(url), stream: res };
      } finally {
        res.destroy();
      }
    }
  }
}

function credentialFor(url: string, credentials: UrlCredential[]): Record<string, string> {
  // Compared as parsed URLs: a prefix https://tool.example must not match https://tool.example.evil.com.
  const target = new URL(url);
  const best = credentials
    .filter((c) => {
      const prefix = URL.canParse(c.urlPrefix) ? new URL(c.urlPrefix) : null;
      return prefix?.origin === target.origin && target.pathname.startsWith(prefix.pathname);
    })
    .sort((a, b) => b.urlPrefix.length - a.urlPrefix.length)[0];
  return best ? { [best.header]: best.value } : {};
}

/** The last path segment, as a stored file name; the upload path cleans it further. */
function fileNameOf(raw: string): string {
  const last = new URL(raw).pathname.split('/').filter(Boolean).pop() ?? '';
  try {
    return decodeURIComponent(last) || 'image';
  } catch {
    return last || 'image';
  }
}
