/** @module The one error type every step, store and provider throws: a code, a message, optional details. */

export const callErrorCodes = [
  'BAD_INPUT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'INVALID_FILE',
  'UNSUPPORTED_CONTENT',
  'UNKNOWN_TOOL',
  'RATE_LIMITED',
  'ABORTED',
  'INTERNAL',
  'OUTPUT_INVALID',
  'UPSTREAM_FAILED',
  'UPSTREAM_TIMEOUT',
  'HOOK_FAILED',
  'UNAVAILABLE',
] as const;

export type CallErrorCode = (typeof callErrorCodes)[number];

export class CallError extends Error {
  override readonly name = 'CallError';
  readonly code: CallErrorCode;
  readonly details: unknown;
  /** The step path the error was raised in, filled in by the registry when it passes through. */
  path: string | undefined;
  /**
   * The message is shown on the wire even for a masked code (INTERNAL): it was written to be read by the caller
   * and holds no internals (a full disk, a read-only mount: the operator must act, and a request id will not say why).
   */
  readonly exposed: boolean;

  constructor(
    code: CallErrorCode,
    message: string,
    options: { details?: unknown; path?: string; cause?: unknown; exposed?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.path = options.path;
    this.exposed = options.exposed ?? false;
  }

  /** The wire shape of the error, as used in HTTP bodies and SSE `error` events. */
  toJSON(): { code: CallErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isCallError(error: unknown): error is CallError {
  return error instanceof CallError;
}

/** Turns anything thrown into a CallError; unknown errors become INTERNAL with the original as cause. */
export function toCallError(error: unknown): CallError {
  if (error instanceof CallError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new CallError('ABORTED', 'the call was aborted', { cause: error });
  }
  return new CallError('INTERNAL', 'internal error', { cause: error });
}
