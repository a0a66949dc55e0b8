/** @module What a started completion carries from its preparation into the job that runs and saves it. */
import type { UsageCounts } from '../../../src/generation/generation-events.js';
import type { CompletionHooks } from './completion-hooks.js';
import type { PreparedCompletion } from './prepare-completion.js';

/** The events of `modules/llm_api/chat_stream`. */
export type UpstreamEvent =
  | { type: 'start'; provider: string; model: string }
  | { type: 'chunk'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'finish'; finish_reason: string }
  | { type: 'usage'; usage: UsageCounts; cost?: number }
  | { type: 'error'; code: string; message: string }
  | { type: 'end'; model_used?: string; response_time: number; ttft?: number };

export interface GenerationPlan extends PreparedCompletion {
  includeDoc: boolean;
  provider: string;
  model: string;
  /** The provider stream, its `start` event already read. */
  upstream: AsyncIterator<UpstreamEvent>;
  /** The plugins' hooks for this conversation. */
  hooks: CompletionHooks;
}
