/** @module Gemini's FinishReason enum (and a blocked prompt) to the normalised set. */
import type { FinishReason } from '../../provider.js';

const filtered = new Set([
  'SAFETY',
  'RECITATION',
  'LANGUAGE',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/** Undefined while the reply goes on; an abnormal end (OTHER, a malformed tool call, a new value) is `error`. */
export function mapGeminiFinishReason(reason: string | null | undefined): FinishReason | undefined {
  if (reason === null || reason === undefined || reason === '') return undefined;
  if (reason === 'STOP') return 'stop';
  if (reason === 'MAX_TOKENS') return 'length';
  if (filtered.has(reason)) return 'content_filter';
  if (reason === 'UNEXPECTED_TOOL_CALL' || reason === 'TOO_MANY_TOOL_CALLS') return 'tool_calls';
  return 'error';
}
