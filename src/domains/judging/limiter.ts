export interface Limiter {
  <T>(task: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly pending: number;
}

/** Runs at most `concurrency` tasks at once, the rest in arrival order. */
export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  let active = 0;
  const queue: (() => void)[] = [];

  const next = (): void => {
    active--;
    queue.shift()?.();
  };

  const run = <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const start = (): void => {
        active++;
        // A task that throws synchronously must still release its slot.
        Promise.resolve().then(task).then(resolve, reject).finally(next);
      };
      if (active < concurrency) start();
      else queue.push(start);
    });

  return Object.defineProperties(run, {
    active: { get: () => active },
    pending: { get: () => queue.length },
  }) as Limiter;
}
