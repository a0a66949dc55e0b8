/**
 * @module The provider spec (types only): what every adapter in `providers/` implements, so the rest of the
 * engine never sees an SDK.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'error';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatRequest {
  messages: ChatMessage[];
}

/**
 * One stream part. A stream is: `model`? (at most once, before the first text), `text` x N (never empty),
 * `finish` exactly once, then `usage` at most once. A failure is thrown as a CallError (UPSTREAM_FAILED,
 * UPSTREAM_TIMEOUT, RATE_LIMITED, ABORTED); the parts yielded before it are the valid partial reply.
 */
export type ProviderEvent =
  | { type: 'model'; model: string }
  | { type: 'text'; text: string }
  | { type: 'finish'; reason: FinishReason }
  | { type: 'usage'; usage: Usage };

export interface Completion {
  content: string;
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
  /** `openai`, `openai_compatible`, `gemini` or `mock`. */
  readonly name: string;
  /** The model asked for (the answer may name another: see the `model` event and `Completion.model`). */
  readonly model: string;
  stream(request: ChatRequest, options: ProviderCallOptions): AsyncIterable<ProviderEvent>;
  complete(request: ChatRequest, options: ProviderCallOptions): Promise<Completion>;
}
