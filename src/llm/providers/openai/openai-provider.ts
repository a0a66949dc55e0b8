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
import type { ChatRequest, Provider, ProviderEvent, Usage } from '../../provider.js';
import { MalformedResponse } from '../../transport/upstream-failure.js';
import { once, runUpstream, type UpstreamCall } from '../../transport/upstream-stream.js';
import { mapOpenAiError } from './map-openai-error.js';
import { mapOpenAiFinishReason } from './map-openai-finish-reason.js';
import { buildOpenAiRequest } from './openai-request.js';

const openAiBaseUrl = 'https://api.openai.com/v1';

/** `clients`: where a client for the same base URL and key is reused instead of built again. */
export function createOpenAiProvider(connection: Connection, config: LlmConfig, logger: Logger, clients?: ClientCache): Provider {
  const client = clients ? clients.get('openai', connection, () => openAiClient(connection)) : openAiClient(connection);
  const logRequest = (body: Record<string, unknown>): void => {
    if (config.enable_logging) logger.info('llm request', { provider: connection.provider, config: connection.label, body });
  };

  const streamCall = (request: ChatRequest): UpstreamCall<ChatCompletionChunk> => ({
    async open(signal) {
      const body = buildOpenAiRequest(config, connection.model, request.messages, true);
      logRequest(body);
      return client.chat.completions.create(body as unknown as ChatCompletionCreateParamsStreaming, { signal });
    },
    toEvents: chunkEvents,
    toFailure: mapOpenAiError,
  });

  const completeCall = (request: ChatRequest): UpstreamCall<ChatCompletion> => ({
    async open(signal) {
      const body = buildOpenAiRequest(config, connection.model, request.messages, false);
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

/** One SSE chunk. Only choice 0 counts; `content: null` (a role or tool delta) carries no text. */
export function chunkEvents(chunk: ChatCompletionChunk): ProviderEvent[] {
  const events: ProviderEvent[] = [];
  if (typeof chunk.model === 'string' && chunk.model !== '') events.push({ type: 'model', model: chunk.model });
  const choice = chunk.choices?.find((candidate) => candidate.index === 0) ?? chunk.choices?.[0];
  const reasoning = reasoningOf(choice?.delta);
  if (reasoning !== undefined) events.push({ type: 'reasoning', text: reasoning });
  const text = choice?.delta?.content;
  if (typeof text === 'string' && text !== '') events.push({ type: 'text', text });
  const reason = mapOpenAiFinishReason(choice?.finish_reason);
  if (reason !== undefined) events.push({ type: 'finish', reason });
  if (chunk.usage) events.push({ type: 'usage', usage: normaliseUsage(chunk.usage) });
  return events;
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
  events.push({ type: 'finish', reason: mapOpenAiFinishReason(choice.finish_reason) ?? 'stop' });
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
