import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../../src/client/api-client.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { freshDatabaseUrl } from './db.ts';

export interface TestServer {
  server: RunningServer;
  url: string;
  adminKey: string;
  admin: ApiClient;
  dataDir: string;
  close(): Promise<void>;
}

/** The real app on a real port over its own database on the test run's PostgreSQL. */
export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-test-'));
  const adminKey = `vlm_test_admin_${Math.random().toString(36).slice(2)}`;
  const config = loadConfig(
    {},
    {
      databaseUrl: await freshDatabaseUrl(),
      dataDir,
      blobDir: path.join(dataDir, 'blobs'),
      port: 0,
      adminKey,
      inProcessWorker: false,
      ...overrides,
    },
  );
  const server = await startServer(config, { logger: false });
  return {
    server,
    url: server.url,
    adminKey,
    admin: new ApiClient(server.url, adminKey),
    dataDir,
    async close() {
      await server.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch with a key, returning status, headers and parsed body without throwing on errors. */
export async function call(
  url: string,
  key: string | undefined,
  method: string,
  body?: unknown,
): Promise<{ status: number; type: string; body: any }> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  let payload: string | FormData | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, { method, headers, body: payload });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  return { status: res.status, type, body: type.includes('json') && text ? JSON.parse(text) : text };
}
