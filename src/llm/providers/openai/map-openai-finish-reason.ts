/** @module OpenAI-style finish reasons (and the variants local servers send) to the normalised set. */
import type { FinishReason } from '../../provider.js';

const reasons: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  // Seen from llama.cpp, TGI and proxies that relay other vendors.
  eos: 'stop',
  eos_token: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_length: 'length',
  error: 'error',
};

/** Null while the reply goes on; an unknown string counts as a normal stop (servers invent their own names). */
export function mapOpenAiFinishReason(reason: string | null | undefined): FinishReason | undefined {
  if (reason === null || reason === undefined || reason === '') return undefined;
  return reasons[reason] ?? 'stop';
}
