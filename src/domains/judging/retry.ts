export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Upper bound of the exponential delay. */
  maxMs: number;
  /** Fraction of the delay that is randomised: 0 = none, 1 = "full jitter". */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, jitter: 0.5 };

/**
 * Delay before retry number `retry` (1 = first retry). Jitter spreads clients that
 * failed together (one 429 burst) so they do not come back together.
 */
export function backoffDelay(retry: number, options: BackoffOptions, random: () => number): number {
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** (retry - 1));
  return Math.round(exponential * (1 - options.jitter * random()));
}

/**
 * Milliseconds a server asked us to wait, from `retry-after-ms` (OpenAI) or `Retry-After`
 * (delta-seconds or an HTTP date); undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers | undefined, now: number): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
