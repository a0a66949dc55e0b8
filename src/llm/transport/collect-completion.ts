/** @module Folds a provider stream into one Completion: the non-streaming `complete()` of every adapter. */
import type { Completion, FinishReason, ProviderEvent, ProviderToolCall, ReasoningBlock, Usage } from '../provider.js';

export async function collectCompletion(events: AsyncIterable<ProviderEvent>, requestedModel: string): Promise<Completion> {
  let content = '';
  let reasoning = '';
  const reasoningBlocks: ReasoningBlock[] = [];
  const toolCalls: ProviderToolCall[] = [];
  let usage: Usage | null = null;
  let finishReason: FinishReason = 'stop';
  let model = requestedModel;
  for await (const event of events) {
    if (event.type === 'text') content += event.text;
    else if (event.type === 'reasoning') reasoning += event.text;
    else if (event.type === 'finish') finishReason = event.reason;
    else if (event.type === 'usage') usage = event.usage;
    else if (event.type === 'tool_call') toolCalls.push(event.call);
    else if (event.type === 'reasoning_block') reasoningBlocks.push(event.block);
    else model = event.model;
  }
  return { content, reasoning, reasoning_blocks: reasoningBlocks, tool_calls: toolCalls, usage, finish_reason: finishReason, model };
}
