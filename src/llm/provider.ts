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

export type ProviderEvent =
  | { type: 'text'; text: string }
  | { type: 'finish'; reason: FinishReason }
  | { type: 'usage'; usage: Usage };

export interface Completion {
  content: string;
  usage: Usage | null;
  finish_reason: FinishReason;
  model: string;
}

export interface Provider {
  /** `openai`, `openai_compatible`, `gemini` or `mock`. */
  readonly name: string;
  /** The model asked for (the answer may name another: see `Completion.model`). */
  readonly model: string;
  stream(request: ChatRequest, options: { signal: AbortSignal }): AsyncIterable<ProviderEvent>;
  complete(request: ChatRequest, options: { signal: AbortSignal }): Promise<Completion>;
}
