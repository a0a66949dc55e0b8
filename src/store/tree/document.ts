/** @module The conversation document as the file holds it (SmartTavern's format) and the change sets that edit it. */

export type Role = 'system' | 'user' | 'assistant';

/** Engine metadata on an assistant node (DESIGN §4). */
export interface NodeMeta {
  generation_id?: string;
  provider?: string;
  model?: string;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  cost?: number;
  finish_reason?: string;
  response_time?: number;
  ttft?: number;
  partial?: boolean;
  interrupted?: boolean;
  error?: { code: string; message: string };
  [key: string]: unknown;
}

export interface ConversationNode {
  pid: string | null;
  role: Role;
  content: string;
  node_updated_at?: string;
  meta?: NodeMeta;
  /** Fields another tool or a person put there are kept on every rewrite. */
  [key: string]: unknown;
}

/** SmartTavern's conversation.json, unchanged. */
export interface ConversationDoc {
  name?: string;
  description?: string;
  roots: string[];
  nodes: Record<string, ConversationNode>;
  children?: Record<string, string[]>;
  active_path: string[];
  updated_at?: string;
  [key: string]: unknown;
}

/** settings.json beside conversation.json; only `llm_config` matters to the engine, the rest is kept. */
export interface ConversationSettings {
  llm_config?: string;
  [key: string]: unknown;
}

/** `[key]` is a top-level field; `[key, entry]` an entry of a top-level object (`['nodes', id]`, `['children', parentId]`). */
export type ChangePath = [key: string] | [key: string, entry: string];

/**
 * One edit of a tree: set or delete at depth one or two; deeper edits replace the whole entry. Change sets this
 * small are what let the store update its cached tree in place and hand only the difference to its writer thread.
 */
export type DocChange = { path: ChangePath; value: unknown; delete?: never } | { path: ChangePath; delete: true; value?: never };

/** What a `commit` plan returns: the changes, and how to read its result from the tree right after they apply. */
export interface Mutation<Result> {
  changes: DocChange[];
  /** Called once, synchronously, with the tree as it stands right after these changes (before any later change). */
  result(doc: ConversationDoc): Result;
}
