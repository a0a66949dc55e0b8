/**
 * @module The provider spec (types only): what every adapter in `providers/` implements, so the rest of the
 * engine never sees an SDK.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  /** The answer text (never the reasoning). */
  content: string;
  /** An assistant turn's reasoning as it was streamed; each adapter sends it back only where its policy says. */
  reasoning?: string;
  /** A user turn's images, inline; each adapter sends them in its own format. */
  images?: ImageData[];
}

export interface ImageData {
  /** image/png, image/jpeg, image/gif or image/webp. */
  mime: string;
  /** The bytes, base64. */
  data: string;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'error';

export interface Usage {
  prompt_tokens: number;
  /** Includes the reasoning tokens: providers bill them as output. */
  completion_tokens: number;
  total_tokens: number;
  /** The part of completion_tokens spent on reasoning, when the provider says. */
  reasoning_tokens?: number;
  /** Prompt tokens read from the provider's prompt cache, when it says (part of prompt_tokens). */
  cache_read_tokens?: number;
  /** Prompt tokens written to the provider's prompt cache, when it says (part of prompt_tokens). */
  cache_write_tokens?: number;
}

export interface ChatRequest {
  messages: ChatMessage[];
}

/**
 * One stream part. A stream is: `model`? (at most once, before the first text), `reasoning` and `text` x N
 * (never empty; reasoning usually comes first, but may come between texts),
 * `finish` exactly once, then `usage` at most once. A failure is thrown as a CallError (UPSTREAM_FAILED,
 * UPSTREAM_TIMEOUT, RATE_LIMITED, ABORTED); the parts yielded before it are the valid partial reply.
 */
export type ProviderEvent =
  | { type: 'model'; model: string }
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'finish'; reason: FinishReason }
  | { type: 'usage'; usage: Usage };

export interface Completion {
  content: string;
  /** The reasoning streamed before (or between) the answer; empty when there was none. */
  reasoning: string;
  usage: Usage | null;
  finish_reason: FinishReason;
  /** The model the upstream says answered, or the one asked for when it does not say. */
  model: string;
}

export interface ProviderCallOptions {
  /** Aborting it cancels the upstream HTTP request; the call then fails with ABORTED. */
  signal: AbortSignal;
}

export interface Provider {
  /** `openai`, `openai_compatible`, `gemini`, `anthropic` or `mock`. */
  readonly name: string;
  /** The model asked for (the answer may name another: see the `model` event and `Completion.model`). */
  readonly model: string;
  stream(request: ChatRequest, options: ProviderCallOptions): AsyncIterable<ProviderEvent>;
  complete(request: ChatRequest, options: ProviderCallOptions): Promise<Completion>;
}
