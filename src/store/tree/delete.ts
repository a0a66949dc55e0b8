/**
 * @module Deleting a branch (the node and everything under it) and truncating after a node (the node stays).
 * Unlike SmartTavern, a deleted root leaves `roots`, and a deleted active branch hands the path to its
 * neighbour (the sibling that takes its place, else the one before) and continues down that neighbour's branch.
 */
import { CallError } from '../../lib/call-error.js';
import type { ConversationDoc } from './document.js';
import { moveActivePath, sameIds } from './active-path.js';
import { ChangeBuilder } from './changes.js';
import { childrenInNodesOrder, nodeOf, siblingCount, siblingsOf } from './children-index.js';
import type { TreeContext, TreeMutation } from './mutation.js';
import { descend, memoryKey, normaliseActivePath } from './views.js';

export interface DeleteInfo {
  /** Every node removed, the named one first (for truncate: its descendants). */
  deleted: string[];
  /** The sibling the active path moved to, when the deleted branch was active. */
  neighbourId: string | null;
  activePath: readonly string[];
}

export function deleteBranch(doc: ConversationDoc, nodeId: string, context: TreeContext): TreeMutation<DeleteInfo> {
  const node = requireNode(doc, nodeId, context.where);
  const deleted = subtree(doc, [nodeId]);
  const builder = new ChangeBuilder(doc);
  removeNodes(builder, deleted);

  const parentId = node.pid;
  const siblings = siblingsOf(doc, parentId);
  const remaining = siblings.filter((id) => id !== nodeId);
  if (parentId === null) builder.set('roots', remaining);
  else if (remaining.length > 0) builder.setEntry('children', parentId, remaining);
  else builder.deleteEntry('children', parentId);
  if (parentId !== null && (remaining.length < 2 || builder.entryValue(memoryKey, parentId) === nodeId)) {
    builder.deleteEntry(memoryKey, parentId);
  }

  const path = normaliseActivePath(doc);
  const at = path.indexOf(nodeId);
  let neighbourId: string | null = null;
  let activePath: readonly string[] = path;
  if (at >= 0) {
    const place = siblings.indexOf(nodeId);
    neighbourId = remaining[place] ?? remaining[place - 1] ?? null;
    // The neighbour's own branch is untouched by this delete, so the tree before it can be read for the descent.
    activePath = [...path.slice(0, at), ...(neighbourId === null ? [] : [neighbourId, ...descend(doc, neighbourId)])];
  }
  finishPath(builder, doc, activePath, deleted, (id) => (id === parentId ? remaining.length : siblingCount(doc, id)));
  builder.set('updated_at', context.now);
  return { changes: builder.changes, info: { deleted, neighbourId, activePath } };
}

export function truncateAfter(doc: ConversationDoc, nodeId: string, context: TreeContext): TreeMutation<DeleteInfo> {
  requireNode(doc, nodeId, context.where);
  const deleted = subtree(doc, childrenInNodesOrder(doc, nodeId));
  const path = normaliseActivePath(doc);
  const at = path.indexOf(nodeId);
  const activePath = at >= 0 ? path.slice(0, at + 1) : path;
  if (deleted.length === 0) return { changes: [], info: { deleted, neighbourId: null, activePath } };

  const builder = new ChangeBuilder(doc);
  removeNodes(builder, deleted);
  builder.deleteEntry('children', nodeId);
  builder.deleteEntry(memoryKey, nodeId);
  finishPath(builder, doc, activePath, deleted);
  builder.set('updated_at', context.now);
  return { changes: builder.changes, info: { deleted, neighbourId: null, activePath } };
}

function requireNode(doc: ConversationDoc, nodeId: string, where: string): NonNullable<ReturnType<typeof nodeOf>> {
  const node = nodeOf(doc, nodeId);
  if (!node) throw new CallError('NOT_FOUND', `no node ${nodeId} in ${where}`, { details: { node_id: nodeId } });
  return node;
}

/** The given nodes and all their descendants (by `pid`, so children missing from `children` are found too). */
function subtree(doc: ConversationDoc, tops: readonly string[]): string[] {
  const found = [...tops];
  for (let index = 0; index < found.length; index++) found.push(...childrenInNodesOrder(doc, found[index]!));
  return found;
}

function removeNodes(builder: ChangeBuilder, ids: readonly string[]): void {
  for (const id of ids) {
    builder.deleteEntry('nodes', id);
    builder.deleteEntry('children', id);
    builder.deleteEntry(memoryKey, id);
  }
}

/** Writes the new path; also rewrites a stored path that was already broken but still named a deleted node. */
function finishPath(
  builder: ChangeBuilder,
  doc: ConversationDoc,
  path: readonly string[],
  deleted: readonly string[],
  familySize?: (parentId: string) => number,
): void {
  const gone = new Set(deleted);
  if (sameIds(path, normaliseActivePath(doc)) && !doc.active_path.some((id) => gone.has(id))) return;
  moveActivePath(builder, doc, path, familySize);
}
