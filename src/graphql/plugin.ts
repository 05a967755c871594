import fs from 'node:fs/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ExecutionResult, GraphQLError as GraphQLErrorType } from 'graphql';
import mercurius, { type MercuriusContext } from 'mercurius';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors/problem.ts';
import type { App } from '../http/app-type.ts';
import { sendProblem, toProblem } from '../http/problem-json.ts';
import { appErrorExtensions, type GqlContext } from './context.ts';
import { CostCheckCache } from './cost-cache.ts';
import { graphql } from './graphql-js.ts';
import { costLimitRule, depthLimitRule, selectionLimitErrors } from './limits.ts';
import { loaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { KeySockets, SWEEP_MS } from './revocation.ts';
import { subscriptionResolvers } from './subscriptions.ts';

const { GraphQLError, specifiedRules, validate } = graphql;

export const GRAPHQL_PATH = '/graphql';
/** The contract: the SDL file is the schema, resolvers only implement it. */
const SCHEMA_FILE = new URL('../../schema/schema.graphql', import.meta.url);

/**
 * A websocket upgrade to /graphql skips the HTTP auth hook: browsers cannot send headers there, so the
 * key arrives in connection_init and is checked by `onConnect` below. Only a real upgrade (a GET with both headers,
 * which Node hands to the websocket server) qualifies; and resolvers refuse a context without a principal.
 */
export function authenticatesOnConnect(request: FastifyRequest): boolean {
  const { upgrade, connection } = request.headers;
  return (
    request.method === 'GET' &&
    request.url.split('?')[0] === GRAPHQL_PATH &&
    upgrade?.toLowerCase() === 'websocket' &&
    /(^|,)\s*upgrade\s*(,|$)/i.test(connection ?? '')
  );
}

/** GraphQL (Mercurius) on the same services and keys as REST, with batched loaders, limits and subscriptions. */
export const graphqlPlugin = (ctx: AppContext) => async (app: App) => {
  // The GraphQL routes are not REST operations: keep them out of the OpenAPI document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  const { maxDepth, maxCost, maxTokens } = ctx.config.graphql;
  const base = () => ({ services: ctx.services, events: ctx.events });
  // Revoking a key ends its open subscriptions (a websocket authenticates only at connection_init).
  const keySockets = new KeySockets((keyId) => ctx.services.auth.isActive(keyId));
  // Watched from listen on, when sockets can exist: building the app (for the OpenAPI document, say) needs
  // no services.
  let stopWatching = () => {};
  app.addHook('onListen', async () => {
    const stopListening = ctx.services.auth.onRevoked((keyId) => keySockets.revoked(keyId));
    const sweeping = setInterval(() => void keySockets.sweep(), SWEEP_MS);
    sweeping.unref();
    stopWatching = () => {
      stopListening();
      clearInterval(sweeping);
    };
  });
  app.addHook('onClose', async () => stopWatching());
  await app.register(mercurius, {
    schema: await fs.readFile(SCHEMA_FILE, 'utf8'),
    resolvers: { ...resolvers, Subscription: subscriptionResolvers as never },
    loaders: loaders as never,
    path: GRAPHQL_PATH,
    graphiql: false,
    // Compiles a query with graphql-jit from its second use: the profile showed graphql-js's generic
    // executor among the costs of a dataset-state query (bench/results/reads.md).
    jit: 1,
    validationRules: [depthLimitRule(maxDepth)],
    // The parser gives up past maxTokens, so an oversized document is refused before it is all read.
    graphql: { parseOptions: { maxTokens } },
    context: (request) => ({ ...base(), principal: request.principal ?? null }),
    errorFormatter: formatErrors,
    errorHandler: handleError,
    subscription: {
      context: (socket) => ({ ...base(), principal: null, socket, keySockets }),
      onConnect: async ({ payload }) => {
        try {
          return { principal: await ctx.services.auth.authenticate(authorizationOf(payload)) };
        } catch {
          return false;
        }
      },
    },
  });
  // Before validation, whose rules take seconds over thousands of selections (see selectionLimitErrors).
  app.graphql.addHook('preValidation', async (_schema, document) => {
    rejectIfInvalid(selectionLimitErrors(document, ctx.config.graphql));
  });
  // The cost depends on page sizes, which may be variables: checked per request, before execution
  // (remembered per document and variables).
  const costChecks = new CostCheckCache();
  app.graphql.addHook('preExecution', async (schema, document, _context, variables) => {
    rejectIfInvalid(
      costChecks.check(document, variables, () =>
        validate(schema, document, [costLimitRule(maxCost, variables)]),
      ),
    );
  });
  // Mercurius does not validate subscriptions beyond depth; give them the rules queries get.
  app.graphql.addHook('preSubscriptionExecution', async (schema, document) => {
    refuseSubscriptionIf(selectionLimitErrors(document, ctx.config.graphql));
    refuseSubscriptionIf(
      validate(schema, document, [...specifiedRules, depthLimitRule(maxDepth), costLimitRule(maxCost, {})]),
    );
  });
};

/**
 * A refused subscription reaches the client as the one error Mercurius was thrown; a GraphQLError
 * arrives as it is, with its code and limit, where a wrapper would arrive as "GraphQL validation error".
 */
function refuseSubscriptionIf(errors: readonly GraphQLErrorType[]): void {
  if (errors.length > 0) throw errors[0];
}

/** Thrown as Mercurius throws its own validation errors: a 400 listing each GraphQL error. */
function rejectIfInvalid(errors: readonly GraphQLErrorType[]): void {
  if (errors.length === 0) return;
  throw Object.assign(new Error('GraphQL validation error'), { statusCode: 400, errors });
}

function authorizationOf(payload: unknown): string | undefined {
  const p = (payload ?? {}) as Record<string, unknown>;
  const headers = (p.headers ?? p) as Record<string, unknown>;
  const value = headers.authorization ?? headers.Authorization;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Service errors carry their kind as `extensions.code` (FORBIDDEN, NOT_FOUND, VALIDATION, ...) and the
 * offending fields as `extensions.errors`, as REST's problem+json does; unexpected errors are logged
 * and shown only as "internal error".
 */
function formatErrors(
  execution: ExecutionResult & { errors: readonly GraphQLErrorType[] },
  context: MercuriusContext,
) {
  const log = context.reply?.log ?? context.app.log;
  const errors = execution.errors.map((error) => {
    const original = error.originalError;
    if (original instanceof AppError)
      return new GraphQLError(original.message, {
        nodes: error.nodes,
        path: error.path,
        originalError: original,
        extensions: appErrorExtensions(original),
      });
    if (
      original &&
      !(original instanceof GraphQLError) &&
      !('statusCode' in original) &&
      !('errors' in original)
    ) {
      log.error({ err: original }, 'graphql resolver failed');
      return new GraphQLError('internal error; it has been logged', {
        nodes: error.nodes,
        path: error.path,
        extensions: { code: 'INTERNAL' },
      });
    }
    return error;
  });
  return mercurius.defaultErrorFormatter({ ...execution, errors }, context);
}

/** Errors before execution: the auth hook's as problem+json like REST, the rest as GraphQL responses. */
async function handleError(error: Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) return sendProblem(reply, toProblem(error, request));
  const gqlError =
    error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error });
  const { statusCode, response } = formatErrors({ errors: [gqlError] }, {
    reply,
    app: reply.server,
  } as unknown as GqlContext);
  return reply.code(statusCode).send(response);
}
