/** @module Anthropic's `stop_reason` values to the normalised finish reasons. */
import type { FinishReason } from '../../provider.js';

const reasons: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // A server tool paused a long turn; what came so far is a whole reply.
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Undefined while the reply goes on; a new value counts as a normal stop, as with OpenAI-style servers. */
export function mapAnthropicFinishReason(reason: string | null | undefined): FinishReason | undefined {
  if (reason === null || reason === undefined || reason === '') return undefined;
  return reasons[reason] ?? 'stop';
}
