import { AppError } from '../../errors/problem.ts';
import { TrainerContractError } from '../training/trainer-schemas.ts';

/**
 * What a failed run step says about its next try. `deterministic`: the run's own state makes the step
 * fail, and a retry would read the same state and fail the same way, forever. `transient`: the database
 * or the network let the step down, and a later try may well succeed. `unknown`: neither is clear.
 */
export type StepErrorClass = 'deterministic' | 'transient' | 'unknown';

/**
 * SQLSTATE classes of failures of the moment: connection (08), a rolled-back transaction (40:
 * serialization, deadlock), resources (53), a lock not available (55P03), an operator's intervention (57:
 * shutdown, statement cancelled), the server's system errors (58).
 */
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)|^55P03$/;
/** SQLSTATE classes of a statement that fails on these values every time: data (22), integrity (23), schema (42). */
const DETERMINISTIC_SQLSTATE = /^(22|23|42)/;
/** Node's socket, name-resolution and resource errors (a full disk, too many open files). */
const TRANSIENT_SYSCALL = new Set([
  'EIO',
  'ENOSPC',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'EAGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
/** node-postgres and pg-pool say these in words only. */
const TRANSIENT_MESSAGE =
  /connection terminated|timeout exceeded|read timeout|too many clients|client has encountered a connection error|not queryable/i;

export function classifyStepError(err: unknown): StepErrorClass {
  // A network failure wrapped by the library that met it (fetch's `TypeError: fetch failed` carries the
  // ECONNREFUSED as its cause) is the network's, whatever the wrapper's type says.
  for (let cause = (err as { cause?: unknown } | undefined)?.cause, depth = 0; cause && depth < 5; depth++) {
    if (classifyOne(cause) === 'transient') return 'transient';
    cause = (cause as { cause?: unknown }).cause;
  }
  return classifyOne(err);
}

function classifyOne(err: unknown): StepErrorClass {
  // The project refused the request (validation, not found, conflict): it refuses it again.
  if (err instanceof AppError) return err.kind === 'unavailable' ? 'transient' : 'deterministic';
  if (!(err instanceof Error)) return 'unknown';
  // A trainer spec its schema refuses is refused again.
  if (err instanceof TrainerContractError) return 'deterministic';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TRANSIENT_SYSCALL.has(code)) return 'transient';
    if (/^[0-9A-Z]{5}$/.test(code)) {
      if (TRANSIENT_SQLSTATE.test(code)) return 'transient';
      if (DETERMINISTIC_SQLSTATE.test(code)) return 'deterministic';
      return 'unknown';
    }
  }
  // A step that reads a field its run's state lacks (a config without `stop`, an iteration without the
  // child it must have): the same state throws the same way on every try.
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError)
    return 'deterministic';
  if (TRANSIENT_MESSAGE.test(err.message)) return 'transient';
  return 'unknown';
}

/** One line for the run's `error.message`: the message, with the SQLSTATE of a database error. */
export function stepErrorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof AppError) return err.message;
  const code = (err as { code?: unknown }).code;
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : '';
  return `${err.name}: ${err.message}${sqlstate}`;
}

/** A child's stored error as one line: its message when it has one. */
export function childErrorText(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : JSON.stringify(error);
}
