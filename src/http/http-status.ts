/** @module The one table from CallError codes to HTTP statuses; nothing outside src/http/ knows about statuses. */
import type { CallErrorCode } from '../lib/call-error.js';

export const httpStatusByCode = {
  BAD_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  INVALID_FILE: 422,
  // Well-formed input the chosen model cannot take (an image for a text-only model).
  UNSUPPORTED_CONTENT: 422,
  // A tool named in a request, settings.json or an LLM config that no step or MCP server provides.
  UNKNOWN_TOOL: 422,
  RATE_LIMITED: 429,
  // nginx's "client closed request": the caller went away or asked for the abort, so nobody reads this status.
  ABORTED: 499,
  INTERNAL: 500,
  OUTPUT_INVALID: 500,
  UPSTREAM_FAILED: 502,
  UPSTREAM_TIMEOUT: 504,
  // A plugin's hook threw or ran past its timeout: code running inside this server, installed by its operator, so a
  // server error (500) and not 502, which would send the operator to look at the LLM provider instead.
  HOOK_FAILED: 500,
  // A shared back end (PostgreSQL, Redis) cannot be reached right now: try again shortly, nothing was half done.
  UNAVAILABLE: 503,
} as const satisfies Record<CallErrorCode, number>;

export type ErrorStatus = (typeof httpStatusByCode)[CallErrorCode];

export function httpStatusOf(code: CallErrorCode): ErrorStatus {
  return httpStatusByCode[code];
}

/** Codes whose message is ours, not the caller's business: masked on the wire, logged with the cause. */
export function isMaskedCode(code: CallErrorCode): boolean {
  return code === 'INTERNAL' || code === 'OUTPUT_INVALID';
}
