import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../../src/domains/judging/limiter.ts';
import { backoffDelay, parseRetryAfter, sleep } from '../../../src/domains/judging/retry.ts';

describe('createLimiter', () => {
  it('never runs more than n tasks at once and runs them all', async () => {
    const limit = createLimiter(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(5);
          running--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limit.active).toBe(0);
    expect(limit.pending).toBe(0);
  });

  it('frees the slot of a failing task', async () => {
    const limit = createLimiter(1);
    await expect(
      limit(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await limit(async () => 'next')).toBe('next');
  });

  it('refuses a non-positive concurrency', () => {
    expect(() => createLimiter(0)).toThrow(RangeError);
  });
});

describe('retry helpers', () => {
  it('doubles the delay up to the cap, jitter taking up to its share off', () => {
    const options = { baseMs: 100, maxMs: 500, jitter: 0.5 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, options, () => 0))).toEqual([100, 200, 400, 500]);
    expect(backoffDelay(2, options, () => 1)).toBe(100);
  });

  it('reads Retry-After as seconds, an HTTP date, or retry-after-ms', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }), now)).toBe(
      10_000,
    );
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('stops sleeping when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(sleep(5_000, controller.signal)).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
