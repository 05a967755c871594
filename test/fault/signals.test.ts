import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { processInfo } from '../../src/db/postmaster.ts';
import { api, newSite, postmasterPid, removeSite, type Site, startServe } from './serve-process.ts';

// Whole processes start and stop here: on a shared 2-core machine that can take a while.
describe('serve stopped from a terminal', { timeout: 120_000 }, () => {
  const children: ChildProcess[] = [];
  let site: Site | undefined;
  afterAll(async () => {
    if (site) await removeSite(site, children);
  });

  it('exits 0 on Ctrl-C, which reaches its PostgreSQL too, and starts again', async () => {
    site = await newSite();
    const serve = await startServe(site, children, { detached: true });
    const postgres = (await postmasterPid(site))!;
    process.kill(-serve.child.pid!, 'SIGINT'); // what a terminal does: the whole foreground group
    expect((await serve.exit).code).toBe(0);
    expect(serve.output.join('')).not.toContain('exited unexpectedly');
    expect(processInfo(postgres)).toBeUndefined();
    await startServe(site, children);
    expect((await api(site, 'GET', '/health')).status).toBe(200);
  });
});
