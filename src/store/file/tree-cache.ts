/**
 * @module The parsed-tree cache: one entry per file, keyed by the file's identity (device, inode, size, mtime),
 * least recently used first out past a byte budget. A file that does not validate is cached as its problem,
 * so a broken 10 MB file is not re-parsed on every read.
 */
import type { ConversationDoc } from '../tree/document.js';
import type { FileProblem } from '../tree/parse-tree.js';

export type CachedTree = { key: string; size: number } & (
  { doc: ConversationDoc; problem?: never } | { problem: FileProblem; doc?: never }
);

export class TreeCache {
  readonly #entries = new Map<string, CachedTree>();
  readonly #budget: number;

  constructor(budgetBytes: number) {
    this.#budget = budgetBytes;
  }

  get(file: string): CachedTree | undefined {
    const entry = this.#entries.get(file);
    if (entry) {
      this.#entries.delete(file);
      this.#entries.set(file, entry);
    }
    return entry;
  }

  /** `pinned` files (a write under way) are never evicted. */
  set(file: string, entry: CachedTree, pinned: (file: string) => boolean = () => false): void {
    this.#entries.delete(file);
    this.#entries.set(file, entry);
    let total = 0;
    for (const cached of this.#entries.values()) total += cached.size;
    for (const [oldest, cached] of this.#entries) {
      if (total <= this.#budget) break;
      if (oldest === file || pinned(oldest)) continue;
      this.#entries.delete(oldest);
      total -= cached.size;
    }
  }

  delete(file: string): void {
    this.#entries.delete(file);
  }
}
