import type { Ajv, SchemaValidateFunction } from 'ajv';
import { AppError, type InvalidParam } from '../errors/problem.ts';

/** The largest id a path may name: every id fits a JavaScript number exactly (and a PostgreSQL bigint). */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

// Plain decimal digits without a leading zero: the one spelling of each id. Anything a lenient parser
// would also read as that number (`1.0`, `+1`, `0x1`, `1e0`, ` 1`) is refused rather than coerced, so
// that what is authorised and what the handler uses can never differ.
const CANONICAL_ID = /^[1-9][0-9]{0,15}$/;
const ID_PARAM = /Id$/;

/**
 * Reads every `...Id` path parameter as a number, refusing any that is not spelled canonically or is
 * out of range; the refusal names each offending parameter.
 */
export function pathIds(params: unknown): Record<string, number> {
  const ids: Record<string, number> = {};
  const invalid: InvalidParam[] = [];
  for (const [name, raw] of Object.entries((params ?? {}) as Record<string, unknown>)) {
    if (!ID_PARAM.test(name)) continue;
    const value = typeof raw === 'string' && CANONICAL_ID.test(raw) ? Number(raw) : Number.NaN;
    if (value <= MAX_ID) ids[name] = value;
    else
      invalid.push({
        name,
        reason: `must be an id written in plain digits (1 to ${MAX_ID}); got "${String(raw)}"`,
      });
  }
  if (invalid.length > 0)
    throw new AppError('bad-request', invalid.map((p) => `${p.name} ${p.reason}`).join('; '), invalid);
  return ids;
}

/**
 * Ajv coerces the strings "Infinity" and "-Infinity" to numbers without checking them again, and skips
 * `minimum`/`maximum` for non-finite numbers, so `?limit=Infinity` passed every check. Schemas that
 * carry `x-finite: true` refuse them.
 */
export function finiteKeyword(ajv: Ajv): Ajv {
  const validate: SchemaValidateFunction = (enabled: boolean, data: unknown) => {
    if (!enabled || typeof data !== 'number' || Number.isFinite(data)) return true;
    validate.errors = [{ keyword: 'x-finite', message: 'must be a finite number', params: {} }];
    return false;
  };
  return ajv.addKeyword({ keyword: 'x-finite', schemaType: 'boolean', validate });
}
