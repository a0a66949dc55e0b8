/**
 * @module The Messages API request body from a config and the messages: system messages become the top-level
 * `system`, turns of one role in a row become one turn, `max_tokens` is always set (the API requires it),
 * `thinking` becomes extended thinking, `custom_params` are merged on top (a null there removes a field).
 */
import { CallError } from '../../../lib/call-error.js';
import type { LlmConfig } from '../../config/config-schema.js';
import type { ChatMessage } from '../../provider.js';

/** What `max_tokens` is when the config does not say; a thinking budget is added on top of it. */
export const defaultAnthropicMaxTokens = 4096;
/** The API's smallest thinking budget. */
export const minimumThinkingBudget = 1024;

const fixedKeys: ReadonlySet<string> = new Set(['messages', 'stream', 'system']);

type Block = { type: 'text'; text: string } | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } };

/**
 * Checks what the API would refuse with a 400 anyway, before anything is sent: BAD_INPUT naming the field.
 * `label` names the config in messages.
 */
export function checkAnthropicConfig(config: LlmConfig, label: string): void {
  maxTokensOf(config, label);
}

export function buildAnthropicRequest(
  config: LlmConfig,
  label: string,
  model: string,
  messages: ChatMessage[],
  stream: boolean,
): Record<string, unknown> {
  const system = messages.filter((message) => message.role === 'system').map((message) => message.content);
  const turns: Array<{ role: 'user' | 'assistant'; content: Block[] }> = [];
  for (const message of messages) {
    if (message.role === 'system') continue;
    // Stored reasoning is not sent back: Anthropic needs each thinking block with the signature it came with,
    // and only inside a tool loop (see reasoning-policy.ts); plain turns never need it.
    // Images first, then the text: the order Anthropic recommends.
    const blocks: Block[] = [
      ...(message.images ?? []).map((image) => ({
        type: 'image' as const,
        source: { type: 'base64' as const, media_type: image.mime, data: image.data },
      })),
      { type: 'text', text: message.content },
    ];
    const last = turns.at(-1);
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  const instruction = system.join('\n\n');
  // The API refuses a request with no messages; a lone system prompt is then sent as the user turn.
  const onlySystem = turns.length === 0 && instruction !== '';
  if (onlySystem) turns.push({ role: 'user', content: [{ type: 'text', text: instruction }] });
  const { maxTokens, budget } = maxTokensOf(config, label);
  const body: Record<string, unknown> = {
    model,
    max_tokens: maxTokens,
    messages: turns.map((turn) => ({ role: turn.role, content: simplify(turn.content) })),
    ...(instruction === '' || onlySystem ? {} : { system: instruction }),
    stream,
    temperature: config.temperature,
    top_p: config.top_p,
    ...(budget === undefined ? {} : { thinking: { type: 'enabled', budget_tokens: budget } }),
  };
  for (const [key, value] of Object.entries(config.custom_params ?? {})) {
    if (fixedKeys.has(key)) continue;
    const current = body[key];
    body[key] = isPlainObject(current) && isPlainObject(value) ? { ...current, ...value } : value;
  }
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null && value !== undefined));
}

/** One text block is sent as a plain string, the form every Anthropic-compatible server reads. */
function simplify(blocks: Block[]): string | Block[] {
  const [only] = blocks;
  return blocks.length === 1 && only?.type === 'text' ? only.text : blocks;
}

/**
 * `max_tokens` (required by the API): the config's, or the default plus any thinking budget. An explicit
 * `"max_tokens": null` (in the config or custom_params) asks for none, which the API cannot take.
 */
function maxTokensOf(config: LlmConfig, label: string): { maxTokens: number; budget?: number } {
  const custom = config.custom_params ?? {};
  const customMax = custom['max_tokens'];
  const budget = config.thinking?.budget_tokens ?? undefined;
  if (budget !== undefined && budget < minimumThinkingBudget) {
    throw new CallError(
      'BAD_INPUT',
      `${label}: thinking.budget_tokens is ${budget}; Anthropic needs at least ${minimumThinkingBudget} (or leave it out for no thinking)`,
      { details: { field: '/thinking/budget_tokens' } },
    );
  }
  if (config.max_tokens === null || ('max_tokens' in custom && customMax === null)) {
    throw new CallError(
      'BAD_INPUT',
      `${label}: anthropic requires max_tokens, and this config sets it to null; give a number or leave the field out (default ${defaultAnthropicMaxTokens})`,
      { details: { field: config.max_tokens === null ? '/max_tokens' : '/custom_params/max_tokens' } },
    );
  }
  const given = typeof customMax === 'number' ? customMax : config.max_tokens;
  const maxTokens = given ?? defaultAnthropicMaxTokens + (budget ?? 0);
  if (budget !== undefined && budget >= maxTokens) {
    throw new CallError(
      'BAD_INPUT',
      `${label}: thinking.budget_tokens (${budget}) must be below max_tokens (${maxTokens}): the answer needs room after the thinking`,
      { details: { field: '/thinking/budget_tokens' } },
    );
  }
  return budget === undefined ? { maxTokens } : { maxTokens, budget };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
