/**
 * @module The LLM config format: SmartTavern's `llm_config.json` fields plus `safety_settings`, `mock`,
 * `pricing`, `max_retries`, `thinking`, `reasoning_pass_back` and `vision`, as a JSON Schema literal and its
 * hand-written type. Unknown fields are kept.
 */
import type { FinishReason } from './provider.js';

export const supportedProviders = ['openai', 'openai_compatible', 'gemini', 'anthropic', 'mock'] as const;
export type ProviderName = (typeof supportedProviders)[number];

export interface MockOptions {
  text?: string;
  /** Streamed as reasoning before the text. */
  reasoning?: string;
  chunk_size?: number;
  delay_ms?: number;
  fail_after_chunks?: number;
  fail_code?: 'UPSTREAM_FAILED' | 'UPSTREAM_TIMEOUT' | 'RATE_LIMITED';
  fail_message?: string;
  finish_reason?: FinishReason;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

export interface Pricing {
  input_per_million: number;
  output_per_million: number;
  /** Prompt tokens read from the cache; default: the input price. */
  cache_read_per_million?: number;
  /** Prompt tokens written to the cache; default: the input price. */
  cache_write_per_million?: number;
}

/** Reasoning options; each provider reads the ones it has. */
export interface ThinkingOptions {
  /** Gemini: `thinkingConfig.includeThoughts` (stream the thought summaries as reasoning). */
  include_thoughts?: boolean | null;
  /** Gemini `thinkingBudget`, Anthropic `thinking.budget_tokens` (Anthropic: at least 1024, below max_tokens). */
  budget_tokens?: number | null;
}

/** Which stored reasoning goes back to the provider; see reasoning-policy.ts. */
export type ReasoningPassBack = 'never' | 'tool_turns' | 'always';

/** A config file's content after `${ENV}` resolution. `provider` is checked against the supported list. */
export interface LlmConfig {
  name?: string;
  description?: string;
  provider: string;
  api_key?: string | null;
  base_url?: string | null;
  model?: string | null;
  models?: string[];
  temperature?: number | null;
  max_tokens?: number | null;
  top_p?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  stream?: boolean | null;
  timeout?: number | null;
  connect_timeout?: number | null;
  max_retries?: number | null;
  enable_logging?: boolean | null;
  custom_params?: Record<string, unknown> | null;
  safety_settings?: Array<Record<string, unknown>> | null;
  mock?: MockOptions | null;
  pricing?: Pricing | null;
  thinking?: ThinkingOptions | null;
  reasoning_pass_back?: ReasoningPassBack | null;
  /** false: the model takes no images, and a request with one is refused before it is sent. */
  vision?: boolean | null;
  [field: string]: unknown;
}

const nullableNumber = { type: ['number', 'null'] } as const;
const seconds = { type: ['number', 'null'], exclusiveMinimum: 0 } as const;
const tokens = { type: 'integer', minimum: 0 } as const;

export const mockOptionsSchema = {
  type: ['object', 'null'],
  properties: {
    text: { type: 'string', description: 'The reply; default: one derived from the last user message.' },
    reasoning: { type: 'string', description: 'Streamed as reasoning before the reply.' },
    chunk_size: { type: 'integer', minimum: 1, description: 'Characters per chunk (default 8).' },
    delay_ms: { type: 'number', minimum: 0, description: 'Wait before each chunk, in ms (default 0).' },
    fail_after_chunks: { type: 'integer', minimum: 0, description: 'Fail after this many chunks.' },
    fail_code: { enum: ['UPSTREAM_FAILED', 'UPSTREAM_TIMEOUT', 'RATE_LIMITED'] },
    fail_message: { type: 'string' },
    finish_reason: { enum: ['stop', 'length', 'content_filter', 'tool_calls', 'error'] },
    usage: {
      type: ['object', 'null'],
      properties: { prompt_tokens: tokens, completion_tokens: tokens },
      required: ['prompt_tokens', 'completion_tokens'],
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

export const llmConfigSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    provider: { type: 'string', description: `One of ${supportedProviders.join(', ')}.` },
    api_key: { type: ['string', 'null'], description: 'Usually a placeholder such as "${OPENAI_API_KEY}".' },
    base_url: { type: ['string', 'null'] },
    model: { type: ['string', 'null'] },
    models: { type: 'array', items: { type: 'string' }, description: 'The first entry is the default model.' },
    temperature: nullableNumber,
    max_tokens: { type: ['integer', 'null'], minimum: 1 },
    top_p: nullableNumber,
    presence_penalty: nullableNumber,
    frequency_penalty: nullableNumber,
    stream: { type: ['boolean', 'null'], description: 'Ignored: the step called decides.' },
    timeout: { ...seconds, description: 'Seconds of silence allowed while waiting for data (default 60).' },
    connect_timeout: { ...seconds, description: 'Seconds until a streamed response starts (default 10).' },
    max_retries: { type: ['integer', 'null'], minimum: 0, maximum: 5, description: 'Retries before the first token (default 2).' },
    enable_logging: { type: ['boolean', 'null'], description: 'Log each request body (never the key).' },
    custom_params: { type: ['object', 'null'], description: 'Merged into the request body.' },
    safety_settings: { type: ['array', 'null'], items: { type: 'object' }, description: 'Gemini safetySettings.' },
    mock: mockOptionsSchema,
    pricing: {
      type: ['object', 'null'],
      properties: {
        input_per_million: { type: 'number', minimum: 0 },
        output_per_million: { type: 'number', minimum: 0 },
        cache_read_per_million: { type: 'number', minimum: 0 },
        cache_write_per_million: { type: 'number', minimum: 0 },
      },
      required: ['input_per_million', 'output_per_million'],
      additionalProperties: false,
    },
    thinking: {
      type: ['object', 'null'],
      properties: {
        include_thoughts: { type: ['boolean', 'null'], description: 'Gemini: stream thought summaries as reasoning.' },
        budget_tokens: { type: ['integer', 'null'], minimum: 0, description: 'Gemini thinkingBudget; Anthropic budget_tokens.' },
      },
      additionalProperties: false,
    },
    reasoning_pass_back: {
      enum: ['never', 'tool_turns', 'always', null],
      description: 'Stored reasoning sent back: never, only of turns that made tool calls (default), or always.',
    },
    vision: { type: ['boolean', 'null'], description: 'false: the model takes no images (422 before any call).' },
  },
  required: ['provider'],
  additionalProperties: true,
} as const;

/** Fields the engine knows; anything else in a config is kept and reported as a warning. */
export const knownConfigFields: ReadonlySet<string> = new Set(Object.keys(llmConfigSchema.properties));
