/**
 * @module What `chat` and `chat_stream` take (messages, and a config file or an inline config) and how a
 * step turns it into a provider. Every config problem is thrown here, before a stream yields anything.
 */
import { CallError } from '../../lib/call-error.js';
import type { StepContext } from '../../registry/define-step.js';
import type { LoadedConfig } from '../../llm/config/config-check.js';
import { embeddableLlmConfigSchema } from '../../llm/config/config-schema.js';
import { defaultConfigFile } from '../../llm/llm-service.js';
import { refuseImagesWithoutVision } from '../../llm/vision.js';
import type { ChatMessage, Provider } from '../../llm/provider.js';

export interface ChatInput {
  messages: Array<ChatMessage & Record<string, unknown>>;
  config_file?: string | null;
  config?: Record<string, unknown>;
  params?: Record<string, unknown>;
}

export const chatInputSchema = {
  type: 'object',
  properties: {
    messages: {
      type: 'array',
      minItems: 1,
      description: 'The conversation so far; fields other than role, content, reasoning and images are ignored.',
      items: {
        type: 'object',
        properties: {
          role: { enum: ['system', 'user', 'assistant'] },
          content: { type: 'string' },
          reasoning: { type: 'string', description: "An assistant turn's reasoning; sent back only where the provider's policy says." },
          images: {
            type: 'array',
            description: 'A user turn\'s images, inline (base64); refused with UNSUPPORTED_CONTENT by a config with "vision": false.',
            items: {
              type: 'object',
              properties: { mime: { enum: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] }, data: { type: 'string' } },
              required: ['mime', 'data'],
              additionalProperties: false,
            },
          },
        },
        required: ['role', 'content'],
      },
    },
    config_file: {
      type: ['string', 'null'],
      description: `A config under data/llm_configs/ (e.g. data/llm_configs/openai_gpt4.json); default ${defaultConfigFile}.`,
      examples: ['data/llm_configs/mock.json'],
    },
    config: { ...embeddableLlmConfigSchema, description: 'An inline config instead of a file; ${ENV} placeholders are refused.' },
    params: {
      type: 'object',
      description:
        "Sampling fields for this request only, over the config's (plugins' beforeLLMCall hooks set them); custom_params are merged.",
      properties: {
        temperature: { type: 'number' },
        max_tokens: { type: 'integer', minimum: 1 },
        top_p: { type: 'number' },
        presence_penalty: { type: 'number' },
        frequency_penalty: { type: 'number' },
        custom_params: { type: 'object' },
      },
      additionalProperties: false,
    },
  },
  required: ['messages'],
  additionalProperties: false,
} as const;

export const usageSchema = {
  type: 'object',
  properties: {
    prompt_tokens: { type: 'integer', minimum: 0 },
    completion_tokens: { type: 'integer', minimum: 0 },
    total_tokens: { type: 'integer', minimum: 0 },
    reasoning_tokens: { type: 'integer', minimum: 0, description: 'Part of completion_tokens.' },
    cache_read_tokens: { type: 'integer', minimum: 0, description: 'Part of prompt_tokens.' },
    cache_write_tokens: { type: 'integer', minimum: 0, description: 'Part of prompt_tokens.' },
  },
  required: ['prompt_tokens', 'completion_tokens', 'total_tokens'],
  additionalProperties: false,
} as const;

export const finishReasonSchema = { enum: ['stop', 'length', 'content_filter', 'tool_calls', 'error'] } as const;

export async function openProvider(input: ChatInput, context: StepContext): Promise<{ loaded: LoadedConfig; provider: Provider }> {
  const { llm } = context.services;
  const file = input.config_file === null || input.config_file === '' ? undefined : input.config_file;
  if (file !== undefined && input.config !== undefined) {
    throw new CallError('BAD_INPUT', 'give either config_file or config, not both');
  }
  let loaded = input.config !== undefined ? llm.inlineConfig(input.config) : await llm.loadConfig(file);
  if (input.params !== undefined) loaded = withParams(loaded, input.params);
  const withImages = input.messages.findIndex((message) => Array.isArray(message.images) && message.images.length > 0);
  if (withImages !== -1) refuseImagesWithoutVision(loaded, `messages[${withImages}]`);
  return { loaded, provider: llm.provider(loaded) };
}

/** The config with one request's sampling fields over its own (a new object: the cached one stays as its file says). */
function withParams(loaded: LoadedConfig, params: Record<string, unknown>): LoadedConfig {
  const { custom_params: customParams, ...fields } = params as { custom_params?: Record<string, unknown> };
  const config = { ...loaded.config, ...fields };
  if (customParams !== undefined) config.custom_params = { ...loaded.config.custom_params, ...customParams };
  return { ...loaded, config };
}

/**
 * Only role, content and reasoning reach the adapter (SmartTavern's rule, plus what the reasoning policy needs):
 * node ids and other fields stay here. The adapter decides whether reasoning goes on the wire.
 */
export function toChatMessages(messages: ChatInput['messages']): ChatMessage[] {
  return messages.map(({ role, content, reasoning, images }) => ({
    role,
    content,
    ...(typeof reasoning === 'string' && reasoning !== '' ? { reasoning } : {}),
    ...(Array.isArray(images) && images.length > 0 ? { images } : {}),
  }));
}

export function secondsSince(startedMs: number): number {
  return Math.round(performance.now() - startedMs) / 1000;
}
