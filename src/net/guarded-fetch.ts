import dns from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AllowList } from './allow-list.ts';
import { checkTarget, hostOf, isPrivateAddress, TargetRefusedError } from './ssrf-guard.ts';

export { TargetRefusedError };

/** A fetch that got no usable answer: a network error, a timeout, or a status other than 2xx. */
export class FetchFailedError extends Error {}

export interface GuardedGetOptions {
  method?: 'GET' | 'POST';
  /** Private hosts and networks this request may reach on purpose. */
  allow: AllowList;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Refused up front when Content-Length says more. */
  maxBytes?: number;
  maxRedirects?: number;
}

/**
 * Checks a URL the way every fetch here is checked: http(s), no credentials in it, and every address
 * its host resolves to is global unicast unless the allow-list names the host or the address's network.
 * Throws TargetRefusedError saying why.
 */
export async function checkUrl(raw: string, allow: AllowList): Promise<URL> {
  const url = await checkTarget(raw, true);
  const host = hostOf(url);
  if (allow.allowsHost(host)) return url;
  const addresses = net.isIP(host)
    ? [host]
    : await dns.promises
        .lookup(host, { all: true, verbatim: true })
        .then((list) => list.map((a) => a.address))
        .catch((err) => {
          throw new TargetRefusedError(`host ${host} does not resolve (${err.code ?? err.message})`);
        });
  const bad = addresses.find((a) => isPrivateAddress(a) && !allow.allowsAddress(a));
  if (bad !== undefined)
    throw new TargetRefusedError(
      `host ${host} resolves to ${bad}, a private, loopback, link-local or reserved address not in the project's URL allow-list`,
    );
  return url;
}

/**
 * GET with the same guard at connection time (a name re-pointed inside after the check is refused:
 * DNS rebinding) and on every redirect; headers (credentials) go only to the origin they were given for.
 */
export async function guardedGet(raw: string, options: GuardedGetOptions): Promise<IncomingMessage> {
  let url = await checkUrl(raw, options.allow);
  const origin = url.origin;
  const signal = AbortSignal.timeout(options.timeoutMs);
  for (let hop = 0; ; hop++) {
    const headers = url.origin === origin ? (options.headers ?? {}) : {};
    const res = await request(options.method ?? 'GET', url, headers, options.allow, signal);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= (options.maxRedirects ?? 3)) throw new FetchFailedError('too many redirects');
      url = await checkUrl(new URL(res.headers.location, url).toString(), options.allow);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw new FetchFailedError(
        `${options.method ?? 'GET'} ${url.origin}${url.pathname} answered ${status}`,
      );
    }
    const length = Number(res.headers['content-length']);
    if (options.maxBytes !== undefined && length > options.maxBytes) {
      res.destroy();
      throw new FetchFailedError(`the answer is ${length} bytes, more than ${options.maxBytes}`);
    }
    return res;
  }
}

function request(
  method: 'GET' | 'POST',
  url: URL,
  headers: Record<string, string>,
  allow: AllowList,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, lookup: allowListLookup(allow), signal });
    req.on('error', (err) =>
      reject(
        err instanceof TargetRefusedError
          ? err
          : new FetchFailedError(
              err.name === 'AbortError' || err.name === 'TimeoutError'
                ? `${method} ${url.origin} timed out`
                : `${method} ${url.origin} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`,
            ),
      ),
    );
    req.on('response', resolve);
    req.end();
  });
}

/** A `lookup` for http.request that applies the allow-list to what the name resolves to at connect time. */
function allowListLookup(allow: AllowList): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const bad = allow.allowsHost(hostname)
        ? undefined
        : addresses.find((a) => isPrivateAddress(a.address) && !allow.allowsAddress(a.address));
      if (bad)
        return callback(
          new TargetRefusedError(`${hostname} resolves to ${bad.address}, a private address`),
          '',
          0,
        );
      const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
      const chosen = addresses.find((a) => wanted === undefined || a.family === wanted) ?? addresses[0];
      if (!chosen) return callback(new Error(`${hostname} has no address`), '', 0);
      if (options.all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, [chosen]);
      callback(null, chosen.address, chosen.family);
    });
  };
}

/** The whole body, refusing more than `maxBytes`. */
export async function readBody(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      res.destroy();
      throw new FetchFailedError(`the answer is more than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
