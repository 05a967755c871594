import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { checkTarget, guardedLookup, hostOf, isPrivateAddress, TargetRefusedError } from './ssrf-guard.ts';

export interface FetchOptions {
  /** Loopback, private and link-local targets allowed (an operator's choice, never a caller's). */
  allowPrivate: boolean;
  maxBytes: number;
  timeoutMs: number;
  headers?: Record<string, string>;
}

/** Why a URL gave no bytes: refused (the target), too large, or the fetch failed (status, network, timeout). */
export class FetchError extends Error {
  constructor(
    readonly kind: 'refused' | 'too_large' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * GETs a URL's body through the same SSRF guard as webhooks: the URL is checked, every address the
 * name resolves to at connection time is checked again (no DNS rebinding), redirects are not followed
 * (one could point inside), and the body is cut off at `maxBytes`.
 */
export async function fetchBytes(raw: string, options: FetchOptions): Promise<Buffer> {
  let url: URL;
  try {
    url = await checkTarget(raw, options.allowPrivate);
    // http.request skips `lookup` for literal addresses, so those are checked here (checkTarget did too).
    if (!options.allowPrivate && net.isIP(hostOf(url)) && isPrivateAddress(hostOf(url)))
      throw new TargetRefusedError(`${hostOf(url)} is a private address`);
  } catch (err) {
    if (err instanceof TargetRefusedError) throw new FetchError('refused', err.message);
    throw err;
  }
  return get(url, options);
}

function get(url: URL, options: FetchOptions): Promise<Buffer> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, {
      method: 'GET',
      headers: options.headers,
      lookup: guardedLookup(options.allowPrivate),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    req.on('error', (err) => reject(describe(err, options.timeoutMs)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        res.resume();
        const where = res.headers.location ? ` (redirect to ${res.headers.location} not followed)` : '';
        return reject(new FetchError('failed', `answered HTTP ${status}${where}`));
      }
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > options.maxBytes) {
        res.destroy();
        return reject(new FetchError('too_large', `declares ${declared} bytes, over ${options.maxBytes}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          res.destroy();
          reject(new FetchError('too_large', `is larger than ${options.maxBytes} bytes`));
        } else chunks.push(chunk);
      });
      res.on('error', (err) => reject(describe(err, options.timeoutMs)));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    });
    req.end();
  });
}

function describe(err: unknown, timeoutMs: number): FetchError {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof FetchError) return err;
  if (err instanceof TargetRefusedError) return new FetchError('refused', e.message);
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return new FetchError('failed', `timed out after ${timeoutMs} ms`);
  return new FetchError('failed', e.code ? `${e.code}: ${e.message}` : e.message);
}
