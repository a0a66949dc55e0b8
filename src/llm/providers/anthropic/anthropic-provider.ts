/**
 * @module The `anthropic` adapter: the official `@anthropic-ai/sdk` on the Messages API (streamed as SSE:
 * message_start, content_block_start/delta/stop, message_delta, message_stop, ping, error), its own retries
 * off so the shared policy decides. Thinking deltas are reasoning; usage counts cache reads and writes.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Logger } from '../../../lib/logger.js';
import { collectCompletion } from '../../transport/collect-completion.js';
import type { LlmConfig } from '../../config/config-schema.js';
import type { ClientCache } from '../../transport/client-cache.js';
import type { Connection } from '../../transport/connection.js';
import type { ChatRequest, Provider, ProviderEvent, Usage } from '../../provider.js';
import { MalformedResponse } from '../../transport/upstream-failure.js';
import { once, runUpstream, type UpstreamCall } from '../../transport/upstream-stream.js';
import { buildAnthropicRequest, checkAnthropicConfig } from './anthropic-request.js';
import { mapAnthropicError } from './map-anthropic-error.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

const anthropicBaseUrl = 'https://api.anthropic.com';

/** The parts of the wire format read here (the SDK's types cover far more than text and thinking). */
interface WireUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}
interface WireBlock {
  type: string;
  text?: string;
  thinking?: string;
}
interface WireEvent {
  type: string;
  message?: { model?: string; usage?: WireUsage };
  content_block?: WireBlock;
  delta?: { type?: string; text?: string; thinking?: string; stop_reason?: string | null };
  usage?: WireUsage;
}
interface WireMessage {
  model?: string;
  content?: WireBlock[];
  stop_reason?: string | null;
  usage?: WireUsage;
}

/** `clients`: where a client for the same base URL and key is reused instead of built again. Throws BAD_INPUT for what the API would refuse. */
export function createAnthropicProvider(connection: Connection, config: LlmConfig, logger: Logger, clients?: ClientCache): Provider {
  checkAnthropicConfig(config, connection.label);
  const client = clients ? clients.get('anthropic', connection, () => anthropicClient(connection)) : anthropicClient(connection);
  const body = (request: ChatRequest, stream: boolean): Record<string, unknown> => {
    const built = buildAnthropicRequest(config, connection.label, connection.model, request.messages, stream);
    if (config.enable_logging) logger.info('llm request', { provider: 'anthropic', config: connection.label, body: built });
    return built;
  };

  const streamCall = (request: ChatRequest): UpstreamCall<WireEvent> => {
    let usage: Usage | undefined;
    return {
      async open(signal) {
        usage = undefined;
        const stream = await client.messages.create(body(request, true) as unknown as Anthropic.MessageCreateParamsStreaming, { signal });
        return stream as AsyncIterable<WireEvent>;
      },
      toEvents(event) {
        const { events, usage: next } = streamEvents(event, usage);
        usage = next;
        return events;
      },
      toFailure: mapAnthropicError,
    };
  };

  const completeCall = (request: ChatRequest): UpstreamCall<WireMessage> => ({
    async open(signal) {
      const message = await client.messages.create(body(request, false) as unknown as Anthropic.MessageCreateParamsNonStreaming, {
        signal,
      });
      return once(message as WireMessage);
    },
    toEvents: messageEvents,
    toFailure: mapAnthropicError,
  });

  return {
    name: 'anthropic',
    model: connection.model,
    stream: (request, { signal }) => runUpstream(streamCall(request), { connection, streaming: true, logger, signal }),
    complete: (request, { signal }) =>
      collectCompletion(runUpstream(completeCall(request), { connection, streaming: false, logger, signal }), connection.model),
  };
}

function anthropicClient(connection: Connection): Anthropic {
  return new Anthropic({
    // Explicit values, so ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL in the environment never apply. A keyless proxy
    // still needs a value here; the Authorization header it would go in is then removed below.
    apiKey: connection.apiKey ?? 'unused',
    baseURL: connection.baseUrl === undefined ? anthropicBaseUrl : withoutVersion(connection.baseUrl),
    maxRetries: 0,
    logLevel: 'off',
    ...(connection.apiKey === undefined ? { defaultHeaders: { Authorization: null } } : {}),
  });
}

/** The SDK adds `/v1/messages` itself; a base URL written with `/v1` (as for the other providers) loses it. */
export function withoutVersion(baseUrl: string): string {
  return baseUrl.replace(/\/v1$/, '');
}

/**
 * One streamed event. Usage comes in two halves (input in message_start, output in message_delta), so the
 * running total is threaded through: each message_delta yields the whole usage so far.
 */
export function streamEvents(event: WireEvent, usage: Usage | undefined): { events: ProviderEvent[]; usage: Usage | undefined } {
  const events: ProviderEvent[] = [];
  switch (event.type) {
    case 'message_start': {
      if (typeof event.message?.model === 'string' && event.message.model !== '')
        events.push({ type: 'model', model: event.message.model });
      return { events, usage: event.message?.usage ? normaliseUsage(event.message.usage) : usage };
    }
    case 'content_block_start': {
      // A block may open with text already in it.
      const block = event.content_block;
      if (block?.type === 'text' && block.text) events.push({ type: 'text', text: block.text });
      if (block?.type === 'thinking' && block.thinking) events.push({ type: 'reasoning', text: block.thinking });
      return { events, usage };
    }
    case 'content_block_delta': {
      const delta = event.delta;
      if (delta?.type === 'text_delta' && delta.text) events.push({ type: 'text', text: delta.text });
      else if (delta?.type === 'thinking_delta' && delta.thinking) events.push({ type: 'reasoning', text: delta.thinking });
      // signature_delta and input_json_delta matter only to a tool loop, which branchflow does not have yet.
      return { events, usage };
    }
    case 'message_delta': {
      const reason = mapAnthropicFinishReason(event.delta?.stop_reason);
      if (reason !== undefined) events.push({ type: 'finish', reason });
      const merged = event.usage ? normaliseUsage(event.usage, usage) : usage;
      if (merged) events.push({ type: 'usage', usage: merged });
      return { events, usage: merged };
    }
    default:
      // message_stop, content_block_stop, and event types added later.
      return { events, usage };
  }
}

/** A whole (non-streamed) answer. */
export function messageEvents(message: WireMessage): ProviderEvent[] {
  if (!Array.isArray(message?.content)) throw new MalformedResponse('the answer has no content blocks');
  const events: ProviderEvent[] = [];
  if (typeof message.model === 'string' && message.model !== '') events.push({ type: 'model', model: message.model });
  const reasoning = message.content.map((block) => (block.type === 'thinking' ? (block.thinking ?? '') : '')).join('');
  if (reasoning !== '') events.push({ type: 'reasoning', text: reasoning });
  const text = message.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
  events.push({ type: 'text', text });
  events.push({ type: 'finish', reason: mapAnthropicFinishReason(message.stop_reason) ?? 'stop' });
  if (message.usage) events.push({ type: 'usage', usage: normaliseUsage(message.usage) });
  return events;
}

/**
 * Anthropic's `input_tokens` leaves out the cached part; prompt_tokens here is the whole prompt, as with the
 * other providers, with the cache reads and writes named apart. A later half (message_delta) keeps the earlier
 * input counts where it does not repeat them.
 */
function normaliseUsage(wire: WireUsage, earlier?: Usage): Usage {
  const cacheRead = wire.cache_read_input_tokens ?? earlier?.cache_read_tokens ?? 0;
  const cacheWrite = wire.cache_creation_input_tokens ?? earlier?.cache_write_tokens ?? 0;
  const input =
    wire.input_tokens ?? (earlier ? earlier.prompt_tokens - (earlier.cache_read_tokens ?? 0) - (earlier.cache_write_tokens ?? 0) : 0);
  const prompt = input + cacheRead + cacheWrite;
  const completion = wire.output_tokens ?? earlier?.completion_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(cacheRead > 0 ? { cache_read_tokens: cacheRead } : {}),
    ...(cacheWrite > 0 ? { cache_write_tokens: cacheWrite } : {}),
  };
}
