/** Which failures of a run step fail the run at once, and which the queue retries. */
import { describe, expect, it } from 'vitest';
import { classifyStepError, stepErrorText } from '../../../src/domains/runs/run-step-errors.ts';
import { TrainerContractError } from '../../../src/domains/training/trainer-schemas.ts';
import { AppError, notFound, validationError } from '../../../src/errors/problem.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('classifyStepError', () => {
  it("calls the project's refusals deterministic, and its unavailability transient", () => {
    expect(classifyStepError(validationError('labels', 'nothing labelled'))).toBe('deterministic');
    expect(classifyStepError(notFound('model version', 9))).toBe('deterministic');
    expect(classifyStepError(new AppError('conflict', 'taken'))).toBe('deterministic');
    expect(classifyStepError(new AppError('unavailable', 'shutting down'))).toBe('transient');
  });

  it('reads database errors by their SQLSTATE class', () => {
    for (const code of ['08006', '40001', '40P01', '53300', '55P03', '57014', '57P01', '58030'])
      expect(classifyStepError(withCode('x', code)), code).toBe('transient');
    for (const code of ['22P02', '23505', '23503', '42703', '42P01'])
      expect(classifyStepError(withCode('x', code)), code).toBe('deterministic');
    expect(classifyStepError(withCode('x', 'XX000'))).toBe('unknown');
  });

  it('calls lost connections transient, however they are said', () => {
    expect(classifyStepError(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(
      'transient',
    );
    expect(classifyStepError(withCode('read ECONNRESET', 'ECONNRESET'))).toBe('transient');
    expect(classifyStepError(new Error('Connection terminated unexpectedly'))).toBe('transient');
    expect(classifyStepError(new Error('timeout exceeded when trying to connect'))).toBe('transient');
    expect(classifyStepError(withCode('no space left on device', 'ENOSPC'))).toBe('transient');
  });

  it('calls a network failure transient when a library wraps it (fetch failed, caused by ECONNREFUSED)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' });
    expect(classifyStepError(new TypeError('fetch failed', { cause: refused }))).toBe('transient');
    const deeper = new Error('upload failed', { cause: new Error('socket', { cause: refused }) });
    expect(classifyStepError(deeper)).toBe('transient');
    expect(classifyStepError(new TypeError('x is undefined', { cause: new Error('no') }))).toBe(
      'deterministic',
    );
  });

  it('calls a step that trips over its own state deterministic, whatever words it uses', () => {
    expect(classifyStepError(new TypeError("Cannot read properties of undefined (reading 'plateau')"))).toBe(
      'deterministic',
    );
    // The word "timeout" in a field name is no lost connection.
    expect(classifyStepError(new TypeError("Cannot read properties of null (reading 'timeoutMs')"))).toBe(
      'deterministic',
    );
    expect(classifyStepError(new RangeError('Invalid array length'))).toBe('deterministic');
    expect(classifyStepError(new TrainerContractError('spec: /hyper/lr must be number'))).toBe(
      'deterministic',
    );
  });

  it('leaves anything else unknown', () => {
    expect(classifyStepError(new Error('something odd'))).toBe('unknown');
    expect(classifyStepError('a string')).toBe('unknown');
  });
});

describe('stepErrorText', () => {
  it("names the error's class and the SQLSTATE, but keeps a refusal's own words", () => {
    expect(stepErrorText(validationError('labels', 'none'))).toBe('labels: none');
    expect(stepErrorText(new TypeError('x is null'))).toBe('TypeError: x is null');
    const pgError = Object.assign(new Error('column "x" does not exist'), { name: 'error', code: '42703' });
    expect(stepErrorText(pgError)).toBe('error: column "x" does not exist (SQLSTATE 42703)');
  });
});
