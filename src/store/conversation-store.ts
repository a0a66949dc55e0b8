/**
 * @module The ConversationStore contract: the one way steps reach conversation files. The file store
 * (`file-store.ts`) is the embedded implementation; a shared backend would implement the same interface.
 */

export type Role = 'system' | 'user' | 'assistant';

/**
 * `details.reason` of the CONFLICT a change fails with when every attempt found the file changed by hand
 * meanwhile (someone is editing it right now): worth trying again after a pause.
 */
export const keptChanging = 'changing_on_disk';

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
  /** Set when the file does not parse or validate; the conversation is listed so it can be found and fixed. */
  error?: { code: string; message: string };
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

export interface StoreStatus {
  /** The file watcher is running and has finished its first scan (GET /ready). */
  watching: boolean;
}

export interface ConversationStore {
  /**
   * Resolves a root-relative file parameter inside `data/conversations/` (links followed) and returns the
   * canonical root-relative path. FORBIDDEN outside the sandbox, BAD_INPUT for a malformed path.
   */
  resolve(file: string): Promise<string>;
  /**
   * The current, validated tree. NOT_FOUND, FORBIDDEN, INVALID_FILE (with the JSON pointer). Cached by mtime/size/inode.
   * The tree is the store's cached copy, shared and kept current by later writes: treat it as read-only (nodes are frozen).
   */
  read(file: string): Promise<ConversationDoc>;
  /**
   * Lock, read fresh, apply `change` to a private copy, validate, write atomically, unlock. `change` returns
   * a result; throwing from it (a CallError) leaves the file untouched. Returns the written tree and the result.
   * The copy is copy-on-write: meant for small edits (a node or two); reading every node through it copies each.
   */
  update<Result>(
    file: string,
    change: (doc: ConversationDoc) => Result | Promise<Result>,
  ): Promise<{ doc: ConversationDoc; result: Result }>;
  /**
   * Like `update`, for planned changes: `plan` reads the current tree (it must not change it) and returns a change
   * set; the store validates it, applies it and writes. The tree operations in `tree.ts` produce such plans.
   * A plan (or an `update` change) works on the tree it is given: it must not write the same file through the
   * store, nor read it after an `await` (that read would wait for the plan's own batch).
   */
  commit<Result>(
    file: string,
    plan: (doc: ConversationDoc) => Mutation<Result> | Promise<Mutation<Result>>,
  ): Promise<{ doc: ConversationDoc; result: Result }>;
  /** Creates a new conversation folder with its tree and settings; CONFLICT if it exists. */
  create(file: string, doc: ConversationDoc, settings: ConversationSettings): Promise<void>;
  /** settings.json beside the conversation; `{}` when there is none. */
  readSettings(file: string): Promise<ConversationSettings>;
  list(): Promise<ConversationSummary[]>;
  /** Change events for every conversation (and LLM config) file until `signal` aborts. */
  watch(signal: AbortSignal): AsyncIterable<WatchEvent>;
  status(): StoreStatus;
  /** Stops the watcher and waits for pending writes. */
  close(): Promise<void>;
}
