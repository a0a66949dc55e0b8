/** @module What the watcher reports about a conversation (or LLM config) file. */

export interface WatchEvent {
  type: 'changed' | 'removed' | 'invalid';
  /** Root-relative path, e.g. `data/conversations/branch_demo/conversation.json`. */
  file: string;
  origin: 'engine' | 'external';
  error?: { code: string; message: string };
}
