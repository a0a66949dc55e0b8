/** @module Error replies: the `{ success: false, error }` body, masking of our own faults, and logging with the cause. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from '../lib/logger.js';
import { CallError, callErrorCodes, toCallError, type CallErrorCode } from '../lib/call-error.js';
import type { AppEnv } from './app-env.js';
import { httpStatusOf, isMaskedCode } from './http-status.js';

export interface WireError {
  code: CallErrorCode;
  message: string;
  details?: unknown;
}

/** Anything thrown in a request, as a CallError; Hono's own HTTPExceptions keep their status's meaning. */
export function asCallError(error: unknown): CallError {
  if (error instanceof HTTPException) {
    const code = callErrorCodes.find((candidate) => httpStatusOf(candidate) === error.status);
    return new CallError(code ?? (error.status < 500 ? 'BAD_INPUT' : 'INTERNAL'), error.message || `HTTP ${error.status}`, {
      cause: error,
    });
  }
  return toCallError(error);
}

/** What the client sees. Our own faults carry no internals (paths, stack, provider text): only where to look. */
export function toWireError(error: CallError, requestId: string): WireError {
  if (!isMaskedCode(error.code) || error.exposed) return error.toJSON();
  const what = error.code === 'OUTPUT_INVALID' ? 'a step produced a result its own schema forbids' : 'internal error';
  return { code: error.code, message: `${what}; see the server log, request ${requestId}` };
}

export function logCallError(logger: Logger, error: CallError, fields: Record<string, unknown>): void {
  if (isMaskedCode(error.code)) {
    logger.error('request failed', { ...fields, code: error.code, error: errorChain(error) });
  } else if (httpStatusOf(error.code) >= 500) {
    logger.warn('request failed', { ...fields, code: error.code, error: error.message });
  } else {
    logger.debug('request refused', { ...fields, code: error.code, error: error.message });
  }
}

/** The error and its causes as plain data: CallError's toJSON (the wire shape) would drop the stack and cause. */
function errorChain(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const cause = error.cause === undefined ? {} : { cause: errorChain(error.cause) };
  return { name: error.name, message: error.message, stack: error.stack, ...cause };
}

export function errorResponse(context: Context<AppEnv>, error: unknown, logger: Logger): Response {
  const callError = asCallError(error);
  const requestId = context.get('requestId');
  logCallError(logger, callError, { request_id: requestId, method: context.req.method, path: context.req.path });
  const status = httpStatusOf(callError.code) as ContentfulStatusCode;
  return context.json({ success: false, error: toWireError(callError, requestId) }, status);
}
