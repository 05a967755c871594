import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { startServer } from '../../server.ts';
import { closeOnSignals, exitWhenDatabaseDies } from '../shutdown.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Start the API (and, unless --no-worker, an in-process worker) on DATABASE_URL or an embedded PostgreSQL',
    )
    .option('-p, --port <port>', 'port to listen on (env PORT)', (v) => Number(v))
    .option('--host <host>', 'address to bind (env HOST)')
    .option('--data-dir <dir>', 'folder for the embedded database and blobs (env VLM_LOOP_DATA_DIR)')
    .option('--no-worker', 'do not run a worker inside this process')
    .action(async (opts: { port?: number; host?: string; dataDir?: string; worker: boolean }) => {
      if (opts.dataDir) process.env.VLM_LOOP_DATA_DIR = opts.dataDir;
      const config = loadConfig(process.env, {
        ...(opts.port !== undefined && { port: opts.port }),
        ...(opts.host && { host: opts.host }),
        inProcessWorker: opts.worker,
      });
      const server = await startServer(config);
      closeOnSignals(server.close, config.shutdownTimeoutMs);
      exitWhenDatabaseDies(server.ctx.database, server.close);
      printBanner(server.url, server.newAdminKey);
    });
}

export function printBanner(url: string, newAdminKey: string | undefined): void {
  const lines = [
    `vlm-loop is listening on ${url}`,
    `  API docs:  ${url}/docs`,
    `  OpenAPI:   ${url}/openapi.json`,
  ];
  if (newAdminKey)
    lines.push(
      `  Admin API key (shown once, store it now): ${newAdminKey}`,
      '  Use it as: Authorization: Bearer <key>',
    );
  process.stdout.write(`${lines.join('\n')}\n`);
}
