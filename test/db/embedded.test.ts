import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { processInfo } from '../../src/db/postmaster.ts';
import { REPO_ROOT as ROOT } from '../helpers/paths.ts';
import { freePort } from '../helpers/ports.ts';

const FIXTURE = path.join(ROOT, 'test/db/fixtures/hold-embedded.ts');

const children: ChildProcess[] = [];
const servers: EmbeddedServer[] = [];
const dirs: string[] = [];
const postmasters: number[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop({ removeData: true }).catch(() => {});
  for (const c of children.splice(0)) c.kill('SIGKILL');
  // Only the postmasters these tests started (read from their postmaster.pid), never by name.
  for (const pid of postmasters.splice(0)) if (processInfo(pid)) process.kill(pid, 'SIGINT');
});
afterAll(async () => {
  for (const d of dirs) {
    const cluster = await fs.realpath(path.join(d, 'postgres')).catch(() => undefined);
    if (cluster) await fs.rm(cluster, { recursive: true, force: true });
    await fs.rm(d, { recursive: true, force: true });
  }
});

const tempDir = async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-embedded-'));
  // Open like a usual data folder; the private (0700) case has its own test below.
  await fs.chmod(dir, 0o755);
  dirs.push(dir);
  return dir;
};

/** The processes below `pid` (initdb and the postgres it runs), from /proc. */
async function descendants(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    const info = /^\d+$/.test(entry) ? processInfo(Number(entry)) : undefined;
    if (info?.ppid === pid) found.push(Number(entry), ...(await descendants(Number(entry))));
  }
  return found;
}

function spawnHolder(dataDir: string, port: number): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir, String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

/** A separate process that starts PostgreSQL on `dataDir` and stays; resolves with the postmaster's pid. */
async function holder(dataDir: string, port: number): Promise<{ child: ChildProcess; postmaster: number }> {
  const child = spawnHolder(dataDir, port);
  let output = '';
  const postmaster = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      output += String(d);
      const m = /ready (\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    });
    child.stderr?.on('data', (d) => {
      output += String(d);
    });
    child.on('exit', (code) => reject(new Error(`holder exited ${code}:\n${output}`)));
  });
  postmasters.push(postmaster);
  return { child, postmaster };
}

const postgresUser = () => {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
  return { uid: id('-u'), gid: id('-g') };
};

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

async function answers(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('select 41 + 1 as n')).rows[0].n;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL start-up', () => {
  it('stops the PostgreSQL a killed vlm-loop left running in its folder, then starts', async () => {
    const dataDir = path.join(await tempDir(), 'postgres');
    const port = await freePort();
    const { child, postmaster } = await holder(dataDir, port);
    await killed(child);
    expect(processInfo(postmaster)).toBeDefined(); // the crash left it holding the port and the folder

    const server = await startEmbeddedPostgres({ dataDir, port });
    servers.push(server);
    expect(await answers(server.url)).toBe(42);
    expect(processInfo(postmaster)).toBeUndefined();
  });

  it('starts when the pid in a stale postmaster.pid now belongs to another program', async () => {
    const dataDir = path.join(await tempDir(), 'postgres');
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    const lock = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
    await first.stop();
    // After a reboot or in a new container the old pid is soon someone else's.
    // Run as the user PostgreSQL runs as (as root: `postgres`), else PostgreSQL knows it is not its own.
    const other = spawn('sleep', ['60'], postgresUser());
    children.push(other);
    await fs.writeFile(path.join(dataDir, 'postmaster.pid'), lock.replace(/^\d+/, String(other.pid)));

    const server = await startEmbeddedPostgres({ dataDir, port, notice: () => {} });
    servers.push(server);
    expect(await answers(server.url)).toBe(42);
    expect(processInfo(other.pid!)).toBeDefined();
  });

  it("never stops another cluster's PostgreSQL that has the pid of its stale postmaster.pid", async () => {
    const dataDir = path.join(await tempDir(), 'postgres');
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    const lock = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
    await first.stop();
    const neighbourDir = path.join(await tempDir(), 'postgres');
    const neighbour = await startEmbeddedPostgres({ dataDir: neighbourDir, port: await freePort() });
    servers.push(neighbour);
    const neighbourLock = await fs.readFile(path.join(neighbourDir, 'postmaster.pid'), 'utf8');
    const neighbourPid = Number(neighbourLock.split('\n')[0]);
    await fs.writeFile(path.join(dataDir, 'postmaster.pid'), lock.replace(/^\d+/, String(neighbourPid)));

    const server = await startEmbeddedPostgres({ dataDir, port, notice: () => {} });
    servers.push(server);
    expect(await answers(server.url)).toBe(42);
    expect(await answers(neighbour.url)).toBe(42);
  });

  it('starts again after its PostgreSQL was killed while one of its backends still held its memory', async () => {
    const dataDir = path.join(await tempDir(), 'postgres');
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    servers.push(first);
    const client = new pg.Client({ connectionString: first.url });
    client.on('error', () => {});
    await client.connect();
    const backend: number = (await client.query('select pg_backend_pid() as pid')).rows[0].pid;
    // A backend that has not yet noticed its postmaster died, as on a loaded machine: it holds the memory.
    process.kill(backend, 'SIGSTOP');
    try {
      const postmaster = Number(
        (await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
      );
      process.kill(postmaster, 'SIGKILL');
      setTimeout(() => process.kill(backend, 'SIGCONT'), 1500);
      const second = await startEmbeddedPostgres({ dataDir, port, notice: () => {} });
      servers.push(second);
      expect(await answers(second.url)).toBe(42);
    } finally {
      if (processInfo(backend)) process.kill(backend, 'SIGCONT');
    }
  });

  it('refuses, in one sentence, a folder whose PostgreSQL a live vlm-loop runs, and leaves that one be', async () => {
    const dataDir = path.join(await tempDir(), 'postgres');
    const port = await freePort();
    const { child, postmaster } = await holder(dataDir, port);

    const error = await startEmbeddedPostgres({ dataDir, port: await freePort() }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(`another vlm-loop (pid ${child.pid}) is already using the database`);
    expect(processInfo(postmaster)).toBeDefined();
  });

  it('says which port is taken, instead of rejecting with undefined', async () => {
    const port = await freePort();
    // PostgreSQL listens on localhost: take the port on both loopback addresses.
    const blockers = [net.createServer().listen(port, '127.0.0.1')];
    const v6 = net.createServer().listen(port, '::1');
    v6.on('error', () => {}); // a host without IPv6: PostgreSQL cannot bind it either
    blockers.push(v6);
    try {
      const error = await startEmbeddedPostgres({
        dataDir: path.join(await tempDir(), 'postgres'),
        port,
      }).catch((e) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toContain(`port ${port} is taken by another program: set VLM_LOOP_PG_PORT`);
    } finally {
      for (const b of blockers) b.close();
    }
  });

  it('tells its owner when PostgreSQL dies under it, but not when asked to stop', async () => {
    const dataDir = path.join(await tempDir(), 'postgres');
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    servers.push(server);
    const reasons: string[] = [];
    const died = new Promise<void>((resolve) =>
      server.onUnexpectedExit((reason) => {
        reasons.push(reason);
        resolve();
      }),
    );
    const pid = Number((await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    await died;
    expect(reasons).toEqual([
      expect.stringMatching(/PostgreSQL \(pid \d+\) exited unexpectedly \(SIGKILL\)/),
    ]);

    const calm = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    servers.push(calm);
    let called = false;
    calm.onUnexpectedExit(() => {
      called = true;
    });
    await calm.stop();
    expect(called).toBe(false);
  });

  it.runIf(process.platform === 'linux')(
    'starts on a folder whose first initdb was killed half-way (with the process that ran it)',
    async () => {
      const dataDir = path.join(await tempDir(), 'postgres');
      const port = await freePort();
      const child = spawnHolder(dataDir, port);
      // PG_VERSION is among initdb's first files; the cluster is far from whole then.
      const begun = () =>
        Promise.any([`${dataDir}.initialising`, dataDir].map((d) => fs.access(path.join(d, 'PG_VERSION'))));
      for (
        let i = 0;
        i < 2000 &&
        !(await begun().then(
          () => true,
          () => false,
        ));
        i++
      )
        await new Promise((r) => setTimeout(r, 5));
      const below = await descendants(child.pid!);
      expect(below.length).toBeGreaterThan(0); // initdb still at work: the cut is mid-way
      await killed(child);
      for (const pid of below) if (processInfo(pid)) process.kill(pid, 'SIGKILL');

      const server = await startEmbeddedPostgres({ dataDir, port });
      servers.push(server);
      expect(await answers(server.url)).toBe(42);
    },
  );

  it.runIf(process.getuid?.() === 0)(
    'runs as root with its data folder inside a private (0700) folder',
    async () => {
      const privateDir = await tempDir();
      await fs.chmod(privateDir, 0o700);
      const dataDir = path.join(privateDir, 'data', 'postgres');
      const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
      servers.push(server);
      expect(await answers(server.url)).toBe(42);
      // The private folder stays private: nothing was opened up to other users.
      expect((await fs.stat(privateDir)).mode & 0o777).toBe(0o700);
    },
  );
});
