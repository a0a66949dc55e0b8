/**
 * @module Putting kept nodes back: nodes from a recovery file go under their parent, or, when the parent is gone
 * too, under the nearest ancestor still in the tree (as a root when none is), and the result says which. Nodes
 * already in the tree are left alone, so restoring twice changes nothing the second time.
 */
import { CallError } from '../../lib/call-error.js';
import { ChangeBuilder } from './changes.js';
import { hasNode, siblingsOf } from './children-index.js';
import type { ConversationDoc, ConversationNode } from './document.js';
import type { TreeContext, TreeMutation } from './mutation.js';
import { normaliseActivePath } from './views.js';

/** The part of a recovery record restoring needs (see the store's recovery-records). */
export interface KeptNodes {
  kind: string;
  node_ids: string[];
  nodes: Record<string, ConversationNode>;
  ancestors: Record<string, string[]>;
  active_path: string[];
  fields: Record<string, unknown>;
  removed_fields: string[];
}

export interface RestoredNode {
  node_id: string;
  /** Where it went: its own parent, the nearest surviving ancestor, a new root, or over the node of the same id. */
  placed: 'parent' | 'ancestor' | 'root' | 'replaced';
  parent_id: string | null;
  /** Set when it did not go under its own parent: why, in words. */
  note?: string;
}

export interface RestoreInfo {
  restored: RestoredNode[];
  /** Selected nodes already in the tree, left as they are. */
  already_present: string[];
  /** Top-level fields set (or removed) from the record. */
  fields: string[];
}

/**
 * `nodeIds` picks nodes of the record (each with what hangs under it there); all of them when undefined, and then
 * the record's top-level fields too. NOT_FOUND naming the ids the record does not hold.
 */
export function restoreNodes(
  doc: ConversationDoc,
  record: KeptNodes,
  nodeIds: readonly string[] | undefined,
  recoveryFile: string,
  context: TreeContext,
): TreeMutation<RestoreInfo> {
  const kept = new Set(record.node_ids.filter((nodeId) => Object.hasOwn(record.nodes, nodeId)));
  const unknown = (nodeIds ?? []).filter((nodeId) => !kept.has(nodeId));
  if (unknown.length > 0) {
    throw new CallError('NOT_FOUND', `${recoveryFile} holds no node ${unknown.join(', ')}; nothing was written`, {
      details: { node_ids: unknown, recovery_file: recoveryFile },
    });
  }
  const selected = selection(record, kept, nodeIds);
  const builder = new ChangeBuilder(doc);
  const info: RestoreInfo = { restored: [], already_present: [], fields: [] };
  const placed = new Set<string>();
  const present = (nodeId: string) => placed.has(nodeId) || hasNode(doc, nodeId);
  const childLists = new Map<string | null, string[]>();
  const addChild = (parentId: string | null, nodeId: string) => {
    const siblings = childLists.get(parentId) ?? siblingsOf(doc, parentId);
    childLists.set(parentId, [...siblings, nodeId]);
  };

  for (const nodeId of parentsFirst(record, selected)) {
    const node = record.nodes[nodeId]!;
    if (hasNode(doc, nodeId)) {
      if (record.kind !== 'edit_written_aside') {
        info.already_present.push(nodeId);
        continue;
      }
      // An edit's version of a node that is still there: the edited fields, under the parent it has now.
      builder.setEntry('nodes', nodeId, { ...node, pid: doc.nodes[nodeId]!.pid });
      info.restored.push({ node_id: nodeId, placed: 'replaced', parent_id: doc.nodes[nodeId]!.pid });
      continue;
    }
    const target = placement(record, nodeId, present);
    builder.setEntry('nodes', nodeId, { ...node, pid: target.parentId });
    addChild(target.parentId, nodeId);
    placed.add(nodeId);
    const entry: RestoredNode = { node_id: nodeId, placed: target.placed, parent_id: target.parentId };
    if (target.placed === 'ancestor')
      entry.note = `its parent ${node.pid} is gone; placed under its nearest surviving ancestor ${target.parentId}`;
    if (target.placed === 'root') entry.note = `its parent ${node.pid} is gone and so is every ancestor; placed as a new root`;
    info.restored.push(entry);
  }
  for (const [parentId, children] of childLists) {
    if (parentId === null) builder.set('roots', children);
    else builder.setEntry('children', parentId, children);
  }

  if (nodeIds === undefined) {
    for (const [field, value] of Object.entries(record.fields)) {
      builder.set(field, value);
      info.fields.push(field);
    }
    for (const field of record.removed_fields) {
      if (!Object.hasOwn(doc, field)) continue;
      builder.changes.push({ path: [field], delete: true });
      info.fields.push(field);
    }
  }

  const path = followedPath(doc, record, placed, childLists);
  if (path) builder.set('active_path', path);
  if (builder.changes.length > 0) builder.set('updated_at', context.now);
  return { changes: builder.changes, info };
}

/** The picked nodes and every kept node under them (all kept nodes when none are picked). */
function selection(record: KeptNodes, kept: Set<string>, nodeIds: readonly string[] | undefined): Set<string> {
  if (nodeIds === undefined) return kept;
  const selected = new Set(nodeIds);
  for (const nodeId of kept) {
    const seen = new Set<string>();
    for (let current = record.nodes[nodeId]?.pid ?? null; current !== null && kept.has(current) && !seen.has(current);) {
      seen.add(current);
      if (selected.has(current)) {
        selected.add(nodeId);
        break;
      }
      current = record.nodes[current]?.pid ?? null;
    }
  }
  return selected;
}

/** The selected nodes, each after its parent when the parent is selected too, otherwise in the record's order. */
function parentsFirst(record: KeptNodes, selected: Set<string>): string[] {
  const ordered: string[] = [];
  const done = new Set<string>();
  const visit = (nodeId: string, path: Set<string>) => {
    if (done.has(nodeId) || path.has(nodeId)) return;
    path.add(nodeId);
    const parentId = record.nodes[nodeId]?.pid;
    if (typeof parentId === 'string' && selected.has(parentId)) visit(parentId, path);
    done.add(nodeId);
    ordered.push(nodeId);
  };
  for (const nodeId of record.node_ids) if (selected.has(nodeId)) visit(nodeId, new Set());
  return ordered;
}

/** Its own parent when present, else the nearest ancestor present (through the record, then the ancestors it noted). */
function placement(
  record: KeptNodes,
  nodeId: string,
  present: (nodeId: string) => boolean,
): { parentId: string | null; placed: 'parent' | 'ancestor' | 'root' } {
  const parentId = record.nodes[nodeId]!.pid;
  if (parentId === null) return { parentId: null, placed: 'parent' };
  if (present(parentId)) return { parentId, placed: 'parent' };
  // Up through the kept nodes while the ancestors are kept too, then on through the ancestors noted for the topmost.
  const candidates: string[] = [];
  const seen = new Set<string>([nodeId]);
  let current = nodeId;
  for (;;) {
    const next = record.nodes[current]?.pid ?? null;
    if (next === null || seen.has(next)) break;
    seen.add(next);
    candidates.push(next);
    if (!Object.hasOwn(record.nodes, next)) break;
    current = next;
  }
  candidates.push(...(record.ancestors[current] ?? []));
  for (const ancestor of candidates) if (present(ancestor)) return { parentId: ancestor, placed: 'ancestor' };
  return { parentId: null, placed: 'root' };
}

/**
 * When the active path ends where a restored branch hangs (and that branch was on the path before the outside
 * write), the path follows it down again, as far as the nodes are back; otherwise the path is left alone.
 */
function followedPath(
  doc: ConversationDoc,
  record: KeptNodes,
  placed: Set<string>,
  childLists: Map<string | null, string[]>,
): string[] | undefined {
  const current = normaliseActivePath(doc);
  const leaf = current.length === 0 ? null : current[current.length - 1]!;
  const start = record.active_path.findIndex((nodeId) => placed.has(nodeId) && (childLists.get(leaf) ?? []).includes(nodeId));
  if (start < 0) return undefined;
  const path = [...current];
  for (const nodeId of record.active_path.slice(start)) {
    if (!placed.has(nodeId)) break;
    path.push(nodeId);
  }
  return path;
}
