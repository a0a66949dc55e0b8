/** @module The events of a generation (DESIGN §3, `complete_stream`), their JSON Schema, and the usage shape. */

import { eventSchema as event } from '../lib/event-schema.js';

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
