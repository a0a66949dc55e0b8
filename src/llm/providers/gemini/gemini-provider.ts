/**
 * @module The `gemini` adapter: `@google/genai` (streaming through `streamGenerateContent?alt=sse`), base URL
 * overridable for proxies and tests. The key travels in the `x-goog-api-key` header, never in a URL.
 */
import { GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import type { Logger } from '../../../lib/logger.js';
import { collectCompletion } from '../../transport/collect-completion.js';
import type { LlmConfig } from '../../config/config-schema.js';
import type { ClientCache } from '../../transport/client-cache.js';
import type { Connection } from '../../transport/connection.js';
import type { ChatRequest, Provider, ProviderEvent } from '../../provider.js';
import { generateToolCallId } from '../../transport/tool-call-id.js';
import { reasoningPolicy } from '../../reasoning-policy.js';
import { byteBodyFetch } from '../../transport/byte-body-fetch.js';
import { once, runUpstream, type UpstreamCall } from '../../transport/upstream-stream.js';
import { buildGeminiConfig, buildGeminiTools, convertMessages } from './gemini-request.js';
import { mapGeminiError } from './map-gemini-error.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';

const defaultApiVersion = 'v1beta';

/** `clients`: where a client for the same base URL and key is reused instead of built again. */
export function createGeminiProvider(connection: Connection, config: LlmConfig, logger: Logger, clients?: ClientCache): Provider {
  const client = clients ? clients.get('gemini', connection, () => geminiClient(connection)) : geminiClient(connection);

  const call = (sent: ChatRequest, streaming: boolean): UpstreamCall<GenerateContentResponse> => {
    // Kept for retries until `release`: then no attempt follows, and the stream need not keep the prompt.
    let request: ChatRequest | undefined = sent;
    // The SDK's errors do not keep the response headers; this keeps the last ones for Retry-After.
    let lastHeaders: Headers | undefined;
    const recordingFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      // The body as bytes: undici keeps it while the reply streams, and a string would be kept twice.
      const response = await byteBodyFetch(input, init);
      lastHeaders = response.headers;
      return response;
    };
    let reader = new ResponseReader();
    return {
      async open(signal) {
        lastHeaders = undefined;
        reader = new ResponseReader();
        const generation = { ...buildGeminiConfig(config), ...buildGeminiTools(request!) };
        const parameters = {
          model: connection.model,
          ...convertMessages(request!.messages, reasoningPolicy('gemini', config.reasoning_pass_back)),
        };
        if (config.enable_logging)
          logger.info('llm request', { provider: 'gemini', config: connection.label, body: { ...parameters, generation } });
        const { systemInstruction, contents } = parameters;
        const requestConfig = {
          ...generation,
          ...(systemInstruction === undefined ? {} : { systemInstruction }),
          abortSignal: signal,
          // Resuming a dropped stream is a retry after the first token: the shared policy forbids it.
          automaticContinuation: false,
          httpOptions: { ...generation.httpOptions, fetch: recordingFetch },
        };
        const model = { model: connection.model, contents, config: requestConfig };
        if (streaming) return client.models.generateContentStream(model);
        return once(await client.models.generateContent(model));
      },
      toEvents: (response) => reader.events(response),
      toFailure: (error) => mapGeminiError(error, lastHeaders),
      release: () => void (request = undefined),
    };
  };

  return {
    name: 'gemini',
    model: connection.model,
    stream: (request, { signal }) => runUpstream(call(request, true), { connection, streaming: true, logger, signal }),
    complete: (request, { signal }) =>
      collectCompletion(runUpstream(call(request, false), { connection, streaming: false, logger, signal }), connection.model),
  };
}

function geminiClient(connection: Connection): GoogleGenAI {
  return new GoogleGenAI({
    // A keyless proxy still gets a placeholder: without any key the SDK would look for Google Cloud credentials.
    apiKey: connection.apiKey ?? 'unused',
    // Explicit, so GOOGLE_GENAI_USE_VERTEXAI in the environment cannot redirect the call.
    vertexai: false,
    ...(connection.baseUrl === undefined ? {} : { httpOptions: splitBaseUrl(connection.baseUrl) }),
  });
}

/**
 * The chunks of one attempt (or a whole answer). Thought parts are reasoning, not reply text. Each functionCall
 * part is a whole call (Gemini does not split them): its args as JSON text, its id or a made-up one, its
 * `thoughtSignature` kept. Gemini ends a turn that called functions with STOP; that is reported as `tool_calls`.
 */
export class ResponseReader {
  #calledTools = false;

  events(response: GenerateContentResponse): ProviderEvent[] {
    const events: ProviderEvent[] = [];
    if (response.modelVersion) events.push({ type: 'model', model: response.modelVersion });
    const candidate = response.candidates?.[0];
    const parts = candidate?.content?.parts ?? [];
    const textOf = (thought: boolean): string =>
      parts
        .filter((part) => typeof part.text === 'string' && Boolean(part.thought) === thought)
        .map((part) => part.text)
        .join('');
    const reasoning = textOf(true);
    if (reasoning !== '') events.push({ type: 'reasoning', text: reasoning });
    const text = textOf(false);
    if (text !== '') events.push({ type: 'text', text });
    for (const part of parts) {
      const call = part.functionCall;
      if (call === undefined) continue;
      this.#calledTools = true;
      events.push({
        type: 'tool_call',
        call: {
          id: typeof call.id === 'string' && call.id !== '' ? call.id : generateToolCallId(),
          name: call.name ?? '',
          arguments: JSON.stringify(call.args ?? {}),
          ...(typeof part.thoughtSignature === 'string' && part.thoughtSignature !== ''
            ? { thought_signature: part.thoughtSignature }
            : {}),
        },
      });
    }
    const reason = mapGeminiFinishReason(candidate?.finishReason);
    if (reason !== undefined) events.push({ type: 'finish', reason: this.#calledTools && reason === 'stop' ? 'tool_calls' : reason });
    else if (candidate === undefined && response.promptFeedback?.blockReason) events.push({ type: 'finish', reason: 'content_filter' });
    const usage = usageEvent(response);
    if (usage !== undefined) events.push(usage);
    return events;
  }
}

function usageEvent(response: GenerateContentResponse): ProviderEvent | undefined {
  const usage = response.usageMetadata;
  if (!usage) return undefined;
  const prompt = usage.promptTokenCount ?? 0;
  // Thinking tokens are billed as output, so they count as completion tokens.
  const thoughts = usage.thoughtsTokenCount ?? 0;
  const completion = (usage.candidatesTokenCount ?? 0) + thoughts;
  const cached = usage.cachedContentTokenCount ?? 0;
  return {
    type: 'usage',
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: usage.totalTokenCount ?? prompt + completion,
      ...(thoughts > 0 ? { reasoning_tokens: thoughts } : {}),
      ...(cached > 0 ? { cache_read_tokens: cached } : {}),
    },
  };
}

/**
 * SmartTavern configs give `https://generativelanguage.googleapis.com/v1beta`; the SDK wants the host and the
 * version apart. A base URL without a version segment gets v1beta.
 */
export function splitBaseUrl(baseUrl: string): { baseUrl: string; apiVersion: string } {
  const match = /^(.*?)\/(v\d+(?:alpha|beta)?\d*)$/.exec(baseUrl);
  if (match?.[1] && match[2]) return { baseUrl: match[1], apiVersion: match[2] };
  return { baseUrl, apiVersion: defaultApiVersion };
}
