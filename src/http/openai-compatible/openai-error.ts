/**
 * @module Errors of the /v1 routes in OpenAI's shape, `{ error: { message, type, param, code } }`, with the status
 * from the one table in http-status.ts, so OpenAI clients raise their usual error classes (NotFoundError...).
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../../lib/logger.js';
import type { CallError, CallErrorCode } from '../../lib/call-error.js';
import type { AppEnv } from '../app-env.js';
import { asCallError, logCallError, toWireError } from '../error-response.js';
import { httpStatusOf } from '../http-status.js';

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/** OpenAI's `type` for each of our codes: what its SDKs and chat UIs branch on, beside the status. */
const errorTypeByCode: Record<CallErrorCode, string> = {
  BAD_INPUT: 'invalid_request_error',
  UNAUTHORIZED: 'authentication_error',
  FORBIDDEN: 'permission_error',
  NOT_FOUND: 'invalid_request_error',
  CONFLICT: 'invalid_request_error',
  PAYLOAD_TOO_LARGE: 'invalid_request_error',
  INVALID_FILE: 'invalid_request_error',
  UNSUPPORTED_CONTENT: 'invalid_request_error',
  UNKNOWN_TOOL: 'invalid_request_error',
  RATE_LIMITED: 'rate_limit_error',
  ABORTED: 'request_aborted',
  INTERNAL: 'server_error',
  OUTPUT_INVALID: 'server_error',
  UPSTREAM_FAILED: 'upstream_error',
  UPSTREAM_TIMEOUT: 'upstream_error',
  HOOK_FAILED: 'server_error',
  UNAVAILABLE: 'server_error',
};

/**
 * The OpenAI error body of a CallError. `code` is OpenAI's where one fits (`model_not_found`, `invalid_api_key`),
 * else ours in lower case; `param` is the request field at fault, when known.
 */
export function toOpenAiError(error: CallError, requestId: string): OpenAiErrorBody {
  const { message } = toWireError(error, requestId);
  const hint = openAiHintOf(error.details);
  return {
    error: {
      message,
      type: errorTypeByCode[error.code],
      param: hint.param ?? paramOf(error.details),
      code: hint.code ?? (error.code === 'UNAUTHORIZED' ? 'invalid_api_key' : error.code.toLowerCase()),
    },
  };
}

export function openAiErrorResponse(context: Context<AppEnv>, thrown: unknown, logger: Logger): Response {
  const error = asCallError(thrown);
  const requestId = context.get('requestId');
  logCallError(logger, error, { request_id: requestId, method: context.req.method, path: context.req.path });
  return context.json(toOpenAiError(error, requestId), httpStatusOf(error.code) as ContentfulStatusCode);
}

/** The SSE frame that reports a failure after the stream opened; OpenAI's SDKs throw it as an APIError. */
export function openAiErrorFrame(thrown: unknown, requestId: string): OpenAiErrorBody {
  return toOpenAiError(asCallError(thrown), requestId);
}

/** Errors this folder raises carry `details.openai` with the exact OpenAI code and param. */
function openAiHintOf(details: unknown): { code?: string; param?: string } {
  if (typeof details !== 'object' || details === null || !('openai' in details)) return {};
  return (details as { openai: { code?: string; param?: string } }).openai;
}

/** A schema failure's first field as OpenAI writes a param: `/messages/0/role` is `messages[0].role`. */
function paramOf(details: unknown): string | null {
  if (!Array.isArray(details)) return null;
  const field: unknown = (details[0] as { field?: unknown } | undefined)?.field;
  if (typeof field !== 'string' || field === '') return null;
  return field
    .split('/')
    .slice(1)
    .map((part, index) => (/^\d+$/.test(part) ? `[${part}]` : index === 0 ? part : `.${part}`))
    .join('');
}
