import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type InvalidParam, type ProblemKind } from '../errors/problem.ts';

const STATUS: Record<ProblemKind, number> = {
  'bad-request': 400,
  validation: 422,
  'not-found': 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const PROBLEM_TYPE_BASE = 'https://vlm-loop.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  /** RFC 9457 extension: one entry per offending field, `name` being a field name or JSON path. */
  errors?: { name: string; detail: string }[];
}

export function toProblem(error: unknown, request: FastifyRequest): Problem {
  if (error instanceof AppError)
    return build(STATUS[error.kind], error.kind, error.message, request, error.invalidParams);
  const fe = error as FastifyError;
  if (fe.validation) {
    const params = fe.validation.map((v) => ({
      name: fieldName(fe.validationContext, v.instancePath, v.params as Record<string, unknown>),
      reason: v.message ?? 'is invalid',
    }));
    return build(400, 'validation', fe.message, request, params);
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = request.routeOptions.bodyLimit;
    const detail = `the request body is larger than this route's limit of ${limit} bytes`;
    return build(413, 'payload-too-large', detail, request, [{ name: 'body', reason: detail }]);
  }
  if (fe.code === 'FST_REQ_FILE_TOO_LARGE' || fe.code === 'FST_FILES_LIMIT')
    return build(413, 'payload-too-large', fe.message, request, [{ name: 'files', reason: fe.message }]);
  if (fe.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' || fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return build(415, 'unsupported-media-type', fe.message, request, [
      { name: 'content-type', reason: fe.message },
    ]);
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return build(400, 'malformed-json', fe.message, request, [{ name: 'body', reason: fe.message }]);
  const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
  const detail = status === 500 ? 'an unexpected error happened; it has been logged' : fe.message;
  return build(status, status === 500 ? 'internal' : 'client-error', detail, request);
}

function build(
  status: number,
  slug: string,
  detail: string,
  request: FastifyRequest,
  params: InvalidParam[] = [],
): Problem {
  const problem: Problem = {
    type: PROBLEM_TYPE_BASE + slug,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: request.url,
  };
  if (params.length > 0) problem.errors = params.map((p) => ({ name: p.name, detail: p.reason }));
  return problem;
}

/** `body/labels/0/categoryId` -> `labels[0].categoryId`, naming a missing property too. */
function fieldName(
  context: string | undefined,
  instancePath: string,
  params: Record<string, unknown>,
): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (typeof params.missingProperty === 'string') parts.push(params.missingProperty);
  if (typeof params.additionalProperty === 'string') parts.push(params.additionalProperty);
  const path = parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  return path || (context ?? 'body');
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.status(problem.status).type('application/problem+json').send(problem);
}
