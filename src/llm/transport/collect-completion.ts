/** @module Folds a provider stream into one Completion: the non-streaming `complete()` of every adapter. */
import type { Completion, FinishReason, ProviderEvent, Usage } from '../provider.js';

export async function collectCompletion(events: AsyncIterable<ProviderEvent>, requestedModel: string): Promise<Completion> {
  let content = '';
  let reasoning = '';
  let usage: Usage | null = null;
  let finishReason: FinishReason = 'stop';
  let model = requestedModel;
  for await (const event of events) {
    if (event.type === 'text') content += event.text;
    else if (event.type === 'reasoning') reasoning += event.text;
    else if (event.type === 'finish') finishReason = event.reason;
    else if (event.type === 'usage') usage = event.usage;
    else model = event.model;
  }
  return { content, reasoning, usage, finish_reason: finishReason, model };
}
