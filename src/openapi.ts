import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import type { AppContext } from './context.ts';

/**
 * The OpenAPI document as committed in openapi/: built from the route schemas alone, with no database,
 * so the drift check and the generator need nothing running.
 */
export async function renderOpenApi(): Promise<string> {
  const ctx = { config: loadConfig({}), services: {} } as unknown as AppContext;
  const app = await buildApp(ctx);
  await app.ready();
  const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  return text;
}
