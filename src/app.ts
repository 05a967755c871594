import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions, type RouteOptions } from 'fastify';
import type { AppContext } from './context.ts';
import type { Principal } from './domains/auth/auth.service.ts';
import { authenticatesOnConnect, graphqlPlugin } from './graphql/plugin.ts';
import { finiteKeyword, pathIds } from './http/ids.ts';
import { boundedJsonParser } from './http/json-body.ts';
import { lazySerializers, lazyValidators } from './http/lazy-compilers.ts';
import { operationIdCheck, swaggerOptions } from './http/openapi-document.ts';
import { sendProblem, toProblem } from './http/problem-json.ts';
import { componentSchemas } from './http/schemas.ts';
import { webAppRoutes } from './http/web-app.ts';
import { registerRoutes } from './routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

// The instance type lives apart so that route modules can name it without importing this file.
import type { App } from './http/app-type.ts';

export type { App };

// The CVAT webhook authenticates by its signature (X-Signature-256), checked by the receiver.
const PUBLIC_PATHS = [
  /^\/health$/,
  /^\/ready$/,
  /^\/openapi\.json$/,
  /^\/docs(\/|$)/,
  /^\/v1\/projects\/\d+\/cvat\/webhook$/,
  // The web app's files; its pages call the API with the key the person gives them.
  /^\/app(\/|$)/,
];

/** The whole HTTP surface as one Fastify instance; `server.ts` alone makes it listen. */
export async function buildApp(ctx: AppContext, options: FastifyServerOptions = {}): Promise<App> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: ctx.config.http.maxJsonBytes,
    // Headers and body must have arrived within this long (Node answers 408), checked every second or so.
    requestTimeout: ctx.config.http.requestTimeoutMs,
    // (Node enforces requestTimeout only where headersTimeout is no longer than it.)
    http: {
      connectionsCheckingInterval: Math.min(1000, ctx.config.http.requestTimeoutMs),
      headersTimeout: Math.min(60_000, ctx.config.http.requestTimeoutMs),
    },
    // close() ends every socket, so a client holding one open cannot hold up a shutdown.
    forceCloseConnections: true,
    ajv: {
      customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true },
      plugins: [finiteKeyword],
    },
    schemaController: {
      compilersFactory: { buildSerializer: lazySerializers(), buildValidator: lazyValidators() },
    },
    ...options,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: 'https://vlm-loop.dev/problems/not-found',
      title: 'Not Found',
      status: 404,
      detail: `no route ${request.method} ${request.url.split('?')[0]}`,
      instance: request.url,
    }),
  );

  boundedJsonParser(app, ctx.config.http.maxJsonDepth);
  // A request that came as an HTTP upgrade but was answered over HTTP (refused, not found, not a
  // websocket route) has no parser behind it any more: end its socket, or it stays open for good.
  app.addHook('onResponse', async (request) => {
    if (request.raw.headers.upgrade !== undefined) request.raw.socket.destroy();
  });
  // Every named schema once, before any route refers to it (see routes/schemas.ts `component`).
  for (const schema of componentSchemas()) app.addSchema(schema);
  await app.register(swagger, swaggerOptions());
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  await app.register(multipart, {
    limits: {
      fileSize: ctx.config.upload.maxFileBytes,
      files: ctx.config.upload.maxFiles,
      fieldSize: 1024 * 1024,
    },
  });

  app.decorateRequest('principal', null as unknown as Principal);
  // Access is settled before any body is read or validated: a foreign key learns nothing from error details.
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0];
    if (PUBLIC_PATHS.some((re) => re.test(path))) {
      pathIds(request.params); // ids spelled canonically on public routes too (the CVAT webhook's)
      return;
    }
    if (authenticatesOnConnect(request)) return;
    // Labelling tools' integrations may authenticate with HTTP Basic (a key as password): all some can send.
    request.principal = await ctx.services.auth.authenticate(request.headers.authorization, {
      basic: path.startsWith('/integrations/'),
    });
    const { projectId } = pathIds(request.params);
    if (projectId !== undefined) ctx.services.auth.assertProjectAccess(request.principal, projectId);
  });
  // Checked again on the validated value the handler receives, so no coercion can ever sit between
  // what was authorised and what is used.
  app.addHook('preHandler', async (request) => {
    const { projectId } = (request.params ?? {}) as { projectId?: number };
    // A public route has no principal: it authenticates otherwise (the CVAT webhook by its signature).
    if (projectId !== undefined && request.principal)
      ctx.services.auth.assertProjectAccess(request.principal, projectId);
  });
  app.addHook('onRoute', assertProjectIdSchema);
  app.addHook('onRoute', operationIdCheck());

  await registerRoutes(app, ctx);
  await app.register(webAppRoutes());
  await app.register(graphqlPlugin(ctx));
  return app;
}

/** A route naming `:projectId` must declare it as an id, or the preHandler's check would see a string. */
function assertProjectIdSchema(route: RouteOptions): void {
  if (!route.url.includes(':projectId')) return;
  const params = (route.schema?.params ?? {}) as { properties?: Record<string, { type?: string }> };
  if (params.properties?.projectId?.type !== 'integer')
    throw new Error(`route ${route.method} ${route.url} must declare projectId as an integer path parameter`);
}
