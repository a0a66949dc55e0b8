/** @module What the watcher reports about a conversation (or LLM config) file. */

export type WatchEvent = FileChanged | NodesRemovedExternally | EditWrittenAside;

export interface FileChanged {
  type: 'changed' | 'removed' | 'invalid';
  /** Root-relative path, e.g. `data/conversations/branch_demo/conversation.json`. */
  file: string;
  origin: 'engine' | 'external';
  error?: { code: string; message: string };
}

/**
 * An outside write (a stale copy saved over a newer version, or a deletion by hand) removed nodes the engine had
 * saved recently: they are kept in `recovery_file` and are put back only by `modules/chat_branches/restore`.
 */
export interface NodesRemovedExternally {
  type: 'nodes_removed_externally';
  file: string;
  origin: 'external';
  node_ids: string[];
  recovery_file: string;
}

/**
 * An in-place edit went into the version a save had just moved aside, so it is not in the file: what it changed
 * is kept in `recovery_file` (nodes by id, top-level fields by name), restorable the same way.
 */
export interface EditWrittenAside {
  type: 'edit_written_aside';
  file: string;
  origin: 'external';
  node_ids: string[];
  fields: string[];
  recovery_file: string;
}
