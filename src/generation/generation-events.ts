/** @module The events of a generation (DESIGN §3, `complete_stream`), their JSON Schema, and the usage shape. */

import { eventSchema as event } from '../lib/event-schema.js';
import type { ToolCallStatus } from '../store/index.js';

export interface UsageCounts {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  reasoning_tokens?: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
}

export type GenerationEvent =
  | { type: 'start'; generation_id: string; conversation_file: string; parent_id: string; node_id: string; hooks: string[] }
  | { type: 'chunk'; content: string }
  /** The model's reasoning, streamed before (or between) the answer's chunks; never part of `content`. */
  | { type: 'reasoning'; content: string }
  /** A new model call after tool results (step 2 on); absent from replies that call no tool. */
  | { type: 'step'; step: number }
  /** A call the model made; `arguments` parsed, or the raw text when it is not JSON. `tool_name` is the engine's name. */
  | { type: 'tool_call'; tool_call_id: string; tool_name: string; arguments: unknown; step: number; thought_signature?: string }
  /** The call waits for a person: `workflow/chat_completion/approve` answers it before `expires_at`, or it is denied. */
  | { type: 'tool_approval'; generation_id: string; tool_call_id: string; tool_name: string; arguments: unknown; expires_at: string }
  /** Progress or streamed output of a running tool (MCP progress messages). */
  | { type: 'tool_stream_chunk'; tool_call_id: string; content: string }
  | { type: 'tool_result'; tool_call_id: string; status: ToolCallStatus; result: unknown; started_at: string; duration_ms: number }
  | { type: 'finish'; finish_reason: string }
  | { type: 'usage'; usage: UsageCounts; cost?: number }
  | { type: 'saved'; node_id: string; content?: string; usage: UsageCounts | null; partial?: boolean; doc?: unknown }
  | { type: 'error'; code: string; message: string; recovery_file?: string }
  | { type: 'end' };

const usageSchema = {
  type: 'object',
  properties: {
    prompt_tokens: { type: 'integer', minimum: 0 },
    completion_tokens: { type: 'integer', minimum: 0 },
    total_tokens: { type: 'integer', minimum: 0 },
    reasoning_tokens: { type: 'integer', minimum: 0 },
    cache_read_tokens: { type: 'integer', minimum: 0 },
    cache_write_tokens: { type: 'integer', minimum: 0 },
  },
  required: ['prompt_tokens', 'completion_tokens', 'total_tokens'],
} as const;

export const generationEventSchema = {
  oneOf: [
    event(
      'start',
      {
        generation_id: { type: 'string' },
        conversation_file: { type: 'string' },
        parent_id: { type: 'string' },
        node_id: { type: 'string' },
        hooks: {
          type: 'array',
          items: { type: 'string' },
          description: 'The plugin hooks that run for this generation, as plugin/hook, in order.',
        },
      },
      ['generation_id', 'conversation_file', 'parent_id', 'node_id', 'hooks'],
    ),
    event('chunk', { content: { type: 'string' } }, ['content']),
    event('reasoning', { content: { type: 'string', description: "The model's reasoning; not part of the answer." } }, ['content']),
    event('step', { step: { type: 'integer', minimum: 2, description: 'The model call about to start (step 1 is implicit).' } }, ['step']),
    event(
      'tool_call',
      {
        tool_call_id: { type: 'string' },
        tool_name: { type: 'string', description: 'A step path or mcp:<server>/<tool>.' },
        arguments: { description: 'The parsed arguments, or the raw text when the model wrote invalid JSON.' },
        step: { type: 'integer', minimum: 1 },
        thought_signature: { type: 'string' },
      },
      ['tool_call_id', 'tool_name', 'arguments', 'step'],
    ),
    event(
      'tool_approval',
      {
        generation_id: { type: 'string' },
        tool_call_id: { type: 'string' },
        tool_name: { type: 'string' },
        arguments: {},
        expires_at: { type: 'string', description: 'When the call is denied if nobody answers.' },
      },
      ['generation_id', 'tool_call_id', 'tool_name', 'arguments', 'expires_at'],
    ),
    event('tool_stream_chunk', { tool_call_id: { type: 'string' }, content: { type: 'string' } }, ['tool_call_id', 'content']),
    event(
      'tool_result',
      {
        tool_call_id: { type: 'string' },
        status: { enum: ['ok', 'error', 'timeout', 'aborted', 'denied'] },
        result: { description: 'What the model is given: JSON from a step tool, text from an MCP server, or the error message.' },
        started_at: { type: 'string' },
        duration_ms: { type: 'number', minimum: 0 },
      },
      ['tool_call_id', 'status', 'result', 'started_at', 'duration_ms'],
    ),
    event('finish', { finish_reason: { type: 'string' } }, ['finish_reason']),
    event('usage', { usage: usageSchema, cost: { type: 'number' } }, ['usage']),
    event(
      'saved',
      {
        node_id: { type: 'string' },
        content: { type: 'string', description: 'The text as saved, when plugin hooks changed it after it was streamed.' },
        usage: { oneOf: [usageSchema, { type: 'null' }] },
        partial: { type: 'boolean' },
        doc: { type: 'object' },
      },
      ['node_id', 'usage'],
    ),
    event('error', { code: { type: 'string' }, message: { type: 'string' }, recovery_file: { type: 'string' } }, ['code', 'message']),
    event('end', {}, []),
  ],
} as const;
