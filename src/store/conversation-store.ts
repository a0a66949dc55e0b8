/**
 * @module The ConversationStore contract: the one way steps reach conversation files. The file store
 * (`file-store.ts`) is the embedded implementation; a shared backend would implement the same interface.
 */
import type { ConversationDoc, ConversationSettings, Mutation } from './tree/document.js';
import type { WatchEvent } from './watch/watch-event.js';
import type { RecoveryRecord } from './file/recovery-records.js';

/**
 * `details.reason` of the CONFLICT a change fails with when every attempt found the file changed by hand
 * meanwhile (someone is editing it right now): worth trying again after a pause.
 */
export const keptChanging = 'changing_on_disk';

export interface ConversationSummary {
  file: string;
  name: string;
  updated_at?: string;
  nodes_count: number;
  /** Set when the file does not parse or validate; the conversation is listed so it can be found and fixed. */
  error?: { code: string; message: string };
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
   * set; the store validates it, applies it and writes. The tree operations in `tree/` produce such plans.
   * A plan (or an `update` change) works on the tree it is given: it must not write the same file through the
   * store, nor read it after an `await` (that read would wait for the plan's own batch).
   */
  commit<Result>(
    file: string,
    plan: (doc: ConversationDoc) => Mutation<Result> | Promise<Mutation<Result>>,
  ): Promise<{ doc: ConversationDoc; result: Result }>;
  /**
   * Stores an attachment beside the conversation as `files/<sha256>.<extension>` (atomically; the same bytes
   * twice are one file) and returns that reference, relative to the conversation's folder. Nothing else changes.
   */
  writeAttachment(file: string, bytes: Buffer, extension: string): Promise<string>;
  /** An attachment's bytes by its reference; NOT_FOUND naming the file and `where` (e.g. the node) when it is missing. */
  readAttachment(file: string, reference: string, where: string): Promise<Buffer>;
  /**
   * Creates a new conversation folder with its tree and settings; CONFLICT if it exists. Both files start with a
   * `$schema` key naming their schema (unless the given tree or settings name one already).
   */
  create(file: string, doc: ConversationDoc, settings: ConversationSettings): Promise<void>;
  /**
   * A recovery file of the conversation (`recovered-*.json` in its folder): the nodes kept there and where they
   * hung. NOT_FOUND when missing, BAD_INPUT for a path elsewhere, INVALID_FILE when it holds no usable record.
   */
  readRecovery(file: string, recoveryFile: string): Promise<RecoveryRecord>;
  /**
   * Deletes the conversation with everything beside it (settings, attachments under `files/`, recovery files).
   * Waits for changes already queued for it; NOT_FOUND when there is no such conversation. Not recoverable.
   */
  remove(file: string): Promise<void>;
  /**
   * Moves the conversation, with everything beside it, to `newFile` (another `data/conversations/<name>/...` path)
   * and returns its canonical path. CONFLICT naming `newFile` when it is taken; NOT_FOUND when `file` is missing.
   */
  rename(file: string, newFile: string): Promise<string>;
  /** settings.json beside the conversation; `{}` when there is none. */
  readSettings(file: string): Promise<ConversationSettings>;
  list(): Promise<ConversationSummary[]>;
  /** Change events for every conversation (and LLM config) file until `signal` aborts. */
  watch(signal: AbortSignal): AsyncIterable<WatchEvent>;
  status(): StoreStatus;
  /** A shared back end (a database): true when it answers, or why not (GET /ready). The file store has none. */
  check?(): Promise<true | string>;
  /** Stops the watcher and waits for pending writes. */
  close(): Promise<void>;
}
