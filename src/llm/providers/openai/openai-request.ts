/**
 * @module The chat-completions request body from a config and the messages: sampling fields, usage asked for
 * in streams, and `custom_params` merged on top (a null there removes a field, e.g. `"max_tokens": null`).
 */
import type { LlmConfig } from '../../config/config-schema.js';
import type { ChatMessage } from '../../provider.js';

/** Keys `custom_params` may not replace: they are what makes the request this request. */
export const fixedKeys: ReadonlySet<string> = new Set(['messages', 'stream']);

export function buildOpenAiRequest(config: LlmConfig, model: string, messages: ChatMessage[], stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    messages: messages.map(({ role, content }) => ({ role, content })),
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
