/**
 * @module What the engine saved recently, per file, so a later version that no longer holds it is noticed: the
 * tree as the engine last knew it on disk, and when each node the engine wrote was saved. A version written from
 * outside that lacks such a node (an editor saving a copy it read before the reply landed, or a deletion by
 * hand) yields the removed nodes with their subtree, to be kept in a recovery file instead of vanishing.
 */
import type { ConversationDoc, ConversationNode } from '../tree/document.js';
import { siblingsOf } from '../tree/children-index.js';

/** Removed nodes as the tree held them before the outside write: enough to put them back later. */
export interface RemovedNodes {
  /** Every kept node id, parents before children, in the tree's sibling order. */
  nodeIds: string[];
  nodes: Record<string, ConversationNode>;
  /** For each kept node whose parent was not removed with it: its ancestors as they were, nearest first. */
  ancestors: Record<string, string[]>;
  /** The active path the tree had before the outside write. */
  activePath: string[];
}

interface KnownFile {
  /** The version (file key) `doc` is. */
  key: string;
  doc: ConversationDoc;
  /** Node id -> when the engine last wrote it (ms since the epoch). */
  saved: Map<string, number>;
}

export class RecentSaves {
  readonly #files = new Map<string, KnownFile>();
  readonly #windowMs: number;
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(windowMs: number, now: () => number = Date.now) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** The engine wrote `doc` as version `key`, setting these nodes. Files without recent node saves are not tracked. */
  saved(file: string, doc: ConversationDoc, key: string, nodeIds: readonly string[]): void {
    if (this.#windowMs <= 0) return;
    const now = this.#now();
    this.#sweep(now);
    let known = this.#files.get(file);
    if (!known) {
      if (nodeIds.length === 0) return;
      known = { key, doc, saved: new Map() };
      this.#files.set(file, known);
    }
    known.key = key;
    known.doc = doc;
    for (const nodeId of nodeIds) known.saved.set(nodeId, now);
  }

  /**
   * A version of `file` read from disk. When it is not the one the engine last knew and lacks nodes the engine
   * saved within the window, those nodes (and what hung under them) are returned; either way the version becomes
   * the known one, so the same removal is reported once.
   */
  seen(file: string, doc: ConversationDoc, key: string): RemovedNodes | undefined {
    const known = this.#files.get(file);
    if (!known || known.key === key) return undefined;
    const before = known.doc;
    known.key = key;
    known.doc = doc;
    const since = this.#now() - this.#windowMs;
    const missing = (nodeId: string) => !Object.hasOwn(doc.nodes, nodeId) && Object.hasOwn(before.nodes, nodeId);
    const recent = [...known.saved].filter(([nodeId, at]) => at >= since && missing(nodeId)).map(([nodeId]) => nodeId);
    for (const nodeId of known.saved.keys()) if (!Object.hasOwn(doc.nodes, nodeId)) known.saved.delete(nodeId);
    if (recent.length === 0) return undefined;
    return removedSubtrees(before, new Set(recent), missing);
  }

  /** Files tracked now (for tests and the soak's memory figures). */
  get size(): number {
    return this.#files.size;
  }

  /** Drops what is older than the window, at most ten times per window. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < this.#windowMs / 10) return;
    this.#lastSweep = now;
    const since = now - this.#windowMs;
    for (const [file, known] of this.#files) {
      for (const [nodeId, at] of known.saved) if (at < since) known.saved.delete(nodeId);
      if (known.saved.size === 0) this.#files.delete(file);
    }
  }
}

/** The removed nodes `starts`, with every removed node under them, walked in the old tree's sibling order. */
function removedSubtrees(before: ConversationDoc, starts: Set<string>, missing: (nodeId: string) => boolean): RemovedNodes {
  const nodes: Record<string, ConversationNode> = {};
  const nodeIds: string[] = [];
  const ancestors: Record<string, string[]> = {};
  const visit = (nodeId: string, keeping: boolean): void => {
    const keep = keeping || starts.has(nodeId);
    if (keep && missing(nodeId)) {
      const node = before.nodes[nodeId]!;
      nodes[nodeId] = node;
      nodeIds.push(nodeId);
      if (node.pid === null || !Object.hasOwn(nodes, node.pid)) ancestors[nodeId] = ancestorsOf(before, node.pid);
    }
    for (const childId of siblingsOf(before, nodeId)) visit(childId, keep && missing(nodeId));
  };
  for (const rootId of siblingsOf(before, null)) visit(rootId, false);
  return { nodeIds, nodes, ancestors, activePath: [...before.active_path] };
}

function ancestorsOf(doc: ConversationDoc, parentId: string | null): string[] {
  const chain: string[] = [];
  const visited = new Set<string>();
  for (let current = parentId; current !== null && !visited.has(current); current = doc.nodes[current]?.pid ?? null) {
    visited.add(current);
    chain.push(current);
  }
  return chain;
}
