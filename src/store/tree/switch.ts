/**
 * @module Retrying a node (a new sibling) and switching branches at any depth. A switch picks sibling j of any
 * node and continues down the branch last active under that sibling, instead of cutting the path there.
 */
import { CallError } from '../../lib/call-error.js';
import type { ConversationDoc, NodeMeta, Role } from './document.js';
import { moveActivePath, rememberBeforeAdding, sameIds } from './active-path.js';
import { newNode } from './append.js';
import { ChangeBuilder } from './changes.js';
import { hasNode, nodeOf, siblingCount, siblingsOf } from './children-index.js';
import type { TreeContext, TreeMutation } from './mutation.js';
import { descend, normaliseActivePath, pathTo } from './views.js';

export interface RetryInput {
  retryNodeId: string;
  newNodeId: string;
  /** Defaults to the retried node's role. */
  role?: Role;
  content: string;
  meta?: NodeMeta;
}

/**
 * A new sibling of `retryNodeId`, last in its family. On the active path it replaces the retried node (and
 * what followed it); when the path ends at the parent it is appended. Retrying a root adds a root.
 */
export function retryBranch(
  doc: ConversationDoc,
  input: RetryInput,
  context: TreeContext,
): TreeMutation<{ newNodeId: string; moved: boolean }> {
  const { retryNodeId, newNodeId } = input;
  const retried = nodeOf(doc, retryNodeId);
  if (!retried) throw new CallError('NOT_FOUND', `no node ${retryNodeId} in ${context.where}`, { details: { node_id: retryNodeId } });
  if (hasNode(doc, newNodeId)) {
    throw new CallError('CONFLICT', `node ${newNodeId} already exists in ${context.where}`, { details: { node_id: newNodeId } });
  }
  const parentId = retried.pid;
  const siblings = siblingsOf(doc, parentId);
  const builder = new ChangeBuilder(doc);
  builder.setEntry('nodes', newNodeId, newNode(parentId, input.role ?? retried.role, input.content, context.now, input.meta));
  if (parentId === null) builder.set('roots', [...siblings, newNodeId]);
  else builder.setEntry('children', parentId, [...siblings, newNodeId]);

  const path = normaliseActivePath(doc);
  const at = path.indexOf(retryNodeId);
  const next =
    at >= 0
      ? [...path.slice(0, at), newNodeId]
      : parentId !== null && path[path.length - 1] === parentId
        ? [...path, newNodeId]
        : undefined;
  if (next) moveActivePath(builder, doc, next, (id) => (id === parentId ? siblings.length + 1 : siblingCount(doc, id)));
  else if (parentId !== null) rememberBeforeAdding(builder, doc, parentId, siblings);
  builder.set('updated_at', context.now);
  return { changes: builder.changes, info: { newNodeId, moved: next !== undefined } };
}

export interface SwitchInput {
  targetJ: number;
  /** The node whose sibling to pick; by default the active leaf. */
  nodeId?: string;
  /** Or the depth (1-based) on the active path. */
  depth?: number;
}

export interface SwitchInfo {
  nodeId: string;
  j: number;
  n: number;
  activePath: string[];
}

export function switchBranch(doc: ConversationDoc, input: SwitchInput, context: TreeContext): TreeMutation<SwitchInfo> {
  const anchor = anchorOf(doc, input, context.where);
  const parentId = nodeOf(doc, anchor)!.pid;
  const siblings = siblingsOf(doc, parentId);
  const target = siblings[input.targetJ - 1];
  if (target === undefined) {
    throw new CallError(
      'BAD_INPUT',
      `target_j ${input.targetJ} is out of range: node ${anchor} in ${context.where} has ${siblings.length} sibling(s), numbered 1 to ${siblings.length}`,
      {
        details: { node_id: anchor, n: siblings.length },
      },
    );
  }
  const activePath = [...(parentId === null ? [] : pathTo(doc, parentId, context.where)), target, ...descend(doc, target)];
  const info = { nodeId: target, j: input.targetJ, n: siblings.length, activePath };
  if (sameIds(doc.active_path, activePath)) return { changes: [], info };
  const builder = new ChangeBuilder(doc);
  moveActivePath(builder, doc, activePath);
  builder.set('updated_at', context.now);
  return { changes: builder.changes, info };
}

function anchorOf(doc: ConversationDoc, input: SwitchInput, where: string): string {
  if (input.nodeId !== undefined) {
    if (!hasNode(doc, input.nodeId))
      throw new CallError('NOT_FOUND', `no node ${input.nodeId} in ${where}`, { details: { node_id: input.nodeId } });
    return input.nodeId;
  }
  const path = normaliseActivePath(doc);
  if (path.length === 0) throw new CallError('NOT_FOUND', `${where} has no messages to switch between`);
  const depth = input.depth ?? path.length;
  const anchor = path[depth - 1];
  if (anchor === undefined)
    throw new CallError('BAD_INPUT', `depth ${depth} is beyond the active path of ${where}, which is ${path.length} deep`);
  return anchor;
}
