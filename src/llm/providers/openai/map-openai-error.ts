/** @module Whatever the `openai` SDK throws, as a provider-neutral UpstreamFailure. */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { MalformedResponse, parseRetryAfter, transportFailure, type UpstreamFailure } from '../../transport/upstream-failure.js';

export function mapOpenAiError(error: unknown): UpstreamFailure {
  if (error instanceof MalformedResponse || error instanceof SyntaxError) return { kind: 'malformed', message: error.message };
  if (error instanceof APIConnectionTimeoutError) return { kind: 'connection', message: error.message };
  if (error instanceof APIConnectionError) return transportFailure(error.cause ?? error);
  if (error instanceof APIError) return statusFailure(error as SdkError);
  if (error instanceof TypeError) return transportFailure(error);
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
}

/** The SDK declares APIError's parameters as `any`; these are what it actually holds. */
type SdkError = APIError<number | undefined, Headers | undefined, object | undefined>;

function statusFailure(error: SdkError): UpstreamFailure {
  const said = providerMessage(error);
  // An `{"error": ...}` frame inside a stream has no HTTP status.
  if (error.status === undefined) return { kind: 'other', message: said };
  const retryAfterMs = retryAfter(error.headers);
  return { kind: 'status', status: error.status, message: said, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

function providerMessage(error: SdkError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (typeof body?.message === 'string') return body.message;
  return error.message.replace(/^\d{3} /, '');
}

function retryAfter(headers: Headers | undefined): number | undefined {
  const milliseconds = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  return parseRetryAfter(headers?.get('retry-after'));
}
