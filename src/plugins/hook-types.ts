/**
 * @module The hooks a plugin may run around a completion: their names, what each receives, and what each may
 * return. Types only, with no import of the registry, so that services.ts can name the hook runner without a circle.
 */
import type { Logger } from '../lib/logger.js';
import type { ChatMessage } from '../llm/provider.js';
import type { ConversationDoc, NodeMeta } from '../store/index.js';
import type { UsageCounts } from '../generation/generation-events.js';

/** In the order a completion meets them. */
export const hookNames = ['beforeLLMCall', 'transformChunk', 'afterLLMCall', 'beforeSave', 'afterSave'] as const;
export type HookName = (typeof hookNames)[number];

/** Sampling parameters a hook may set for one request; they override the LLM config's fields of the same name. */
export interface LlmParams {
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  custom_params?: Record<string, unknown>;
}

export interface BeforeLLMCallInput {
  /** The messages about to be sent (role and content), oldest first. */
  messages: ChatMessage[];
  /** Overrides of the config's sampling fields; `{}` when no hook before this one set any. */
  params: LlmParams;
  /** The conversation as read for this completion (read-only). */
  conversation: Readonly<ConversationDoc>;
  conversation_file: string;
  parent_node_id: string;
  /** The LLM config file the request goes to, e.g. `data/llm_configs/mock.json`. */
  config_name: string;
}

export interface TransformChunkInput {
  /** One piece of streamed answer text, as the provider sent it (after earlier plugins' changes). */
  text: string;
  generation_id: string;
}

export interface AfterLLMCallInput {
  /** The whole answer as streamed to clients. */
  content: string;
  /** `stop`, `length`, ...; `error` or `aborted` when the reply is partial. */
  finish_reason: string;
  usage: UsageCounts | null;
  generation_id: string;
  conversation_file: string;
}

/** The assistant node about to be written. */
export interface SavedNode {
  node_id: string;
  pid: string;
  role: 'assistant';
  content: string;
  meta: NodeMeta;
}

export interface BeforeSaveInput {
  node: SavedNode;
  conversation_file: string;
}

export interface AfterSaveInput {
  node_id: string;
  conversation_file: string;
  generation_id: string;
  /** The LLM config file the reply came from. */
  config_name: string;
}

/** What every hook gets beside its input: the way to other steps, a signal, the logger. */
export interface HookContext {
  /** The plugin the hook belongs to. */
  readonly plugin: string;
  /** Aborted when the hook runs past its timeout: stop waiting on anything slow. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** The project root. */
  readonly root: string;
  /** A step, validated like any call (`plugins/<name>/...`, `modules/chat_branches/...`, ...). */
  call<Output = unknown>(path: string, input: unknown): Promise<Output>;
  stream<Event = unknown>(path: string, input: unknown): AsyncIterable<Event>;
}

type MaybePromise<Value> = Value | Promise<Value>;

/** Each hook may return nothing (no change) or the fields it changes. */
export interface Hooks {
  beforeLLMCall?(input: BeforeLLMCallInput, context: HookContext): MaybePromise<{ messages?: ChatMessage[]; params?: LlmParams } | void>;
  /** Return the text to send instead; `''` drops the piece. */
  transformChunk?(input: TransformChunkInput, context: HookContext): MaybePromise<{ text: string } | string | void>;
  afterLLMCall?(input: AfterLLMCallInput, context: HookContext): MaybePromise<{ content?: string } | void>;
  /** May change the node's content or add fields to its `meta`. */
  beforeSave?(input: BeforeSaveInput, context: HookContext): MaybePromise<{ content?: string; meta?: Record<string, unknown> } | void>;
  /** Side effects only; a failure is logged and the reply stays saved. */
  afterSave?(input: AfterSaveInput, context: HookContext): MaybePromise<void>;
}

/** One plugin's hooks, as the runner holds them. */
export interface PluginHooks {
  plugin: string;
  hooks: Hooks;
  /** How long each hook may run (ms). */
  timeoutMs: number;
}
