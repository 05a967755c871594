import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { png } from '../helpers/images.ts';
import {
  api,
  damage,
  kill9,
  newSite,
  removeSite,
  type Serve,
  type Site,
  spawnServe,
  startServe,
  waitFor,
} from './serve-process.ts';

/** Fast liveness so a killed worker is found dead in seconds, not the default half minute. */
const LIVENESS = { VLM_LOOP_WORKER_HEARTBEAT_MS: '300', VLM_LOOP_WORKER_STALE_MS: '1500' };

/** Workers as their own processes beside a serve without one; killed with SIGKILL. */
// Whole processes start and stop here: on a shared 2-core machine that can take a while.
describe('a worker killed with SIGKILL', { timeout: 120_000 }, () => {
  const children: ChildProcess[] = [];
  let site: Site;
  let projectId: number;

  const startWorker = async (): Promise<Serve> => {
    const worker = spawnServe(site, children, {
      command: 'worker',
      env: { ...LIVENESS, DATABASE_URL: site.dbUrl },
    });
    await waitFor(async () => {
      if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output.join('')}`);
      const live = (await api(site, 'GET', '/v1/workers')).body.data as { pid: number }[];
      return live.some((w) => w.pid === worker.child.pid);
    }, 60_000);
    return worker;
  };

  beforeAll(async () => {
    site = await newSite();
    await startServe(site, children, { env: { ...LIVENESS, VLM_LOOP_IN_PROCESS_WORKER: 'false' } });
    projectId = (await api(site, 'POST', '/v1/projects', { name: 'w', categories: [{ name: 'cat' }] })).body
      .id;
    const form = new FormData();
    form.append('files', new Blob([await png(64, 48, 1)]), 'one.png');
    await fetch(`${site.url}/v1/projects/${projectId}/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${site.adminKey}` },
      body: form,
    });
  });

  afterAll(async () => {
    if (site) await removeSite(site, children);
  });

  it('is found dead, and work queued meanwhile is done by the next worker', async () => {
    const first = await startWorker();
    await kill9(first);
    await waitFor(async () => {
      const live = (await api(site, 'GET', '/v1/workers')).body.data as { pid: number }[];
      return !live.some((w) => w.pid === first.child.pid);
    }, 30_000);
    const queued = await api(site, 'POST', `/v1/projects/${projectId}/exports`, {});
    expect(queued.status).toBe(202);

    await startWorker();
    let status = '';
    await waitFor(async () => {
      status = (await api(site, 'GET', `/v1/projects/${projectId}/exports/${queued.body.id}`)).body.status;
      return status !== 'queued';
    }, 30_000);
    expect(status).toBe('ready');
    expect(await damage(site)).toEqual({ imagesWithoutBlob: [], labelsWithoutImage: [], orphanedBlobs: [] });
  });

  it('on the embedded database of a running serve (no DATABASE_URL) is refused in one sentence', async () => {
    const worker = spawnServe(site, children, { command: 'worker' });
    expect((await worker.exit).code).toBe(1);
    expect(worker.output.join('')).toMatch(
      /^vlm-loop: another vlm-loop \(pid \d+\) is already using the database in .*: stop it first, or give this one its own VLM_LOOP_DATA_DIR \(or a shared DATABASE_URL\)\n$/,
    );
  });
});
