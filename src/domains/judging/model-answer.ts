import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { InstanceVerdictValue } from './types.ts';

/** What the model is asked to return (snake_case: it is the model's contract, not ours). */
export interface ModelAnswer {
  instances: { index: number; verdict: InstanceVerdictValue; note: string }[];
  missed_objects: { category: string; note: string }[];
  reason: string;
  image_verdict: 'approve' | 'reject';
}

export const INSTANCE_VERDICTS: readonly InstanceVerdictValue[] = [
  'correct',
  'wrong_class',
  'bad_mask',
  'not_an_object',
];

/**
 * The schema sent as `response_format` (OpenAI strict mode: every property required, no extras).
 * Indexes and class names are enumerated when known so constrained decoding cannot invent them.
 * `image_verdict` comes last so the model decides after judging each instance.
 */
export function answerSchema(indexes: readonly number[], categoryNames: readonly string[]) {
  const index = indexes.length > 0 ? { type: 'integer', enum: [...indexes] } : { type: 'integer' };
  const category =
    categoryNames.length > 0 ? { type: 'string', enum: [...categoryNames] } : { type: 'string' };
  return {
    type: 'object',
    properties: {
      instances: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            index,
            verdict: { type: 'string', enum: [...INSTANCE_VERDICTS] },
            note: { type: 'string' },
          },
          required: ['index', 'verdict', 'note'],
          additionalProperties: false,
        },
      },
      missed_objects: {
        type: 'array',
        items: {
          type: 'object',
          properties: { category, note: { type: 'string' } },
          required: ['category', 'note'],
          additionalProperties: false,
        },
      },
      reason: { type: 'string' },
      image_verdict: { type: 'string', enum: ['approve', 'reject'] },
    },
    required: ['instances', 'missed_objects', 'reason', 'image_verdict'],
    additionalProperties: false,
  };
}

// Compiled once without the per-image enums; index and class membership are checked by the judge.
let validateGeneric: ValidateFunction<ModelAnswer> | undefined;

function validator(): ValidateFunction<ModelAnswer> {
  validateGeneric ??= new Ajv2020({ allErrors: true, strict: true }).compile<ModelAnswer>(
    answerSchema([], []),
  );
  return validateGeneric;
}

export type ParseResult = { ok: true; answer: ModelAnswer } | { ok: false; message: string };

/**
 * Strict reading of a model's text: exactly one JSON object that validates against the answer
 * schema, possibly wrapped in prose or a code fence. Anything else is unparseable: never a
 * rejection, never a search for the word "yes".
 */
export function parseModelAnswer(text: string): ParseResult {
  const candidates = jsonObjects(text.replace(/^\uFEFF/, ''));
  if (candidates.length === 0) return { ok: false, message: 'no JSON object in the answer' };
  if (candidates.length > 1) return { ok: false, message: `${candidates.length} JSON objects in the answer` };
  const validate = validator();
  if (!validate(candidates[0])) {
    const errors = validate.errors?.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    return { ok: false, message: `answer does not match the schema: ${errors}` };
  }
  return { ok: true, answer: candidates[0] };
}

/** Every top-level `{...}` span of `text` that parses as a JSON object. */
function jsonObjects(text: string): unknown[] {
  const found: unknown[] = [];
  for (const span of topLevelBraceSpans(text)) {
    try {
      const value: unknown = JSON.parse(span);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) found.push(value);
    } catch {
      // Not JSON (a brace in prose): not a candidate.
    }
  }
  return found;
}

function topLevelBraceSpans(text: string): string[] {
  const spans: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"' && depth > 0) inString = true;
    else if (ch === '{') {
      if (depth++ === 0) start = i;
    } else if (ch === '}' && depth > 0 && --depth === 0) spans.push(text.slice(start, i + 1));
  }
  return spans;
}
