/**
 * @module What an in-place edit changed, told apart from what the engine changed, without the version both
 * started from: a place (a node, a top-level field) the engine did not write since that version still holds the
 * starting value in the current tree, so a difference there is the edit's. A place both wrote is a conflict.
 */
import type { ConversationDoc, ConversationNode } from './document.js';

export interface EditDifferences {
  /** Nodes the edit added or changed, in the edited version's order. */
  nodeIds: string[];
  nodes: Record<string, ConversationNode>;
  /** Nodes the edit deleted. */
  deletedNodeIds: string[];
  fields: Record<string, unknown>;
  removedFields: string[];
  /** `nodes/<id>` or a field name: changed by the edit and by the engine. */
  conflicts: string[];
}

/** Fields the engine rewrites on every save, or that follow from the nodes: never an edit of their own. */
const structuralFields = new Set(['nodes', 'children', 'active_path', 'updated_at', 'roots', 'last_active_child']);

/**
 * `engineChanged` holds the places the engine wrote since the version the edit started from, as `nodes/<id>`,
 * `children/<id>` or a top-level field name.
 */
export function editDifferences(edited: ConversationDoc, current: ConversationDoc, engineChanged: ReadonlySet<string>): EditDifferences {
  const found: EditDifferences = { nodeIds: [], nodes: {}, deletedNodeIds: [], fields: {}, removedFields: [], conflicts: [] };
  const same = (left: unknown, right: unknown) => JSON.stringify(left) === JSON.stringify(right);
  for (const [nodeId, node] of Object.entries(edited.nodes)) {
    const now = Object.hasOwn(current.nodes, nodeId) ? current.nodes[nodeId] : undefined;
    if (now !== undefined && same(node, now)) continue;
    if (engineChanged.has(`nodes/${nodeId}`)) {
      // Both wrote it; a node the engine added since cannot be in the edited version, so this is a real clash.
      if (now !== undefined) found.conflicts.push(`nodes/${nodeId}`);
      continue;
    }
    found.nodeIds.push(nodeId);
    found.nodes[nodeId] = node;
  }
  for (const nodeId of Object.keys(current.nodes)) {
    if (!Object.hasOwn(edited.nodes, nodeId) && !engineChanged.has(`nodes/${nodeId}`)) found.deletedNodeIds.push(nodeId);
  }
  for (const [field, value] of Object.entries(edited)) {
    if (structuralFields.has(field) || same(value, (current as Record<string, unknown>)[field])) continue;
    if (engineChanged.has(field)) found.conflicts.push(field);
    else found.fields[field] = value;
  }
  for (const field of Object.keys(current)) {
    if (structuralFields.has(field) || Object.hasOwn(edited, field)) continue;
    if (engineChanged.has(field)) found.conflicts.push(field);
    else found.removedFields.push(field);
  }
  return found;
}

/** Whether the edit changed anything worth keeping. */
export function hasEdits(found: EditDifferences): boolean {
  return (
    found.nodeIds.length > 0 || found.deletedNodeIds.length > 0 || Object.keys(found.fields).length > 0 || found.removedFields.length > 0
  );
}
