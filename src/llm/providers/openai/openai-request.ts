/**
 * @module The chat-completions request body from a config and the messages: sampling fields, usage asked for
 * in streams, and `custom_params` merged on top (a null there removes a field, e.g. `"max_tokens": null`).
 * Stored reasoning goes back as `reasoning_content` only where the reasoning policy says.
 */
import type { LlmConfig } from '../../config/config-schema.js';
import type { ChatMessage } from '../../provider.js';
import { reasoningPolicy, reasoningToSend } from '../../reasoning-policy.js';

/** Keys `custom_params` may not replace: they are what makes the request this request. */
export const fixedKeys: ReadonlySet<string> = new Set(['messages', 'stream']);

export function buildOpenAiRequest(config: LlmConfig, model: string, messages: ChatMessage[], stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    messages: openAiMessages(config, messages),
    stream,
    temperature: config.temperature,
    max_tokens: config.max_tokens,
    top_p: config.top_p,
    presence_penalty: config.presence_penalty,
    frequency_penalty: config.frequency_penalty,
  };
  if (stream) body['stream_options'] = { include_usage: true };
  for (const [key, value] of Object.entries(config.custom_params ?? {})) {
    if (fixedKeys.has(key)) continue;
    const current = body[key];
    body[key] = isPlainObject(current) && isPlainObject(value) ? { ...current, ...value } : value;
  }
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null && value !== undefined));
}

/** Role and content; an assistant turn's reasoning as DeepSeek's `reasoning_content`, where the policy says. */
function openAiMessages(config: LlmConfig, messages: ChatMessage[]): Array<Record<string, unknown>> {
  const policy = reasoningPolicy(config.provider, config.reasoning_pass_back);
  return messages.map((message) => {
    const reasoning = reasoningToSend(message, policy);
    return { role: message.role, content: contentOf(message), ...(reasoning === undefined ? {} : { reasoning_content: reasoning }) };
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
