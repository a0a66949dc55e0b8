/**
 * @module The `openai` / `openai_compatible` adapter: the `openai` SDK pointed at `base_url` (OpenAI,
 * DeepSeek, Ollama, LM Studio, vLLM, a proxy), its own retries off so the shared policy decides.
 */
import OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type { Logger } from '../../../lib/logger.js';
import { collectCompletion } from '../../transport/collect-completion.js';
import type { LlmConfig } from '../../config/config-schema.js';
import type { ClientCache } from '../../transport/client-cache.js';
import type { Connection } from '../../transport/connection.js';
import type { ChatRequest, FinishReason, Provider, ProviderEvent, Usage } from '../../provider.js';
import { MalformedResponse } from '../../transport/upstream-failure.js';
import { byteBodyFetch } from '../../transport/byte-body-fetch.js';
import { once, runUpstream, type UpstreamCall } from '../../transport/upstream-stream.js';
import { mapOpenAiError } from './map-openai-error.js';
import { mapOpenAiFinishReason } from './map-openai-finish-reason.js';
import { buildOpenAiRequest } from './openai-request.js';
import { ToolCallAssembler, type ToolCallFragment } from './openai-tool-calls.js';

const openAiBaseUrl = 'https://api.openai.com/v1';

/** `clients`: where a client for the same base URL and key is reused instead of built again. */
export function createOpenAiProvider(connection: Connection, config: LlmConfig, logger: Logger, clients?: ClientCache): Provider {
  const client = clients ? clients.get('openai', connection, () => openAiClient(connection)) : openAiClient(connection);
  const logRequest = (body: Record<string, unknown>): void => {
    if (config.enable_logging) logger.info('llm request', { provider: connection.provider, config: connection.label, body });
  };

  const streamCall = (sent: ChatRequest): UpstreamCall<ChatCompletionChunk> => {
    let reader = new ChunkReader();
    // Kept for retries until `release`: then no attempt follows, and the stream need not keep the prompt.
    let request: ChatRequest | undefined = sent;
    return {
      async open(signal) {
        reader = new ChunkReader();
        const body = buildOpenAiRequest(config, connection.model, request!, true);
        logRequest(body);
        return client.chat.completions.create(body as unknown as ChatCompletionCreateParamsStreaming, { signal });
      },
      toEvents: (chunk) => reader.events(chunk),
      end: () => reader.end(),
      toFailure: mapOpenAiError,
      release: () => void (request = undefined),
    };
  };

  const completeCall = (request: ChatRequest): UpstreamCall<ChatCompletion> => ({
    async open(signal) {
      const body = buildOpenAiRequest(config, connection.model, request, false);
      logRequest(body);
      return once(await client.chat.completions.create(body as unknown as ChatCompletionCreateParamsNonStreaming, { signal }));
    },
    toEvents: completionEvents,
    toFailure: mapOpenAiError,
  });

  return {
    name: connection.provider,
    model: connection.model,
    stream: (request, { signal }) => runUpstream(streamCall(request), { connection, streaming: true, logger, signal }),
    complete: (request, { signal }) =>
      collectCompletion(runUpstream(completeCall(request), { connection, streaming: false, logger, signal }), connection.model),
  };
}

function openAiClient(connection: Connection): OpenAI {
  return new OpenAI({
    // A keyless local server still needs a value here; the Authorization header is then removed below.
    apiKey: connection.apiKey ?? 'unused',
    // Explicit values, so OPENAI_BASE_URL / OPENAI_ORG_ID / OPENAI_PROJECT_ID in the environment never apply.
    baseURL: connection.baseUrl ?? openAiBaseUrl,
    organization: null,
    project: null,
    adminAPIKey: null,
    maxRetries: 0,
    logLevel: 'off',
    // The body as bytes: undici keeps it while the reply streams, and a string would be kept twice.
    fetch: byteBodyFetch,
    ...(connection.apiKey === undefined ? { defaultHeaders: { Authorization: null } } : {}),
  });
}

/**
 * Reasoning fields the SDK does not type: DeepSeek's `reasoning_content`, and `reasoning` from vLLM, OpenRouter
 * and others. A server sending both sends the same text twice; the first found wins.
 */
function reasoningOf(part: object | null | undefined): string | undefined {
  const fields = part as { reasoning_content?: unknown; reasoning?: unknown } | null | undefined;
  const value = fields?.reasoning_content ?? fields?.reasoning;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The SSE chunks of one attempt. Only choice 0 counts; `content: null` (a role or tool delta) carries no text.
 * Tool-call fragments are assembled across chunks and come out whole, in index order, just before the finish
 * (or at the end of a stream that never sent one). A server that says `stop` after calling tools (some local
 * ones do) is reported as `tool_calls`: the model stopped to have them run.
 */
export class ChunkReader {
  readonly #calls = new ToolCallAssembler();
  #finished = false;

  events(chunk: ChatCompletionChunk): ProviderEvent[] {
    const events: ProviderEvent[] = [];
    if (typeof chunk.model === 'string' && chunk.model !== '') events.push({ type: 'model', model: chunk.model });
    const choice = chunk.choices?.find((candidate) => candidate.index === 0) ?? chunk.choices?.[0];
    const reasoning = reasoningOf(choice?.delta);
    if (reasoning !== undefined) events.push({ type: 'reasoning', text: reasoning });
    const text = choice?.delta?.content;
    if (typeof text === 'string' && text !== '') events.push({ type: 'text', text });
    if (!this.#finished) this.#calls.add(choice?.delta?.tool_calls);
    const reason = mapOpenAiFinishReason(choice?.finish_reason);
    if (reason !== undefined && !this.#finished) events.push(...this.#finish(reason));
    if (chunk.usage) events.push({ type: 'usage', usage: normaliseUsage(chunk.usage) });
    return events;
  }

  /** Calls still held when the stream ends without a finish reason. */
  end(): ProviderEvent[] {
    return this.#finished || !this.#calls.pending ? [] : this.#finish('tool_calls');
  }

  #finish(reason: FinishReason): ProviderEvent[] {
    this.#finished = true;
    const calls = this.#calls.take();
    return [
      ...calls.map((call): ProviderEvent => ({ type: 'tool_call', call })),
      { type: 'finish', reason: calls.length > 0 && reason === 'stop' ? 'tool_calls' : reason },
    ];
  }
}

export function completionEvents(completion: ChatCompletion): ProviderEvent[] {
  const choice = completion?.choices?.[0];
  if (choice === undefined) throw new MalformedResponse('the answer has no choices');
  const events: ProviderEvent[] = [];
  if (typeof completion.model === 'string' && completion.model !== '') events.push({ type: 'model', model: completion.model });
  const reasoning = reasoningOf(choice.message);
  if (reasoning !== undefined) events.push({ type: 'reasoning', text: reasoning });
  const text = choice.message?.content;
  if (typeof text === 'string') events.push({ type: 'text', text });
  const calls = new ToolCallAssembler();
  const wireCalls = (choice.message?.tool_calls ?? []) as ToolCallFragment[];
  // Custom (free-text) tools are never offered, so only function calls are read.
  calls.add(wireCalls.filter((call) => call.function != null).map((call, index) => ({ ...call, index })));
  const toolCalls = calls.take();
  for (const call of toolCalls) events.push({ type: 'tool_call', call });
  const reason = mapOpenAiFinishReason(choice.finish_reason) ?? 'stop';
  events.push({ type: 'finish', reason: toolCalls.length > 0 && reason === 'stop' ? 'tool_calls' : reason });
  if (completion.usage) events.push({ type: 'usage', usage: normaliseUsage(completion.usage) });
  return events;
}

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  /** DeepSeek's name for cached prompt tokens. */
  prompt_cache_hit_tokens?: number;
}

function normaliseUsage(usage: WireUsage): Usage {
  const prompt = usage.prompt_tokens ?? 0;
  const completion = usage.completion_tokens ?? 0;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  const cached = usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage.total_tokens ?? prompt + completion,
    ...(typeof reasoning === 'number' && reasoning > 0 ? { reasoning_tokens: reasoning } : {}),
    ...(typeof cached === 'number' && cached > 0 ? { cache_read_tokens: cached } : {}),
  };
}
