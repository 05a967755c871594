import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../src/db/embedded.ts';

/**
 * One real PostgreSQL for the whole test run (embedded, or DATABASE_URL when set);
 * each test file makes its own database from it (see test/helpers/db.ts).
 */
let server: EmbeddedServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  // The browser tests load /app from the server under test: build it from the current sources.
  const { buildWeb } = await import('../../web/scripts/build.ts');
  await buildWeb();
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-test-pg-'));
    const port = 55000 + Math.floor(Math.random() * 5000);
    server = await startEmbeddedPostgres({ dataDir: dir, port, log: () => {} });
    adminUrl = server.url;
  }
  project.provide('pgAdminUrl', adminUrl);
}

export async function teardown(): Promise<void> {
  await server?.stop({ removeData: true });
}
