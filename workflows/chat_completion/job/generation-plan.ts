/** @module What a started completion carries from its preparation into the job that runs and saves it. */
import type { UsageCounts } from '../../../src/generation/generation-events.js';
import type { ChatMessage, ProviderToolCall, ReasoningBlock } from '../../../src/llm/provider.js';
import type { ToolSet } from '../tools/tool-set.js';
import type { CompletionHooks } from './completion-hooks.js';
import type { PreparedCompletion } from './prepare-completion.js';

/** The events of `modules/llm_api/chat_stream`. */
export type UpstreamEvent =
  | { type: 'start'; provider: string; model: string }
  | { type: 'chunk'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'reasoning_block'; block: ReasoningBlock }
  | { type: 'tool_call'; call: ProviderToolCall }
  | { type: 'finish'; finish_reason: string }
  | { type: 'usage'; usage: UsageCounts; cost?: number }
  | { type: 'error'; code: string; message: string }
  | { type: 'end'; model_used?: string; response_time: number; ttft?: number };

/**
 * The job runs as long as the reply streams: it carries the names it saves under, not the conversation as read,
 * its settings or the messages sent (those would be held per open stream, growing with the conversation).
 */
export interface GenerationPlan extends Omit<PreparedCompletion, 'messages' | 'conversation' | 'settings'> {
  includeDoc: boolean;
  provider: string;
  model: string;
  /** The provider stream, its `start` event already read. */
  upstream: AsyncIterator<UpstreamEvent>;
  /** The messages of the first model call, as plugins' beforeLLMCall hooks left them; empty when no tools are offered. */
  requestMessages: ChatMessage[];
  /** The tools offered, when any: then each step that calls tools is followed by another model call. */
  tools: ToolSet | undefined;
  /** Opens the next model call of a tool loop (tool_choice is back to auto after the first). */
  nextUpstream(messages: ChatMessage[]): Promise<AsyncIterator<UpstreamEvent>>;
  /** The plugins' hooks for this conversation. */
  hooks: CompletionHooks;
}
