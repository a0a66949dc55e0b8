/** @module `modules/llm_api/chat`: one completion, answered whole. */
import { defineStep } from '../../registry/define-step.js';
import { estimateCost } from '../../llm/cost.js';
import type { FinishReason, ProviderToolCall, Usage } from '../../llm/provider.js';
import {
  chatInputSchema,
  finishReasonSchema,
  openProvider,
  secondsSince,
  chatRequestOf,
  providerToolCallSchema,
  usageSchema,
  type ChatInput,
} from './chat-input.js';

export interface ChatOutput {
  success: true;
  content: string;
  /** The model's reasoning, when it streamed any. */
  reasoning?: string;
  /** The calls the model made, when tools were offered and it called some. */
  tool_calls?: ProviderToolCall[];
  usage: Usage | null;
  finish_reason: FinishReason;
  model_used: string;
  provider: string;
  /** Seconds from sending the request to the whole answer. */
  response_time: number;
  cost?: number;
}

export const chatOutputSchema = {
  type: 'object',
  properties: {
    success: { const: true },
    content: { type: 'string' },
    reasoning: { type: 'string', description: "The model's reasoning, apart from the answer; only when it sent some." },
    tool_calls: { type: 'array', items: providerToolCallSchema, description: 'The calls the model made (finish_reason tool_calls).' },
    usage: { oneOf: [usageSchema, { type: 'null' }] },
    finish_reason: finishReasonSchema,
    model_used: { type: 'string' },
    provider: { type: 'string' },
    response_time: { type: 'number', minimum: 0 },
    cost: { type: 'number', minimum: 0, description: "In the currency of the config's pricing; only when it has one." },
  },
  required: ['success', 'content', 'usage', 'finish_reason', 'model_used', 'provider', 'response_time'],
  additionalProperties: false,
} as const;

export const chat = defineStep<ChatInput, ChatOutput>({
  path: 'modules/llm_api/chat',
  summary: 'Send messages to the LLM of a config and return the whole reply.',
  description: 'Upstream failures are errors: UPSTREAM_FAILED, UPSTREAM_TIMEOUT, RATE_LIMITED.',
  input: chatInputSchema,
  output: chatOutputSchema,
  async run(input, context) {
    const { loaded, provider } = await openProvider(input, context);
    const started = performance.now();
    const completion = await provider.complete(chatRequestOf(input), { signal: context.signal });
    const cost = estimateCost(completion.usage, loaded.config.pricing);
    return {
      success: true,
      content: completion.content,
      ...(completion.reasoning === '' ? {} : { reasoning: completion.reasoning }),
      ...(completion.tool_calls.length === 0 ? {} : { tool_calls: completion.tool_calls }),
      usage: completion.usage,
      finish_reason: completion.finish_reason,
      model_used: completion.model,
      provider: provider.name,
      response_time: secondsSince(started),
      ...(cost === undefined ? {} : { cost }),
    };
  },
});
