/**
 * @module Which stored reasoning goes back to the provider in the next request. The rules differ per
 * provider and getting them wrong is an HTTP 400 either way, so they live here, in one place, per provider,
 * overridable per config (`reasoning_pass_back`).
 *
 * What the providers demand (and why the default is `tool_turns` everywhere):
 *   - DeepSeek thinking mode: the `reasoning_content` of every assistant turn that made tool calls must be sent
 *     back in all later requests (400 otherwise); `deepseek-reasoner` refuses `reasoning_content` on ordinary
 *     turns (400). OpenAI itself ignores the field. So: on tool-call turns only.
 *   - Anthropic: the thinking blocks (with `signature`; `redacted_thinking` as it came) of the current assistant
 *     turn while a tool loop continues; thinking of earlier turns is dropped by the API anyway.
 *   - Gemini: the `thoughtSignature` it gave with a `functionCall` goes back on that part; thought text is not
 *     part of the contract.
 */
import type { ReasoningPassBack } from './config/config-schema.js';
import type { ChatMessage } from './provider.js';

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

/** The reasoning to send back with this message under the policy, or undefined. */
export function reasoningToSend(message: ChatMessage, policy: ReasoningPolicy): string | undefined {
  if (message.role !== 'assistant' || message.reasoning === undefined || message.reasoning === '') return undefined;
  const allowed = turnMadeToolCalls(message) ? policy.toolTurns : policy.plainTurns;
  return allowed ? message.reasoning : undefined;
}
