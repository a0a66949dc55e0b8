/**
 * @module The LLM config format: SmartTavern's `llm_config.json` fields plus `safety_settings`, `mock`,
 * `pricing` and `max_retries`: its JSON Schema (a file in schemas/) and its hand-written type. Unknown fields are kept.
 */
import configSchemaFile from '../../../schemas/llm-config.schema.json' with { type: 'json' };
import type { FinishReason } from '../provider.js';

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
  /** Called when the request offers tools and ends in a user message; after the results, the reply names them. */
  tool_calls?: Array<{ name: string; arguments?: Record<string, unknown> | string }>;
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

/**
 * The config file's schema, schemas/llm-config.schema.json: the file editors check configs with is the one the
 * engine validates with. Provider names are its `examples` (editors offer them); an unsupported name is refused
 * when the config is used, with the list (config-check.ts).
 */
export const llmConfigSchema = configSchemaFile;

/** The same schema for embedding in another (a step's inline `config`): without the file's `$schema` and `$id`. */
export const embeddableLlmConfigSchema: Record<string, unknown> = Object.fromEntries(
  Object.entries(configSchemaFile).filter(([key]) => key !== '$schema' && key !== '$id'),
);

/** Fields the engine knows; anything else in a config is kept and reported as a warning. */
export const knownConfigFields: ReadonlySet<string> = new Set(Object.keys(llmConfigSchema.properties));
