/**
 * @module The Messages API request body from a config and the messages: system messages become the top-level
 * `system`, turns of one role in a row become one turn, `max_tokens` is always set (the API requires it),
 * `thinking` becomes extended thinking, offered tools `tools` (`input_schema`) and `tool_choice`, an assistant
 * step's calls `tool_use` blocks (after the thinking blocks the reasoning policy sends back, and its text), tool
 * results `tool_result` blocks of a user turn; `custom_params` are merged on top (a null there removes a field).
 */
import { CallError } from '../../../lib/call-error.js';
import type { LlmConfig } from '../../config/config-schema.js';
import type { ChatMessage, ChatRequest, ReasoningBlock, ToolChoice, ToolSpec } from '../../provider.js';
import { anthropicBlocksToSend, currentTurnStart, reasoningPolicy, type ReasoningPolicy } from '../../reasoning-policy.js';

/** What `max_tokens` is when the config does not say; a thinking budget is added on top of it. */
export const defaultAnthropicMaxTokens = 4096;
/** The API's smallest thinking budget. */
export const minimumThinkingBudget = 1024;

const fixedKeys: ReadonlySet<string> = new Set(['messages', 'stream', 'system']);
/** Also fixed when the request offers tools (without, `custom_params` may still send its own). */
const toolKeys: ReadonlySet<string> = new Set(['tools', 'tool_choice']);

type Block =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } }
  | ReasoningBlock
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: true };

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
  request: ChatRequest,
  stream: boolean,
): Record<string, unknown> {
  const { messages } = request;
  const policy = reasoningPolicy('anthropic', config.reasoning_pass_back);
  const turnStart = currentTurnStart(messages);
  const system = messages.filter((message) => message.role === 'system').map((message) => message.content);
  const turns: Array<{ role: 'user' | 'assistant'; content: Block[] }> = [];
  for (const [index, message] of messages.entries()) {
    if (message.role === 'system') continue;
    const blocks = blocksOf(message, index >= turnStart, policy);
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
    ...toolFields(request),
  };
  const offersTools = (request.tools?.length ?? 0) > 0;
  for (const [key, value] of Object.entries(config.custom_params ?? {})) {
    if (fixedKeys.has(key) || (offersTools && toolKeys.has(key))) continue;
    const current = body[key];
    body[key] = isPlainObject(current) && isPlainObject(value) ? { ...current, ...value } : value;
  }
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null && value !== undefined));
}

/**
 * One message's blocks. A user turn: images first, then the text (the order Anthropic recommends). A tool
 * result: a `tool_result` block. An assistant step that called tools: the thinking blocks the policy sends
 * back (as received, signatures and redacted blocks untouched), its text when it said any, a `tool_use` per
 * call. Reasoning text without its blocks never goes back: a thinking block without its signature is refused.
 */
function blocksOf(message: ChatMessage, inCurrentTurn: boolean, policy: ReasoningPolicy): Block[] {
  if (message.role === 'tool') {
    return [
      {
        type: 'tool_result',
        tool_use_id: message.tool_call_id ?? '',
        content: message.content,
        ...(message.is_error === true ? { is_error: true as const } : {}),
      },
    ];
  }
  const thinking = anthropicBlocksToSend(message, inCurrentTurn, policy);
  const calls = message.role === 'assistant' ? (message.tool_calls ?? []) : [];
  if (calls.length > 0) {
    return [
      ...thinking,
      ...(message.content === '' ? [] : [{ type: 'text' as const, text: message.content }]),
      ...calls.map((call) => ({ type: 'tool_use' as const, id: call.id, name: call.name, input: inputObject(call.arguments) })),
    ];
  }
  return [
    ...thinking,
    ...(message.images ?? []).map((image) => ({
      type: 'image' as const,
      source: { type: 'base64' as const, media_type: image.mime, data: image.data },
    })),
    { type: 'text', text: message.content },
  ];
}

/** `input` must be an object: arguments that are no JSON object (a model's broken JSON) go back as `{}`. */
function inputObject(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The offered tools and the choice. With none offered but calls in the history (tools since removed from the
 * config), the API would refuse the request ("Requests which include tool_use or tool_result blocks must
 * define tools"): the history's tool names are declared with an open schema and `tool_choice: none`.
 */
function toolFields(request: ChatRequest): Record<string, unknown> {
  const tools = request.tools ?? [];
  if (tools.length === 0) {
    const used = [...new Set(request.messages.flatMap((message) => (message.tool_calls ?? []).map((call) => call.name)))];
    if (used.length === 0) return {};
    return {
      tools: used.map((name) => ({ name, description: 'Not offered in this request.', input_schema: { type: 'object' } })),
      tool_choice: { type: 'none' },
    };
  }
  return {
    tools: tools.map(anthropicTool),
    ...(request.tool_choice === undefined ? {} : { tool_choice: anthropicToolChoice(request.tool_choice) }),
  };
}

function anthropicTool(tool: ToolSpec): Record<string, unknown> {
  return { name: tool.name, description: tool.description, input_schema: tool.parameters };
}

function anthropicToolChoice(choice: ToolChoice): Record<string, unknown> {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  return { type: 'tool', name: choice.name };
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
