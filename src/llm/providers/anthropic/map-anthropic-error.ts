/** @module Whatever `@anthropic-ai/sdk` throws, as a provider-neutral UpstreamFailure. */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { MalformedResponse, parseRetryAfter, transportFailure, type UpstreamFailure } from '../../transport/upstream-failure.js';

/**
 * The status an `error` event inside a stream stands for (it has none of its own): an overloaded API before the
 * first token is worth a retry, like the 529 it answers outside a stream.
 */
const streamErrorStatus: Record<string, number> = {
  overloaded_error: 529,
  api_error: 500,
  rate_limit_error: 429,
  request_too_large: 413,
  invalid_request_error: 400,
};

export function mapAnthropicError(error: unknown): UpstreamFailure {
  if (error instanceof MalformedResponse || error instanceof SyntaxError) return { kind: 'malformed', message: error.message };
  if (error instanceof APIConnectionTimeoutError) return { kind: 'connection', message: error.message };
  if (error instanceof APIConnectionError) return transportFailure(error.cause ?? error);
  if (error instanceof APIError) return statusFailure(error as SdkError);
  if (error instanceof TypeError) return transportFailure(error);
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
}

/** The SDK declares APIError's parameters loosely; these are what it holds. */
type SdkError = APIError<number | undefined, Headers | undefined, object | undefined>;

function statusFailure(error: SdkError): UpstreamFailure {
  const body = error.error as { error?: { type?: unknown; message?: unknown } } | undefined;
  const said = typeof body?.error?.message === 'string' ? body.error.message : error.message.replace(/^\d{3} /, '');
  const type = typeof body?.error?.type === 'string' ? body.error.type : undefined;
  const status = error.status ?? (type === undefined ? undefined : streamErrorStatus[type]);
  if (status === undefined) return { kind: 'other', message: said };
  const retryAfterMs = parseRetryAfter(error.headers?.get('retry-after'));
  return {
    kind: 'status',
    status,
    message: type === undefined ? said : `${type}: ${said}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}
