/**
 * @module The ConversationStore contract: the one way steps reach conversation files. The file store
 * (`file-store.ts`) is the embedded implementation; a shared backend would implement the same interface.
 */

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

export interface WatchEvent {
  type: 'changed' | 'removed' | 'invalid';
  /** Root-relative path, e.g. `data/conversations/branch_demo/conversation.json`. */
  file: string;
  origin: 'engine' | 'external';
  error?: { code: string; message: string };
}

export interface ConversationSummary {
  file: string;
  name: string;
  updated_at?: string;
  nodes_count: number;
}

export interface ConversationStore {
  /**
   * Resolves a root-relative file parameter inside `data/conversations/` (links followed) and returns the
   * canonical root-relative path. FORBIDDEN outside the sandbox, BAD_INPUT for a malformed path.
   */
  resolve(file: string): Promise<string>;
  /** The current, validated tree. NOT_FOUND, FORBIDDEN, INVALID_FILE (with the JSON pointer). Cached by mtime/size/inode. */
  read(file: string): Promise<ConversationDoc>;
  /**
   * Lock, read fresh, apply `change` to a private copy, validate, write atomically, unlock. `change` returns
   * a result; throwing from it (a CallError) leaves the file untouched. Returns the written tree and the result.
   */
  update<Result>(
    file: string,
    change: (doc: ConversationDoc) => Result | Promise<Result>,
  ): Promise<{ doc: ConversationDoc; result: Result }>;
  /** Creates a new conversation folder with its tree and settings; CONFLICT if it exists. */
  create(file: string, doc: ConversationDoc, settings: ConversationSettings): Promise<void>;
  /** settings.json beside the conversation; `{}` when there is none. */
  readSettings(file: string): Promise<ConversationSettings>;
  list(): Promise<ConversationSummary[]>;
  /** Change events for every conversation (and LLM config) file until `signal` aborts. */
  watch(signal: AbortSignal): AsyncIterable<WatchEvent>;
  /** Stops the watcher and waits for pending writes. */
  close(): Promise<void>;
}
