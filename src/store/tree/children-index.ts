/**
 * @module The siblings rule over a children index. The index (parent id -> child ids in `nodes` order) is built
 * once per tree and kept current by `applyChanges`, so a sibling lookup costs the family's size, not the tree's.
 */
import type { ConversationDoc, ConversationNode } from './document.js';

interface TreeIndex {
  children: Map<string | null, string[]>;
  /** Set when a change moved a node to another parent: rebuilt on the next lookup. */
  stale: boolean;
}

const indexes = new WeakMap<object, TreeIndex>();
/** Bumped when a node is deleted or moved: what can break a path (adding nodes or editing content cannot). */
const structureVersions = new WeakMap<object, number>();

export function structureVersion(doc: ConversationDoc): number {
  return structureVersions.get(doc) ?? 0;
}

function bumpStructure(doc: ConversationDoc): void {
  structureVersions.set(doc, structureVersion(doc) + 1);
}
const none: readonly string[] = Object.freeze([]);

/** The node with this id, own properties only (`constructor` is a valid id; the prototype's is not a node). */
export function nodeOf(doc: ConversationDoc, id: string): ConversationNode | undefined {
  return Object.hasOwn(doc.nodes, id) ? doc.nodes[id] : undefined;
}

export function hasNode(doc: ConversationDoc, id: string): boolean {
  return Object.hasOwn(doc.nodes, id);
}

function buildIndex(doc: ConversationDoc): TreeIndex {
  const children = new Map<string | null, string[]>();
  for (const id of Object.keys(doc.nodes)) {
    const parentId = doc.nodes[id]!.pid;
    const family = children.get(parentId);
    if (family) family.push(id);
    else children.set(parentId, [id]);
  }
  const index = { children, stale: false };
  indexes.set(doc, index);
  return index;
}

function indexOf(doc: ConversationDoc): TreeIndex {
  const index = indexes.get(doc);
  return index && !index.stale ? index : buildIndex(doc);
}

/** Every node whose `pid` is `parentId`, in `nodes` order: the sibling set, before `children` orders it. */
export function childrenInNodesOrder(doc: ConversationDoc, parentId: string | null): readonly string[] {
  return indexOf(doc).children.get(parentId) ?? none;
}

/** How many nodes have this parent (the `n` of j/n); O(1). */
export function siblingCount(doc: ConversationDoc, parentId: string | null): number {
  return childrenInNodesOrder(doc, parentId).length;
}

/**
 * The ordered children of `parentId` (`null`: the roots). SmartTavern's rule: the explicit list first
 * (`children[pid]`, or `roots`), keeping entries that exist, then every other node pointing there, in `nodes`
 * order. One stricter point: an explicit entry counts only if that node's `pid` really is this parent, so a
 * stale list cannot show a node under two parents.
 */
export function siblingsOf(doc: ConversationDoc, parentId: string | null): string[] {
  const members = childrenInNodesOrder(doc, parentId);
  const explicit = parentId === null ? doc.roots : explicitChildren(doc, parentId);
  if (explicit.length === 0) return [...members];
  const ordered: string[] = [];
  const seen = new Set<string>();
  for (const id of explicit) {
    if (typeof id === 'string' && !seen.has(id) && nodeOf(doc, id)?.pid === parentId) {
      seen.add(id);
      ordered.push(id);
    }
  }
  if (ordered.length === members.length) return ordered;
  for (const id of members) if (!seen.has(id)) ordered.push(id);
  return ordered;
}

function explicitChildren(doc: ConversationDoc, parentId: string): readonly string[] {
  const children = doc.children;
  if (!children || !Object.hasOwn(children, parentId)) return none;
  return children[parentId] ?? none;
}

/** The roots, by the same rule: `roots` entries that exist with `pid: null`, then any other parentless node. */
export function rootIds(doc: ConversationDoc): string[] {
  return siblingsOf(doc, null);
}

/** Keeps the index current; `applyChanges` calls it before each node is set or deleted. */
export function noteNodeChange(doc: ConversationDoc, id: string, next: ConversationNode | undefined): void {
  const previous = nodeOf(doc, id);
  if (previous && next && previous.pid === next.pid) return;
  if (previous) bumpStructure(doc);
  const index = indexes.get(doc);
  if (!index || index.stale) return;
  if (previous && next) {
    // Moving a node keeps its place in `nodes` but changes families: rebuilding is simpler than splicing in order.
    index.stale = true;
    return;
  }
  if (next) {
    const family = index.children.get(next.pid);
    if (family) family.push(id);
    else index.children.set(next.pid, [id]);
  } else if (previous) {
    const family = index.children.get(previous.pid);
    const at = family?.indexOf(id) ?? -1;
    if (family && at >= 0) family.splice(at, 1);
    if (family?.length === 0) index.children.delete(previous.pid);
  }
}

/** A fork takes over the index (it is updated in place from now on); the original rebuilds its own if asked. */
export function moveIndex(from: ConversationDoc, to: ConversationDoc): void {
  const index = indexes.get(from);
  indexes.delete(from);
  if (index) indexes.set(to, index);
  structureVersions.set(to, structureVersion(from));
}

/** The `nodes` object itself was replaced: the next lookup rebuilds. */
export function forgetIndex(doc: ConversationDoc): void {
  indexes.delete(doc);
  bumpStructure(doc);
}
