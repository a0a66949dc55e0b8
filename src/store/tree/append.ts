/** @module Appending a node, and editing one: the two changes a completion makes. */
import { CallError } from '../../lib/call-error.js';
import type { ConversationDoc, ConversationNode, NodeMeta, Role } from './document.js';
import { moveActivePath, rememberBeforeAdding } from './active-path.js';
import { ChangeBuilder } from './changes.js';
import { hasNode, nodeOf, siblingCount, siblingsOf } from './children-index.js';
import type { TreeContext, TreeMutation } from './mutation.js';
import { normaliseActivePath, pathTo } from './views.js';

export interface AppendInput {
  nodeId: string;
  /** `null` adds a root. */
  pid: string | null;
  role: Role;
  content: string;
  /** Data fields beside `content` (`reasoning`, `attachments`), stored as given. */
  fields?: Record<string, unknown>;
  meta?: NodeMeta;
  /** Also add an empty assistant child with this id (only when a client asks for one). */
  placeholderId?: string;
}

export interface AppendInfo {
  nodeId: string;
  placeholderId?: string;
  /** The active path moved to the new node (its parent was the active leaf). */
  moved: boolean;
}

/**
 * Adds a node as the last child of `pid`. SmartTavern's rule for the active path: it moves to the new node only
 * when the parent is the last element of the stored `active_path`; otherwise the node is a side branch. A new
 * root becomes active only in a conversation without an active path.
 */
export function appendMessage(doc: ConversationDoc, input: AppendInput, context: TreeContext): TreeMutation<AppendInfo> {
  const { nodeId, pid, placeholderId } = input;
  for (const id of [nodeId, placeholderId]) {
    if (id !== undefined && hasNode(doc, id)) {
      throw new CallError('CONFLICT', `node ${id} already exists in ${context.where}`, { details: { node_id: id } });
    }
  }
  if (placeholderId === nodeId) throw new CallError('BAD_INPUT', `the placeholder id must differ from node_id ${nodeId}`);
  if (pid !== null && !hasNode(doc, pid)) {
    throw new CallError('NOT_FOUND', `parent node ${pid} is not in ${context.where} (it may have been deleted)`, {
      details: { node_id: pid },
    });
  }
  const builder = new ChangeBuilder(doc);
  builder.setEntry('nodes', nodeId, newNode(pid, input.role, input.content, context.now, input.meta, input.fields));
  const siblings = siblingsOf(doc, pid);
  if (pid === null) builder.set('roots', [...siblings, nodeId]);
  else builder.setEntry('children', pid, [...siblings, nodeId]);
  if (placeholderId !== undefined) {
    builder.setEntry('nodes', placeholderId, newNode(nodeId, 'assistant', '', context.now));
    builder.setEntry('children', nodeId, [placeholderId]);
  }

  const moved = pid === null ? normaliseActivePath(doc).length === 0 : doc.active_path[doc.active_path.length - 1] === pid;
  if (moved) {
    const path = [
      ...(pid === null ? [] : pathTo(doc, pid, context.where)),
      nodeId,
      ...(placeholderId === undefined ? [] : [placeholderId]),
    ];
    moveActivePath(builder, doc, path, (parentId) => (parentId === pid ? siblings.length + 1 : siblingCount(doc, parentId)));
  } else if (pid !== null) {
    rememberBeforeAdding(builder, doc, pid, siblings);
  }
  builder.set('updated_at', context.now);
  return { changes: builder.changes, info: { nodeId, ...(placeholderId === undefined ? {} : { placeholderId }), moved } };
}

/** Engine-owned keys a data field may not replace. */
const structuralKeys: ReadonlySet<string> = new Set(['pid', 'role', 'content', 'node_updated_at', 'meta']);

export function newNode(
  pid: string | null,
  role: Role,
  content: string,
  now: string,
  meta?: NodeMeta,
  fields: Record<string, unknown> = {},
): ConversationNode {
  return { pid, role, content, ...dataFields(fields), node_updated_at: now, ...(meta === undefined ? {} : { meta }) };
}

function dataFields(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).filter(([key, value]) => !structuralKeys.has(key) && value !== null && value !== undefined),
  );
}

export interface UpdateInput {
  nodeId: string;
  content?: string;
  /** Replaces the node's `meta`; `null` removes it. */
  meta?: NodeMeta | null;
  /** Data fields beside `content` (`reasoning`, `attachments`): each replaces the node's; `null` removes it. */
  fields?: Record<string, unknown>;
  /** Compare-and-set: CONFLICT unless the node's content is exactly this (e.g. '' to fill an empty node). */
  expectedContent?: string;
}

export function updateMessage(doc: ConversationDoc, input: UpdateInput, context: TreeContext): TreeMutation<{ nodeId: string }> {
  const { nodeId } = input;
  const node = nodeOf(doc, nodeId);
  if (!node) throw new CallError('NOT_FOUND', `no node ${nodeId} in ${context.where}`, { details: { node_id: nodeId } });
  if (input.expectedContent !== undefined && node.content !== input.expectedContent) {
    throw new CallError(
      'CONFLICT',
      `node ${nodeId} in ${context.where} no longer has the expected content (it was changed meanwhile); nothing was written`,
      {
        details: { node_id: nodeId },
      },
    );
  }
  // Spreading keeps the node's key order; fields another tool added stay where they were.
  const next: ConversationNode = { ...node, node_updated_at: context.now };
  if (input.content !== undefined) next.content = input.content;
  for (const [key, value] of Object.entries(input.fields ?? {})) {
    if (structuralKeys.has(key) || value === undefined) continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  if (input.meta === null) delete next.meta;
  else if (input.meta !== undefined) next.meta = input.meta;
  const builder = new ChangeBuilder(doc);
  builder.setEntry('nodes', nodeId, next);
  builder.set('updated_at', context.now);
  return { changes: builder.changes, info: { nodeId } };
}
