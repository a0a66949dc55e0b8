/**
 * @module `modules/llm_api/chat_stream`: one completion as events. Config problems are thrown before the first
 * event; an upstream failure after `start` is an `error` event after the chunks already sent, so the caller
 * keeps the partial text. `end` is always last.
 */
import { eventSchema as event } from '../../lib/event-schema.js';
import { defineStep, type StepContext } from '../../registry/define-step.js';
import { toCallError } from '../../lib/call-error.js';
import { estimateCost } from '../../llm/cost.js';
import type { LoadedConfig } from '../../llm/config/config-check.js';
import type { FinishReason, Provider, ProviderEvent, ProviderToolCall, ReasoningBlock, Usage } from '../../llm/provider.js';
import {
  chatInputSchema,
  chatRequestOf,
  finishReasonSchema,
  openProvider,
  providerReasoningBlockSchema,
  providerToolCallSchema,
  secondsSince,
  usageSchema,
  type ChatInput,
} from './chat-input.js';

export type ChatStreamEvent =
  | { type: 'start'; provider: string; model: string }
  | { type: 'chunk'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'reasoning_block'; block: ReasoningBlock }
  | { type: 'tool_call'; call: ProviderToolCall }
  | { type: 'finish'; finish_reason: FinishReason }
  | { type: 'usage'; usage: Usage; cost?: number }
  | { type: 'error'; code: string; message: string }
  | { type: 'end'; model_used?: string; response_time: number; ttft?: number };

export const chatStreamEventSchema = {
  oneOf: [
    event('start', { provider: { type: 'string' }, model: { type: 'string' } }, ['provider', 'model']),
    event('chunk', { content: { type: 'string' } }, ['content']),
    event('reasoning', { content: { type: 'string' } }, ['content']),
    event('reasoning_block', { block: providerReasoningBlockSchema }, ['block']),
    event('tool_call', { call: providerToolCallSchema }, ['call']),
    event('finish', { finish_reason: finishReasonSchema }, ['finish_reason']),
    event('usage', { usage: usageSchema, cost: { type: 'number', minimum: 0 } }, ['usage']),
    event('error', { code: { type: 'string' }, message: { type: 'string' } }, ['code', 'message']),
    event(
      'end',
      {
        model_used: { type: 'string' },
        response_time: { type: 'number', minimum: 0, description: 'Seconds from the request to the last event.' },
        ttft: { type: 'number', minimum: 0, description: 'Seconds from the request to the first chunk.' },
      },
      ['response_time'],
    ),
  ],
} as const;

export const chatStream = defineStep<ChatInput, ChatStreamEvent>({
  path: 'modules/llm_api/chat_stream',
  summary: 'Send messages to the LLM of a config and stream the reply as events.',
  description:
    'Events: start, reasoning and chunk x N (reasoning is the model thinking, chunk the answer), reasoning_block (Anthropic thinking with its signature), tool_call x N (each whole, when tools were offered), finish (exactly once), usage (when known), error (after a failure mid-stream), end (always last).',
  input: chatInputSchema,
  events: chatStreamEventSchema,
  // Not a generator itself: a generator keeps its arguments for as long as it runs, and the input holds the
  // whole prompt. The adapter keeps the request only while a retry may still send it again.
  stream(input, context) {
    const opening = openReply(input, context);
    // Awaited by the relay's first step; this only keeps a relay never iterated from an unhandled rejection.
    opening.catch(() => undefined);
    return relayReply(opening, context);
  },
});

interface OpenedReply {
  loaded: LoadedConfig;
  provider: Provider;
  started: number;
  parts: AsyncIterator<ProviderEvent>;
}

async function openReply(input: ChatInput, context: StepContext): Promise<OpenedReply> {
  const { loaded, provider } = await openProvider(input, context);
  const started = performance.now();
  // The request leaves before `start` is announced: while the provider works on it, the caller sets up
  // whatever `start` sets off (a generation, an SSE response) instead of doing that first and asking after.
  const parts = provider.stream(chatRequestOf(input), { signal: context.signal })[Symbol.asyncIterator]();
  return { loaded, provider, started, parts };
}

async function* relayReply(opening: Promise<OpenedReply>, context: StepContext): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const { loaded, provider, started, parts } = await opening;
  let pending: Promise<IteratorResult<ProviderEvent>> | undefined = parts.next();
  // Read below; a consumer that leaves right after `start` never reads it, and its abort makes it reject.
  pending.catch(() => undefined);
  // The SDK reaches the socket through a chain of microtasks (building the request, fetch); whatever the caller
  // does on `start` is another chain that would interleave with it and hold the request back. One macrotask
  // first lets the request leave, so that set-up overlaps with the provider's work instead of preceding it.
  await new Promise((resolve) => setImmediate(resolve));
  let ttft: number | undefined;
  let modelUsed: string | undefined;
  let finished = false;
  let partsDone = false;
  try {
    yield { type: 'start', provider: provider.name, model: provider.model };
    try {
      for (;;) {
        const next: IteratorResult<ProviderEvent> = await (pending ?? parts.next());
        pending = undefined;
        if (next.done) break;
        const part = next.value;
        if (part.type === 'model') modelUsed = part.model;
        else if (part.type === 'text') {
          ttft ??= secondsSince(started);
          yield { type: 'chunk', content: part.text };
        } else if (part.type === 'reasoning') {
          yield { type: 'reasoning', content: part.text };
        } else if (part.type === 'tool_call') {
          yield { type: 'tool_call', call: part.call };
        } else if (part.type === 'reasoning_block') {
          yield { type: 'reasoning_block', block: part.block };
        } else if (part.type === 'finish') {
          finished = true;
          yield { type: 'finish', finish_reason: part.reason };
        } else if (part.type === 'usage') {
          const cost = estimateCost(part.usage, loaded.config.pricing);
          yield { type: 'usage', usage: part.usage, ...(cost === undefined ? {} : { cost }) };
        }
      }
      partsDone = true;
    } catch (error) {
      partsDone = true;
      // The consumer left: the upstream request is already cancelled and nobody reads further events.
      if (context.signal.aborted) return;
      const callError = toCallError(error);
      if (callError.code === 'INTERNAL') context.logger.error('provider stream failed', { config: loaded.label, error });
      if (!finished) yield { type: 'finish', finish_reason: 'error' };
      yield {
        type: 'error',
        code: callError.code,
        message: callError.code === 'INTERNAL' ? `the ${provider.name} provider failed unexpectedly` : callError.message,
      };
    }
    yield {
      type: 'end',
      model_used: modelUsed ?? provider.model,
      response_time: secondsSince(started),
      ...(ttft === undefined ? {} : { ttft }),
    };
  } finally {
    // The consumer left early. Its abort has reached the provider through the signal; closing the stream
    // also ends it for a consumer that left without aborting. A part still on its way settles first.
    if (!partsDone) {
      if (pending === undefined) await parts.return?.(undefined);
      else void pending.then(() => parts.return?.(undefined)).catch(() => undefined);
    }
  }
}
