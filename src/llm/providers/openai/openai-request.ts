/**
 * @module The chat-completions request body from a config and the request: sampling fields, usage asked for
 * in streams, the offered tools (`tools`, `tool_choice`), and `custom_params` merged on top (a null there removes
 * a field, e.g. `"max_tokens": null`). Assistant steps that called tools carry `tool_calls`; tool results are
 * `role: "tool"` messages. Stored reasoning goes back as `reasoning_content` only where the reasoning policy says.
 */
import type { LlmConfig } from '../../config/config-schema.js';
import type { ChatMessage, ChatRequest, ToolChoice, ToolSpec } from '../../provider.js';
import { reasoningPolicy, reasoningToSend } from '../../reasoning-policy.js';

/** Keys `custom_params` may not replace: they are what makes the request this request. */
export const fixedKeys: ReadonlySet<string> = new Set(['messages', 'stream']);
/** Also fixed when the request offers tools (without, `custom_params` may still send its own). */
const toolKeys: ReadonlySet<string> = new Set(['tools', 'tool_choice']);

export function buildOpenAiRequest(config: LlmConfig, model: string, request: ChatRequest, stream: boolean): Record<string, unknown> {
  const offersTools = (request.tools?.length ?? 0) > 0;
  const body: Record<string, unknown> = {
    model,
    messages: openAiMessages(config, request.messages),
    stream,
    temperature: config.temperature,
    max_tokens: config.max_tokens,
    top_p: config.top_p,
    presence_penalty: config.presence_penalty,
    frequency_penalty: config.frequency_penalty,
  };
  if (stream) body['stream_options'] = { include_usage: true };
  if (offersTools) {
    body['tools'] = request.tools?.map(openAiTool);
    if (request.tool_choice !== undefined) body['tool_choice'] = openAiToolChoice(request.tool_choice);
  }
  for (const [key, value] of Object.entries(config.custom_params ?? {})) {
    if (fixedKeys.has(key) || (offersTools && toolKeys.has(key))) continue;
    const current = body[key];
    body[key] = isPlainObject(current) && isPlainObject(value) ? { ...current, ...value } : value;
  }
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null && value !== undefined));
}

function openAiTool(tool: ToolSpec): Record<string, unknown> {
  return { type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
}

function openAiToolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

/**
 * Role and content; an assistant turn's reasoning as DeepSeek's `reasoning_content`, where the policy says (for
 * DeepSeek's thinking mode that is every step that called tools). An assistant step's calls go as `tool_calls`
 * (content null when it said nothing, as OpenAI sends it); a tool result names the call it answers.
 */
function openAiMessages(config: LlmConfig, messages: ChatMessage[]): Array<Record<string, unknown>> {
  const policy = reasoningPolicy(config.provider, config.reasoning_pass_back);
  return messages.map((message) => {
    if (message.role === 'tool') return { role: 'tool', tool_call_id: message.tool_call_id ?? '', content: message.content };
    const reasoning = reasoningToSend(message, policy);
    const calls = message.role === 'assistant' ? (message.tool_calls ?? []) : [];
    return {
      role: message.role,
      content: calls.length > 0 && message.content === '' ? null : contentOf(message),
      ...(reasoning === undefined ? {} : { reasoning_content: reasoning }),
      ...(calls.length === 0
        ? {}
        : {
            tool_calls: calls.map((call) => ({
              id: call.id,
              type: 'function',
              function: { name: call.name, arguments: call.arguments },
            })),
          }),
    };
  });
}

/** A plain string, or with images the content parts: the text, then each image as an `image_url` data URL. */
function contentOf(message: ChatMessage): string | Array<Record<string, unknown>> {
  if (message.images === undefined || message.images.length === 0) return message.content;
  return [
    { type: 'text', text: message.content },
    ...message.images.map((image) => ({ type: 'image_url', image_url: { url: `data:${image.mime};base64,${image.data}` } })),
  ];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
