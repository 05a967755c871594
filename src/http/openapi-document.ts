import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { RouteOptions } from 'fastify';

/** The tags of the document, one per domain; every /v1 route names one of them. */
export const API_TAGS = [
  { name: 'projects', description: 'Projects: the unit of access, each with its categories' },
  { name: 'categories', description: 'The categories (classes) of a project' },
  { name: 'images', description: 'Image upload, listing, splits and pool state' },
  { name: 'labels', description: 'Instance labels (masks) on images' },
  { name: 'coco', description: 'COCO instance-label import and streamed export' },
  { name: 'exports', description: 'COCO exports written in the background, then downloaded' },
  {
    name: 'passes',
    description: 'Predict-and-judge passes: a model predicts, a judge (oracle, VLM or human) decides',
  },
  {
    name: 'runs',
    description:
      'Active-learning runs: iterations of pass, train and evaluate, with costs and learning curves',
  },
  { name: 'training', description: 'Training jobs on the worker pool' },
  { name: 'models', description: 'Model versions (ONNX), their lineage, activation and upload' },
  { name: 'evaluations', description: 'COCO evaluation of model versions or of results' },
  { name: 'webhooks', description: 'Webhook endpoints (Standard Webhooks) and their delivery log' },
  {
    name: 'integrations',
    description: 'Labelling tools (CVAT, FiftyOne): URL allow-list, CVAT connection and its webhook',
  },
  { name: 'api-keys', description: 'API keys: admin keys and keys scoped to one project' },
  { name: 'workers', description: 'The live worker pool' },
  { name: 'health', description: 'Liveness and readiness, without a key' },
  {
    name: 'integrations',
    description:
      'Labelling tools using the service as a live model: the Label Studio ML backend (HTTP Basic with a key as password accepted) and its settings',
  },
];

/**
 * The problem+json responses, shared as components/responses: every operation names the ones it can
 * give by `$ref` instead of repeating them.
 */
const PROBLEM_RESPONSES: Record<string, { name: string; description: string }> = {
  '400': { name: 'BadRequest', description: 'The request is malformed or a parameter is invalid' },
  '401': { name: 'Unauthorized', description: 'No API key, or an unknown or revoked one' },
  '403': { name: 'Forbidden', description: 'The API key may not do this, or not in this project' },
  '404': { name: 'NotFound', description: 'No such resource, or none in this project' },
  '409': { name: 'Conflict', description: 'The resource is not in a state that allows this' },
  '413': { name: 'ContentTooLarge', description: 'The body, a file or the number of files is over a limit' },
  '415': {
    name: 'UnsupportedMediaType',
    description: 'The body or a file is of a type this route does not take',
  },
  '422': {
    name: 'UnprocessableContent',
    description: 'The request is well-formed but its content is refused',
  },
};
const PROBLEM_SCHEMA_REF = '#/components/schemas/Problem';

type Json = Record<string, unknown>;

const operationsOf = (document: Json): Json[] =>
  Object.values((document.paths ?? {}) as Record<string, Record<string, Json>>).flatMap((pathItem) =>
    Object.values(pathItem),
  );

/** Replaces each operation's problem response by a `$ref` to the shared one for its status. */
function shareProblemResponses(document: Json): void {
  for (const operation of operationsOf(document)) {
    const operationResponses = (operation.responses ?? {}) as Record<string, Json>;
    for (const [status, response] of Object.entries(operationResponses)) {
      const schemas = Object.values((response.content ?? {}) as Record<string, { schema?: Json }>);
      const isProblem = schemas.length > 0 && schemas.every((m) => m.schema?.$ref === PROBLEM_SCHEMA_REF);
      const shared = PROBLEM_RESPONSES[status];
      if (isProblem && shared) operationResponses[status] = { $ref: `#/components/responses/${shared.name}` };
    }
  }
}

/**
 * A parameter that several operations declare alike (`projectId`, `limit`, `cursor`, ...) becomes one
 * components/parameters entry, named after it, that they `$ref`. Where operations declare a name in
 * different ways (say, a `limit` with another maximum), the most common way is shared and the others
 * stay inline.
 */
function shareParameters(document: Json): void {
  const keyOf = (p: Json) => `${String(p.in)} ${String(p.name)}`;
  const counts = new Map<string, Map<string, number>>();
  for (const operation of operationsOf(document))
    for (const parameter of (operation.parameters ?? []) as Json[]) {
      const spellings = counts.get(keyOf(parameter)) ?? new Map<string, number>();
      const spelling = JSON.stringify(parameter);
      spellings.set(spelling, (spellings.get(spelling) ?? 0) + 1);
      counts.set(keyOf(parameter), spellings);
    }
  const shared = new Map<string, string>();
  const parameters: Record<string, unknown> = {};
  for (const spellings of counts.values()) {
    // The first of the most common spellings: Map keeps the order the operations were seen in.
    const [spelling, count] = [...spellings].reduce((best, next) => (next[1] > best[1] ? next : best));
    const parameter = JSON.parse(spelling) as Json;
    const name = String(parameter.name).replace(/^./, (c) => c.toUpperCase());
    if (count < 2 || name in parameters) continue;
    parameters[name] = parameter;
    shared.set(spelling, `#/components/parameters/${name}`);
  }
  for (const operation of operationsOf(document))
    if (Array.isArray(operation.parameters))
      operation.parameters = (operation.parameters as Json[]).map((p) => {
        const $ref = shared.get(JSON.stringify(p));
        return $ref ? { $ref } : p;
      });
  const components = (document.components ?? {}) as Json;
  components.parameters = parameters;
  document.components = components;
}

/** The document as served and committed: shared error responses and parameters by `$ref`. */
function shareRepeatedParts(document: Json): Json {
  shareProblemResponses(document);
  shareParameters(document);
  return document;
}

/** @fastify/swagger's options: components named by their `$id`, shared error responses, tags. */
export function swaggerOptions(): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'vlm-loop',
        version: '1',
        description:
          'Annotation-as-a-service for instance segmentation with a VLM in the human-in-the-loop. ' +
          'Projects hold images, categories and instance labels (COCO masks); a model trained on the labelled ' +
          'pool predicts on the unlabelled one, and a judge (the oracle, a VLM or human reviewers) decides which ' +
          'predictions become labels. Runs repeat this as active learning and account for every cost.\n\n' +
          'Every request except health, readiness and this document needs an API key as a bearer token. ' +
          'Errors are RFC 9457 problem details (application/problem+json). Listings are paginated with ' +
          '`limit` and the `nextCursor` of the previous page. The same data and live progress are also ' +
          'served over GraphQL at /graphql.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [
        { url: '/', description: 'The vlm-loop server that serves this document (default port 8080)' },
      ],
      tags: API_TAGS,
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          basicAuth: { type: 'http', scheme: 'basic', description: 'Any user name; an API key as password' },
        },
        responses: Object.fromEntries(
          Object.values(PROBLEM_RESPONSES).map(({ name, description }) => [
            name,
            {
              description,
              content: { 'application/problem+json': { schema: { $ref: PROBLEM_SCHEMA_REF } } },
            },
          ]),
        ),
      },
      security: [{ bearerAuth: [] }],
    },
    // Components are named by their $id (see routes/schemas.ts `component`).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`),
    },
    transform: ({ schema, url, route }) => {
      const body = (route.config as { multipartBody?: unknown } | undefined)?.multipartBody;
      return body
        ? { schema: { ...schema, body, consumes: ['multipart/form-data'] } as never, url }
        : { schema, url };
    },
    transformObject: (document) =>
      shareRepeatedParts(
        ('openapiObject' in document ? document.openapiObject : document.swaggerObject) as Json,
      ),
  };
}

const OPERATION_ID = /^[a-z][A-Za-z0-9]*$/;
const TAG_NAMES = new Set(API_TAGS.map((t) => t.name));

/**
 * An onRoute check, so the document cannot regress: every /v1 route has a camelCase operationId and a
 * known tag, and no two routes share an operationId.
 */
export function operationIdCheck(): (route: RouteOptions) => void {
  const seen = new Map<string, string>();
  return (route) => {
    const methods = ([] as string[]).concat(route.method);
    // Fastify adds a HEAD route for each GET, with the same schema: it is not an operation of its own.
    if (methods.every((m) => m === 'HEAD')) return;
    const schema = (route.schema ?? {}) as { operationId?: unknown; tags?: unknown; hide?: boolean };
    const where = `route ${methods.join(',')} ${route.url}`;
    if (schema.operationId === undefined) {
      if (route.url.startsWith('/v1/') && !schema.hide)
        throw new Error(`${where} must declare an operationId`);
      return;
    }
    if (typeof schema.operationId !== 'string' || !OPERATION_ID.test(schema.operationId))
      throw new Error(`${where}: operationId ${String(schema.operationId)} must be camelCase`);
    const other = seen.get(schema.operationId);
    if (other !== undefined)
      throw new Error(`${where}: operationId ${schema.operationId} is already used by ${other}`);
    seen.set(schema.operationId, where);
    const tags = Array.isArray(schema.tags) ? schema.tags : [];
    if (tags.length === 0 || !tags.every((t) => TAG_NAMES.has(t)))
      throw new Error(`${where} must be tagged with one of: ${[...TAG_NAMES].join(', ')}`);
  };
}
