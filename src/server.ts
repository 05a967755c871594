import { type App, buildApp } from './app.ts';
import type { Config } from './config.ts';
import { type AppContext, createContext } from './context.ts';

export interface RunningServer {
  app: App;
  ctx: AppContext;
  url: string;
  /** Set only when this start generated the admin key: it is shown once and never stored. */
  newAdminKey: string | undefined;
  close(): Promise<void>;
}

/** The only place that listens: builds the context and the app, then binds the port. */
export async function startServer(config: Config, options: { logger?: boolean } = {}): Promise<RunningServer> {
  const ctx = await createContext(config);
  try {
    const newAdminKey = await ctx.services.auth.ensureAdminKey(config.adminKey);
    const app = await buildApp(ctx, {
      logger: options.logger === false ? false : { level: config.logLevel },
    });
    const url = await app.listen({ host: config.host, port: config.port });
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= app.close().then(() => ctx.close());
      return closing;
    };
    return { app, ctx, url, newAdminKey, close };
  } catch (err) {
    await ctx.close();
    throw err;
  }
}
