/**
 * @module Which stored reasoning goes back to the provider in the next request. The rules differ per
 * provider and getting them wrong is an HTTP 400 either way, so they live here, in one place, per provider,
 * overridable per config (`reasoning_pass_back`). Each request builder asks here, per message.
 *
 * What the providers demand, and what `tool_turns` (the default everywhere) sends:
 *   - DeepSeek thinking mode: the `reasoning_content` of every assistant step that made tool calls must be sent
 *     back in all later requests (400 otherwise); `deepseek-reasoner` refuses `reasoning_content` on ordinary
 *     turns (400). OpenAI itself ignores the field. So: `reasoning_content` on every tool-call step, never on
 *     a plain turn (`reasoningToSend`).
 *   - Anthropic: the thinking blocks (with `signature`; `redacted_thinking` as it came) of the current assistant
 *     turn while a tool loop continues: the steps after the last real user message. Thinking of earlier turns
 *     is dropped by the API anyway, so it is not sent (`anthropicBlocksToSend`). Reasoning text without its
 *     blocks (a turn from another provider) never goes: a block without its signature is refused.
 *   - Gemini: the `thoughtSignature` it gave with a `functionCall` goes back on that part, on every tool-call
 *     step (`geminiSignaturesToSend`); thought text is not part of the contract and goes back only under
 *     `always`, as a thought part (`geminiThoughtToSend`).
 * `never` sends none of it (a provider that demands it then answers 400); `always` sends every turn's.
 */
import type { ReasoningPassBack } from './config/config-schema.js';
import type { ChatMessage, ReasoningBlock } from './provider.js';

export interface ReasoningPolicy {
  /** Send the reasoning of assistant turns that made no tool call. */
  plainTurns: boolean;
  /** Send the reasoning of assistant turns that made tool calls (in each provider's own form). */
  toolTurns: boolean;
}

const policies: Record<ReasoningPassBack, ReasoningPolicy> = {
  never: { plainTurns: false, toolTurns: false },
  tool_turns: { plainTurns: false, toolTurns: true },
  always: { plainTurns: true, toolTurns: true },
};

/** Per provider; every one of them wants reasoning back only inside tool loops. */
const providerDefaults: Record<string, ReasoningPassBack> = {
  openai: 'tool_turns',
  openai_compatible: 'tool_turns',
  gemini: 'tool_turns',
  anthropic: 'tool_turns',
  mock: 'never',
};

export function reasoningPolicy(provider: string, configured: ReasoningPassBack | null | undefined): ReasoningPolicy {
  return policies[configured ?? providerDefaults[provider] ?? 'tool_turns'];
}

/** Whether an assistant message is a step that called tools (the node's `tool_steps` expand into such messages). */
export function turnMadeToolCalls(message: ChatMessage): boolean {
  return (message.tool_calls?.length ?? 0) > 0;
}

/** OpenAI-style (`reasoning_content`): the reasoning to send back with this message under the policy, or undefined. */
export function reasoningToSend(message: ChatMessage, policy: ReasoningPolicy): string | undefined {
  if (message.role !== 'assistant' || message.reasoning === undefined || message.reasoning === '') return undefined;
  const allowed = turnMadeToolCalls(message) ? policy.toolTurns : policy.plainTurns;
  return allowed ? message.reasoning : undefined;
}

/** Gemini: the thought text to send back as a thought part: only under `always` (Gemini does not ask for it). */
export function geminiThoughtToSend(message: ChatMessage, policy: ReasoningPolicy): string | undefined {
  return policy.plainTurns ? reasoningToSend(message, policy) : undefined;
}

/** Gemini: whether this step's functionCall parts carry their `thoughtSignature` back. */
export function geminiSignaturesToSend(message: ChatMessage, policy: ReasoningPolicy): boolean {
  return message.role === 'assistant' && turnMadeToolCalls(message) && policy.toolTurns;
}

/**
 * Where the current turn starts: the index after the last real user message (tool results are `tool`
 * messages, so they do not end it). The assistant steps from there on are the tool loop in progress.
 */
export function currentTurnStart(messages: readonly ChatMessage[]): number {
  return messages.findLastIndex((message) => message.role === 'user') + 1;
}

/**
 * Anthropic: the thinking blocks to send back with this assistant message, exactly as received. Under
 * `tool_turns`, those of the current turn's steps (`inCurrentTurn`: after the last real user message) that
 * called tools; under `always`, every turn's; under `never`, none.
 */
export function anthropicBlocksToSend(message: ChatMessage, inCurrentTurn: boolean, policy: ReasoningPolicy): ReasoningBlock[] {
  const blocks = message.role === 'assistant' ? (message.reasoning_blocks ?? []) : [];
  if (blocks.length === 0) return [];
  if (policy.plainTurns) return blocks;
  return policy.toolTurns && inCurrentTurn && turnMadeToolCalls(message) ? blocks : [];
}
