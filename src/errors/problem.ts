/**
 * Errors that services throw. The HTTP layer turns them into RFC 9457 problem+json;
 * the CLI prints them. Services never know about HTTP, only about these kinds.
 */
export type ProblemKind =
  | 'bad-request'
  | 'validation'
  | 'not-found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'unavailable';

export interface InvalidParam {
  /** JSON path (`$.annotations[3].segmentation`) or field name (`files[2]`) of the offending input. */
  name: string;
  reason: string;
}

export class AppError extends Error {
  constructor(
    readonly kind: ProblemKind,
    message: string,
    readonly invalidParams: InvalidParam[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const validationError = (field: string, reason: string): AppError =>
  new AppError('validation', `${field}: ${reason}`, [{ name: field, reason }]);

export const notFound = (what: string, id: string | number): AppError =>
  new AppError('not-found', `${what} ${id} does not exist`);

export const conflict = (message: string, field?: string): AppError =>
  new AppError('conflict', message, field ? [{ name: field, reason: message }] : []);
