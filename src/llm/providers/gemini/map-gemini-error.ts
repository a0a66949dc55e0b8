/** @module Whatever `@google/genai` throws, as a provider-neutral UpstreamFailure. */
import { ApiError } from '@google/genai';
import { MalformedResponse, parseRetryAfter, transportFailure, type UpstreamFailure } from '../../transport/upstream-failure.js';

/** `headers`: those of the failed response, when known (the SDK's ApiError does not keep them). */
export function mapGeminiError(error: unknown, headers?: Headers): UpstreamFailure {
  if (error instanceof MalformedResponse || error instanceof SyntaxError) return { kind: 'malformed', message: error.message };
  if (error instanceof ApiError) {
    const body = errorBody(error.message);
    const retryAfterMs = parseRetryAfter(headers?.get('retry-after')) ?? retryDelay(body);
    return {
      kind: 'status',
      status: error.status,
      message: typeof body?.message === 'string' ? body.message : error.message,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(detail(body, 'google.rpc.ErrorInfo')?.reason === 'API_KEY_INVALID' ? { keyRejected: true } : {}),
    };
  }
  if (error instanceof Error && error.message.startsWith('exception parsing stream chunk')) {
    return { kind: 'malformed', message: error.message };
  }
  // The SDK's word for a stream that stopped inside an event: the connection ended early.
  if (error instanceof Error && error.message === 'Incomplete JSON segment at the end') return { kind: 'reset', message: error.message };
  if (error instanceof TypeError) return transportFailure(error);
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
}

interface GoogleError {
  message?: unknown;
  details?: Array<{ '@type'?: string; retryDelay?: string; reason?: string }>;
}

function detail(body: GoogleError | undefined, type: string): NonNullable<GoogleError['details']>[number] | undefined {
  return body?.details?.find((entry) => entry['@type']?.endsWith(type));
}

/** The SDK puts the response body in the message as JSON (after `got status: ...` for an in-stream error). */
function errorBody(message: string): GoogleError | undefined {
  const start = message.indexOf('{');
  if (start === -1) return undefined;
  try {
    const parsed = JSON.parse(message.slice(start)) as { error?: GoogleError };
    return parsed.error;
  } catch {
    return undefined;
  }
}

/** google.rpc.RetryInfo: `"retryDelay": "30s"`. */
function retryDelay(body: GoogleError | undefined): number | undefined {
  const info = detail(body, 'google.rpc.RetryInfo');
  const seconds = Number.parseFloat(info?.retryDelay ?? '');
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}
