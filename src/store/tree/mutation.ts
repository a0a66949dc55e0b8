/** @module What every tree mutation takes (the time, where the tree lives for messages) and returns (a change set). */
import type { DocChange } from './document.js';

export interface TreeContext {
  /** The timestamp written to `updated_at` / `node_updated_at`. */
  now: string;
  /** Names the tree in error messages: the file, or "the given doc". */
  where: string;
}

export interface TreeMutation<Info> {
  changes: DocChange[];
  info: Info;
}
