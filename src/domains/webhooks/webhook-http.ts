import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { guardedLookup, hostOf, isPrivateAddress, TargetRefusedError } from '../../net/ssrf-guard.ts';

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** Bytes of the response body kept for the delivery log. */
  excerptBytes?: number;
}

/** What one attempt got: a status, or an error (network, timeout, refused target). */
export interface PostResult {
  status: number | null;
  error: string | null;
  /** Why there is no status: a network error or timeout (worth a retry) or a refused target (not). */
  errorKind: 'network' | 'timeout' | 'refused' | null;
  excerpt: string;
  durationMs: number;
  /** From a Retry-After header, when the receiver sent one. */
  retryAfterMs: number | null;
}

// Keep-alive sockets: a busy endpoint gets its deliveries over a few connections instead of one each.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 16 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 16 }),
};

/** POSTs exactly `body`; never follows redirects; gives up after `timeoutMs` in all. */
export async function postWebhook(
  target: string,
  body: Buffer,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<PostResult> {
  const started = performance.now();
  const done = (r: Omit<PostResult, 'durationMs'>): PostResult => ({
    ...r,
    durationMs: Math.round(performance.now() - started),
  });
  try {
    const url = new URL(target);
    // http.request skips `lookup` for literal addresses, so those are checked here.
    if (!options.allowPrivate && net.isIP(hostOf(url)) && isPrivateAddress(hostOf(url)))
      throw new TargetRefusedError(`${hostOf(url)} is a private address`);
    const res = await send(url, body, headers, options);
    return done(res);
  } catch (err) {
    return done({ status: null, ...describe(err, options.timeoutMs), excerpt: '', retryAfterMs: null });
  }
}

function send(
  url: URL,
  body: Buffer,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<Omit<PostResult, 'durationMs'>> {
  const lib = url.protocol === 'https:' ? https : http;
  const limit = options.excerptBytes ?? 1024;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, {
      method: 'POST',
      agent: agents[url.protocol as 'http:' | 'https:'],
      headers: { ...headers, 'content-length': String(body.length) },
      lookup: guardedLookup(options.allowPrivate),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < limit) chunks.push(chunk.subarray(0, limit - kept));
        kept += chunk.length;
      });
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          error: null,
          errorKind: null,
          excerpt: Buffer.concat(chunks).toString('utf8'),
          retryAfterMs: retryAfter(res.headers['retry-after']),
        }),
      );
    });
    req.end(body);
  });
}

function describe(err: unknown, timeoutMs: number): Pick<PostResult, 'error' | 'errorKind'> {
  const e = err as NodeJS.ErrnoException;
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return { error: `timed out after ${timeoutMs} ms`, errorKind: 'timeout' };
  if (err instanceof TargetRefusedError) return { error: `refused: ${e.message}`, errorKind: 'refused' };
  return { error: e.code ? `${e.code}: ${e.message}` : e.message, errorKind: 'network' };
}

/** Seconds or an HTTP date; null when absent or unreadable. */
function retryAfter(value: string | undefined): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
