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
import type { ChatMessage, ChatRequest, Provider, ToolChoice, ToolSpec } from '../../llm/provider.js';

export interface ChatInput {
  messages: Array<ChatMessage & Record<string, unknown>>;
  config_file?: string | null;
  config?: Record<string, unknown>;
  params?: Record<string, unknown>;
  tools?: ToolSpec[];
  tool_choice?: ToolChoice;
}

const toolCallSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 1 },
    name: { type: 'string', minLength: 1 },
    arguments: { type: 'string', description: 'JSON text, as the model wrote it.' },
    thought_signature: { type: 'string' },
  },
  required: ['id', 'name', 'arguments'],
  additionalProperties: false,
} as const;

export const providerToolCallSchema = toolCallSchema;

const reasoningBlockSchema = {
  oneOf: [
    {
      type: 'object',
      properties: { type: { const: 'thinking' }, thinking: { type: 'string' }, signature: { type: 'string' } },
      required: ['type', 'thinking', 'signature'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { type: { const: 'redacted_thinking' }, data: { type: 'string' } },
      required: ['type', 'data'],
      additionalProperties: false,
    },
  ],
} as const;

export const providerReasoningBlockSchema = reasoningBlockSchema;

export const chatInputSchema = {
  type: 'object',
  properties: {
    messages: {
      type: 'array',
      minItems: 1,
      description: 'The conversation so far; fields other than role, content, reasoning, images and the tool fields are ignored.',
      items: {
        type: 'object',
        properties: {
          role: { enum: ['system', 'user', 'assistant', 'tool'] },
          content: { type: 'string' },
          tool_calls: { type: 'array', items: toolCallSchema, description: 'An assistant step that called tools.' },
          reasoning_blocks: { type: 'array', items: reasoningBlockSchema, description: 'Anthropic thinking blocks as received.' },
          tool_call_id: { type: 'string', description: 'A `tool` message: the call it answers.' },
          tool_name: { type: 'string', description: 'A `tool` message: the tool that answered.' },
          is_error: { type: 'boolean', description: 'A `tool` message: the tool failed.' },
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
    tools: {
      type: 'array',
      description: 'Tools the model may call (names of [A-Za-z0-9_-], at most 64 characters).',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          description: { type: 'string' },
          parameters: { type: 'object' },
        },
        required: ['name', 'description', 'parameters'],
        additionalProperties: false,
      },
    },
    tool_choice: {
      anyOf: [
        { enum: ['auto', 'none', 'required'] },
        { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false },
      ],
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

/** The provider request of a step's input: the messages, and the tools when some are offered. */
export function chatRequestOf(input: ChatInput): ChatRequest {
  return {
    messages: toChatMessages(input.messages),
    ...(input.tools === undefined || input.tools.length === 0 ? {} : { tools: input.tools }),
    ...(input.tool_choice === undefined ? {} : { tool_choice: input.tool_choice }),
  };
}

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
 * Only role, content, reasoning, images and the tool fields reach the adapter (SmartTavern's rule, plus what the
 * reasoning policy and tool calls need): node ids and other fields stay here. The adapter decides what goes on the wire.
 */
export function toChatMessages(messages: ChatInput['messages']): ChatMessage[] {
  return messages.map((message) => {
    const { role, content, reasoning, reasoning_blocks, images, tool_calls, tool_call_id, tool_name, is_error } = message;
    return {
      role,
      content,
      ...(typeof reasoning === 'string' && reasoning !== '' ? { reasoning } : {}),
      ...(Array.isArray(reasoning_blocks) && reasoning_blocks.length > 0 ? { reasoning_blocks } : {}),
      ...(Array.isArray(images) && images.length > 0 ? { images } : {}),
      ...(Array.isArray(tool_calls) && tool_calls.length > 0 ? { tool_calls } : {}),
      ...(typeof tool_call_id === 'string' ? { tool_call_id } : {}),
      ...(typeof tool_name === 'string' ? { tool_name } : {}),
      ...(is_error === true ? { is_error } : {}),
    };
  });
}

export function secondsSince(startedMs: number): number {
  return Math.round(performance.now() - startedMs) / 1000;
}
