/**
 * @module What went wrong upstream, in provider-neutral terms, and how it becomes a CallError: which
 * failures are worth a retry, how long to wait, and messages that name the provider and the config and
 * never the key.
 */
import { CallError } from '../../lib/call-error.js';

export interface UpstreamFailure {
  /** `status`: the provider answered with an HTTP error; `reset`: the connection dropped; `connection`:
   * it could not be made; `malformed`: the answer could not be read. */
  kind: 'status' | 'reset' | 'connection' | 'malformed' | 'other';
  status?: number;
  /** The provider's own words (its error message, or the transport's). */
  message: string;
  /** How long the provider asked us to wait (Retry-After, Gemini's RetryInfo), in ms. */
  retryAfterMs?: number;
  /** The provider says the key is bad under another status (Gemini answers 400 API_KEY_INVALID). */
  keyRejected?: boolean;
}

/** Thrown by an adapter's chunk converter when an answer parses but is not what the API promises. */
export class MalformedResponse extends Error {
  override readonly name = 'MalformedResponse';
}

export interface FailureContext {
  provider: string;
  /** `config data/llm_configs/x.json` or `inline config`. */
  label: string;
  /** Values that must not appear in a message: the API key. */
  secrets: readonly string[];
}

export const retryTiming = {
  /** Backoff before retry n (0-based) is base * 2^n, with up to 20% jitter so clients do not retry in step. */
  baseDelayMs: 400,
  /** A Retry-After longer than this is not waited out: the call fails at once and says how long to wait. */
  maxRetryAfterMs: 10_000,
};

const maxMessageLength = 500;

export function isRetryable(failure: UpstreamFailure): boolean {
  if (failure.kind === 'reset') return true;
  const status = failure.status;
  return failure.kind === 'status' && status !== undefined && (status === 429 || (status >= 500 && status < 600));
}

/** Milliseconds to wait before retry `attempt` (0-based), or undefined when the provider asks for too long. */
export function retryDelayMs(attempt: number, failure: UpstreamFailure): number | undefined {
  if (failure.retryAfterMs !== undefined) {
    return failure.retryAfterMs <= retryTiming.maxRetryAfterMs ? failure.retryAfterMs : undefined;
  }
  const base = retryTiming.baseDelayMs * 2 ** attempt;
  return Math.round(base * (1 + Math.random() * 0.2));
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function failureToCallError(
  failure: UpstreamFailure,
  context: FailureContext,
  progress: { retries: number; midReply: boolean },
): CallError {
  const { provider, label } = context;
  const said = clean(failure.message, context.secrets);
  const status = failure.status;
  const details = {
    provider,
    ...(status === undefined ? {} : { status }),
    ...(failure.retryAfterMs === undefined ? {} : { retry_after: Math.ceil(failure.retryAfterMs / 1000) }),
    ...(progress.retries > 0 ? { retries: progress.retries } : {}),
  };
  const afterRetries = progress.retries > 0 ? ` (after ${progress.retries} ${progress.retries === 1 ? 'retry' : 'retries'})` : '';
  if (failure.kind === 'status' && (status === 401 || status === 403 || failure.keyRejected)) {
    return new CallError('UPSTREAM_FAILED', `the API key was rejected by ${provider} (${label}): ${status} ${said}`, { details });
  }
  if (failure.kind === 'status' && status === 429) {
    const wait = failure.retryAfterMs === undefined ? '' : `; it asks to wait ${Math.ceil(failure.retryAfterMs / 1000)} s`;
    return new CallError('RATE_LIMITED', `${provider} is rate-limiting requests (${label}): 429 ${said}${wait}${afterRetries}`, {
      details,
    });
  }
  const message = {
    status: `${provider} answered ${status} (${label}): ${said}${afterRetries}`,
    reset: progress.midReply
      ? `the connection to ${provider} was lost mid-reply (${label}): ${said}`
      : `the connection to ${provider} was lost before the reply began (${label}): ${said}${afterRetries}`,
    connection: `could not connect to ${provider} (${label}): ${said}`,
    malformed: `${provider} sent a response that could not be read (${label}): ${said}`,
    other: `the request to ${provider} failed (${label}): ${said}`,
  }[failure.kind];
  return new CallError('UPSTREAM_FAILED', message, { details });
}

/** The text with every secret masked and long bodies (an HTML error page from a proxy) cut short. */
export function clean(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of secrets) if (secret !== '') masked = masked.split(secret).join('***');
  const oneLine = masked.replace(/\s+/g, ' ').trim();
  return oneLine.length > maxMessageLength ? `${oneLine.slice(0, maxMessageLength)}…` : oneLine || '(no message)';
}

/** Node's fetch wraps socket errors in causes; the codes that mean "the connection dropped". */
const resetCodes = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);

/** Classifies a transport error thrown by fetch (TypeError `fetch failed` / `terminated` with a cause chain). */
export function transportFailure(error: unknown): UpstreamFailure {
  const codes: string[] = [];
  const messages: string[] = [];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') codes.push(code);
    messages.push(current.message);
  }
  const message = [...new Set(messages)].join(': ');
  if (codes.some((code) => resetCodes.has(code)) || messages.includes('terminated')) return { kind: 'reset', message };
  return { kind: 'connection', message };
}
