import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { processInfo } from '../../src/db/postmaster.ts';
import { newSite, postmasterPid, removeSite, type Site, spawnServe } from './serve-process.ts';

// Whole processes start and stop here: on a shared 2-core machine that can take a while.
describe('serve that cannot start', { timeout: 120_000 }, () => {
  const children: ChildProcess[] = [];
  let site: Site | undefined;
  afterAll(async () => {
    if (site) await removeSite(site, children);
  });

  it('says in one line that its port is taken, and leaves no PostgreSQL behind', async () => {
    site = await newSite();
    const blocker = net.createServer().listen(site.port, '127.0.0.1');
    try {
      const serve = spawnServe(site, children);
      expect((await serve.exit).code).toBe(1);
      // The last line: as root, a line before it says where the cluster was kept (see root-cluster.ts).
      expect(serve.output.join('').split('\n').at(-2)).toBe(
        `vlm-loop: listen EADDRINUSE: address already in use 127.0.0.1:${site.port}: ` +
          'another program uses that port; set PORT (or --port) to a free one',
      );
      const pid = await postmasterPid(site);
      expect(pid === undefined || processInfo(pid) === undefined).toBe(true);
    } finally {
      blocker.close();
    }
  });
});
