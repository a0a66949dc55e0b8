/**
 * @module The `anthropic` adapter: the official `@anthropic-ai/sdk` on the Messages API (streamed as SSE:
 * message_start, content_block_start/delta/stop, message_delta, message_stop, ping, error), its own retries
 * off so the shared policy decides. Thinking deltas are reasoning, and each thinking block is also kept whole
 * with its signature (a `reasoning_block`), as is each redacted_thinking block; `tool_use` blocks (their input
 * streamed as `input_json_delta` fragments) are tool calls; usage counts cache reads and writes.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Logger } from '../../../lib/logger.js';
import { collectCompletion } from '../../transport/collect-completion.js';
import type { LlmConfig } from '../../config/config-schema.js';
import type { ClientCache } from '../../transport/client-cache.js';
import type { Connection } from '../../transport/connection.js';
import type { ChatRequest, Provider, ProviderEvent, ProviderToolCall, Usage } from '../../provider.js';
import { generateToolCallId } from '../../transport/tool-call-id.js';
import { MalformedResponse } from '../../transport/upstream-failure.js';
import { byteBodyFetch } from '../../transport/byte-body-fetch.js';
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
  signature?: string;
  data?: string;
  id?: string;
  name?: string;
  input?: unknown;
}
interface WireEvent {
  type: string;
  index?: number;
  message?: { model?: string; usage?: WireUsage };
  content_block?: WireBlock;
  delta?: {
    type?: string;
    text?: string;
    thinking?: string;
    signature?: string;
    partial_json?: string;
    stop_reason?: string | null;
  };
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
    const built = buildAnthropicRequest(config, connection.label, connection.model, request, stream);
    if (config.enable_logging) logger.info('llm request', { provider: 'anthropic', config: connection.label, body: built });
    return built;
  };

  const streamCall = (sent: ChatRequest): UpstreamCall<WireEvent> => {
    let reader = new StreamReader();
    // Kept for retries until `release`: then no attempt follows, and the stream need not keep the prompt.
    let request: ChatRequest | undefined = sent;
    return {
      async open(signal) {
        reader = new StreamReader();
        const stream = await client.messages.create(body(request!, true) as unknown as Anthropic.MessageCreateParamsStreaming, { signal });
        return stream as AsyncIterable<WireEvent>;
      },
      toEvents: (event) => reader.events(event),
      end: () => reader.end(),
      toFailure: mapAnthropicError,
      release: () => void (request = undefined),
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
    // The body as bytes: undici keeps it while the reply streams, and a string would be kept twice.
    fetch: byteBodyFetch,
    ...(connection.apiKey === undefined ? { defaultHeaders: { Authorization: null } } : {}),
  });
}

/** The SDK adds `/v1/messages` itself; a base URL written with `/v1` (as for the other providers) loses it. */
export function withoutVersion(baseUrl: string): string {
  return baseUrl.replace(/\/v1$/, '');
}

/** A content block being streamed: its kind and what its deltas have added so far. */
interface OpenBlock {
  start: WireBlock;
  text: string;
  signature: string;
}

/**
 * The events of one attempt. Usage comes in two halves (input in message_start, output in message_delta), so
 * the running total is kept: each message_delta yields the whole usage so far. Thinking and tool_use blocks are
 * collected per index and handed out whole at their content_block_stop: a thinking block (with the signature
 * its signature_delta brought) or redacted_thinking block as a `reasoning_block`, a tool_use block as a
 * `tool_call` whose arguments are its input_json_delta fragments joined.
 */
export class StreamReader {
  #usage: Usage | undefined;
  readonly #open = new Map<number, OpenBlock>();

  events(event: WireEvent): ProviderEvent[] {
    const events: ProviderEvent[] = [];
    switch (event.type) {
      case 'message_start': {
        if (typeof event.message?.model === 'string' && event.message.model !== '')
          events.push({ type: 'model', model: event.message.model });
        if (event.message?.usage) this.#usage = normaliseUsage(event.message.usage);
        return events;
      }
      case 'content_block_start': {
        // A block may open with text already in it.
        const block = event.content_block;
        if (block === undefined) return events;
        if (block.type === 'text' && block.text) events.push({ type: 'text', text: block.text });
        if (block.type === 'thinking' && block.thinking) events.push({ type: 'reasoning', text: block.thinking });
        if (block.type === 'thinking' || block.type === 'redacted_thinking' || block.type === 'tool_use') {
          this.#open.set(event.index ?? 0, {
            start: block,
            text: block.type === 'thinking' ? (block.thinking ?? '') : '',
            signature: block.signature ?? '',
          });
        }
        return events;
      }
      case 'content_block_delta': {
        const delta = event.delta;
        const open = this.#open.get(event.index ?? 0);
        if (delta?.type === 'text_delta' && delta.text) events.push({ type: 'text', text: delta.text });
        else if (delta?.type === 'thinking_delta' && delta.thinking) {
          events.push({ type: 'reasoning', text: delta.thinking });
          if (open) open.text += delta.thinking;
        } else if (delta?.type === 'signature_delta' && open) open.signature += delta.signature ?? '';
        else if (delta?.type === 'input_json_delta' && open) open.text += delta.partial_json ?? '';
        return events;
      }
      case 'content_block_stop': {
        const index = event.index ?? 0;
        const open = this.#open.get(index);
        this.#open.delete(index);
        if (open !== undefined) events.push(closed(open));
        return events;
      }
      case 'message_delta': {
        // Blocks a server never closed still come out whole, before the finish.
        events.push(...this.end());
        const reason = mapAnthropicFinishReason(event.delta?.stop_reason);
        if (reason !== undefined) events.push({ type: 'finish', reason });
        this.#usage = event.usage ? normaliseUsage(event.usage, this.#usage) : this.#usage;
        if (this.#usage) events.push({ type: 'usage', usage: this.#usage });
        return events;
      }
      default:
        // message_stop, ping, and event types added later.
        return events;
    }
  }

  /** Blocks still open (a stream that ended without closing them), in index order. */
  end(): ProviderEvent[] {
    const open = [...this.#open.entries()].sort(([left], [right]) => left - right);
    this.#open.clear();
    return open.map(([, block]) => closed(block));
  }
}

function closed(block: OpenBlock): ProviderEvent {
  const { start } = block;
  if (start.type === 'thinking')
    return { type: 'reasoning_block', block: { type: 'thinking', thinking: block.text, signature: block.signature } };
  if (start.type === 'redacted_thinking') return { type: 'reasoning_block', block: { type: 'redacted_thinking', data: start.data ?? '' } };
  return { type: 'tool_call', call: toolCall(start, block.text) };
}

/** Fragments joined as sent (possibly broken JSON); a call that streamed no fragments has the input it opened with. */
function toolCall(start: WireBlock, fragments: string): ProviderToolCall {
  return {
    id: start.id === undefined || start.id === '' ? generateToolCallId() : start.id,
    name: start.name ?? '',
    arguments: fragments === '' ? JSON.stringify(start.input ?? {}) : fragments,
  };
}

/** A whole (non-streamed) answer. */
export function messageEvents(message: WireMessage): ProviderEvent[] {
  if (!Array.isArray(message?.content)) throw new MalformedResponse('the answer has no content blocks');
  const events: ProviderEvent[] = [];
  if (typeof message.model === 'string' && message.model !== '') events.push({ type: 'model', model: message.model });
  const reasoning = message.content.map((block) => (block.type === 'thinking' ? (block.thinking ?? '') : '')).join('');
  if (reasoning !== '') events.push({ type: 'reasoning', text: reasoning });
  for (const block of message.content) {
    if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      events.push(closed({ start: block, text: block.thinking ?? '', signature: block.signature ?? '' }));
    }
  }
  const text = message.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
  events.push({ type: 'text', text });
  for (const block of message.content) if (block.type === 'tool_use') events.push({ type: 'tool_call', call: toolCall(block, '') });
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
