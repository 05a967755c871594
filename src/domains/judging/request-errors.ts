import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { parseRetryAfter } from './retry.ts';

export interface FailureClass {
  code: string;
  message: string;
  retryable: boolean;
  /** What the server asked us to wait (Retry-After), when it did. */
  retryAfterMs?: number;
  /** The server does not support a request feature: resend without it, no backoff. */
  unsupported?: 'response_format' | 'logprobs';
}

const RETRYABLE_4XX = new Set([408, 409, 425, 429]);

/** How one failed request should be handled: retried, resent without a feature, or given up. */
export function classifyFailure(error: unknown, now: number): FailureClass {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof APIUserAbortError) return { code: 'aborted', message, retryable: true };
  if (error instanceof APIConnectionTimeoutError) return { code: 'timeout', message, retryable: true };
  if (error instanceof APIConnectionError) return { code: 'network', message, retryable: true };
  if (error instanceof APIError && typeof error.status === 'number') return classifyStatus(error, now);
  // The SDK throws SyntaxError when a 200 body is not JSON: a broken proxy or server, not the model.
  if (error instanceof SyntaxError) return { code: 'bad_response', message, retryable: true };
  return { code: 'internal', message, retryable: false };
}

function classifyStatus(error: APIError, now: number): FailureClass {
  const status = error.status as number;
  const message = error.message;
  const retryAfterMs = parseRetryAfter(error.headers, now);
  if (status === 400) {
    const unsupported = unsupportedFeature(error);
    if (unsupported) return { code: 'unsupported', message, retryable: true, unsupported };
  }
  if (status === 429) return { code: 'rate_limited', message, retryable: true, retryAfterMs };
  if (status >= 500 || RETRYABLE_4XX.has(status)) {
    return {
      code: status >= 500 ? 'server_error' : `http_${status}`,
      message,
      retryable: true,
      retryAfterMs,
    };
  }
  return { code: `http_${status}`, message, retryable: false };
}

function unsupportedFeature(error: APIError): FailureClass['unsupported'] {
  const text = `${error.param ?? ''} ${error.message} ${JSON.stringify(error.error ?? '')}`;
  if (/response_format|json_schema|structured output|guided/i.test(text)) return 'response_format';
  if (/logprobs/i.test(text)) return 'logprobs';
  return undefined;
}
