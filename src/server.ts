import { type App, buildApp } from './app.ts';
import type { Config } from './config.ts';
import { type AppContext, createContext } from './context.ts';
import { startWorker } from './worker/start.ts';
import type { Worker } from './worker/worker.ts';

export interface RunningServer {
  app: App;
  ctx: AppContext;
  url: string;
  /** Set only when this start generated the admin key: it is shown once and never stored. */
  newAdminKey: string | undefined;
  /** The in-process worker, unless config.inProcessWorker is off. */
  worker: Worker | undefined;
  close(): Promise<void>;
}

/** The only place that listens: builds the context and the app, then binds the port. */
export async function startServer(
  config: Config,
  options: { logger?: boolean } = {},
): Promise<RunningServer> {
  const ctx = await createContext(config);
  let worker: Worker | undefined;
  let app: App | undefined;
  try {
    const newAdminKey = await ctx.services.auth.ensureAdminKey(config.adminKey);
    app = await buildApp(ctx, {
      logger: options.logger === false ? false : { level: config.logLevel },
    });
    const url = await app.listen({ host: config.host, port: config.port });
    const log = app.log;
    if (config.inProcessWorker)
      worker = await startWorker(ctx, { log: (line) => log.info({ worker: true }, line) });
    let closing: Promise<void> | undefined;
    const close = () => {
      // The worker first: it hands its running jobs back to the queue while the database is still open.
      closing ??= (worker?.stop() ?? Promise.resolve()).then(() => app!.close()).then(() => ctx.close());
      return closing;
    };
    return { app, ctx, url, newAdminKey, worker, close };
  } catch (err) {
    await worker?.stop();
    await app?.close();
    await ctx.close();
    throw err;
  }
}
