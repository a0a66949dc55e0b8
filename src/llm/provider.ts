/**
 * @module The provider spec (types only): what every adapter in `providers/` implements, so the rest of the
 * engine never sees an SDK.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** The answer text (never the reasoning); for `tool`, the result text the model is given. */
  content: string;
  /** An assistant turn's reasoning as it was streamed; each adapter sends it back only where its policy says. */
  reasoning?: string;
  /** Anthropic thinking blocks exactly as received (signatures kept), sent back only where the policy says. */
  reasoning_blocks?: ReasoningBlock[];
  /** A user turn's images, inline; each adapter sends them in its own format. */
  images?: ImageData[];
  /** An assistant step that called tools: the calls, in the order the model made them. */
  tool_calls?: ProviderToolCall[];
  /** `tool` messages: which call this answers, and the (provider-safe) tool name Gemini wants back. */
  tool_call_id?: string;
  tool_name?: string;
  /** `tool` messages: the tool reported a failure (Anthropic marks the block `is_error`). */
  is_error?: boolean;
}

/** A tool as a provider is told about it; `name` is already provider-safe (`[A-Za-z0-9_-]{1,64}`). */
export interface ToolSpec {
  name: string;
  description: string;
  /** A JSON Schema object. */
  parameters: Record<string, unknown>;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** One call the model made, assembled from all its fragments. */
export interface ProviderToolCall {
  /** The provider's id, or one the adapter made when the provider gives none (Gemini may not). */
  id: string;
  /** The provider-safe name the model used. */
  name: string;
  /** The arguments exactly as the model wrote them: JSON text, possibly invalid (the loop tells the model so). */
  arguments: string;
  /** Gemini's `thoughtSignature` on the functionCall part; must go back on that part. */
  thought_signature?: string;
}

export type ReasoningBlock = { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

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
  /** Tools the model may call; absent or empty: none offered. */
  tools?: ToolSpec[];
  tool_choice?: ToolChoice;
}

/**
 * One stream part. A stream is: `model`? (at most once, before the first text), `reasoning` and `text` x N
 * (never empty; reasoning usually comes first, but may come between texts), `reasoning_block` (Anthropic: a whole
 * thinking block with its signature, after its `reasoning` texts), `tool_call` x N (each once whole, in the
 * model's order, before `finish`), `finish` exactly once, then `usage` at most once. A failure is thrown as a CallError (UPSTREAM_FAILED,
 * UPSTREAM_TIMEOUT, RATE_LIMITED, ABORTED); the parts yielded before it are the valid partial reply.
 */
export type ProviderEvent =
  | { type: 'model'; model: string }
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'reasoning_block'; block: ReasoningBlock }
  | { type: 'tool_call'; call: ProviderToolCall }
  | { type: 'finish'; reason: FinishReason }
  | { type: 'usage'; usage: Usage };

export interface Completion {
  content: string;
  /** The reasoning streamed before (or between) the answer; empty when there was none. */
  reasoning: string;
  reasoning_blocks: ReasoningBlock[];
  tool_calls: ProviderToolCall[];
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
