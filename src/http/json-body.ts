import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors/problem.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * True when the JSON text nests arrays and objects deeper than `max`. One pass over the characters, so a
 * hostile body is refused before JSON.parse builds it and before any recursive code (validation, COCO
 * parsing) walks it; brackets inside strings are skipped.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return false;
}

/**
 * Replaces Fastify's JSON parser with one that first bounds the nesting, then parses exactly as before
 * (secure-json-parse, refusing __proto__ and constructor poisoning). Size is bounded by each route's
 * bodyLimit before a byte is parsed.
 */
export function boundedJsonParser(app: FastifyInstance, maxDepth: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (nestsDeeperThan(String(body), maxDepth))
      return done(
        new AppError('bad-request', `the JSON body is nested deeper than ${maxDepth} levels`, [
          { name: 'body', reason: `nested deeper than ${maxDepth} levels (VLM_LOOP_MAX_JSON_DEPTH)` },
        ]),
        undefined,
      );
    return parse(request, body as string, done);
  });
}
