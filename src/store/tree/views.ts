/**
 * @module Read-only views of a tree: the normalised active path, positions (j/n), the branch table, the messages
 * for a provider, and the branch remembered under a node. Pure: nothing here changes the tree.
 */
import { CallError } from '../../lib/call-error.js';
import type { ConversationDoc, Role } from './document.js';
import { isPlainObject } from '../../lib/plain-object.js';
import { childrenInNodesOrder, nodeOf, rootIds, siblingCount, siblingsOf, structureVersion } from './children-index.js';
import { stepMessages, toolStepsOf, type ToolCallMessage } from './tool-steps.js';

/** The top-level map that remembers, per parent with several children, the child last on the active path. */
export const memoryKey = 'last_active_child';

export interface Position {
  depth: number;
  node_id: string;
  j: number;
  n: number;
}

/** SmartTavern's `latest`: nulls for an empty conversation. */
export type Latest = Position | { depth: 0; node_id: null; j: null; n: null };

const normalisedPaths = new WeakMap<
  ConversationDoc,
  { raw: readonly string[]; length: number; version: number; path: readonly string[] }
>();

/** A fork keeps the remembered path: its `active_path` array is the same until a change replaces it. */
export function moveNormalisedPath(from: ConversationDoc, to: ConversationDoc): void {
  const known = normalisedPaths.get(from);
  if (known) normalisedPaths.set(to, known);
}

/**
 * The active path as it can be used: the first element must be a root (else the first root, as SmartTavern
 * does), each next element a child of the previous; the walk stops at the first break. Remembered per tree
 * until `active_path` is replaced or a node is deleted or moved, so a deep path is walked once, not per call.
 */
export function normaliseActivePath(doc: ConversationDoc): readonly string[] {
  const raw = doc.active_path;
  const version = structureVersion(doc);
  const known = normalisedPaths.get(doc);
  if (known && known.raw === raw && known.length === raw.length && known.version === version) return known.path;
  // No node deleted or moved since the last walk: the part of the new path matching the last result still holds.
  const valid = known && known.version === version ? known.path : [];
  const path = Object.freeze(walkActivePath(doc, valid));
  normalisedPaths.set(doc, { raw, length: raw.length, version, path });
  return path;
}

function walkActivePath(doc: ConversationDoc, valid: readonly string[]): string[] {
  const raw = doc.active_path;
  let shared = 0;
  while (shared < valid.length && shared < raw.length && raw[shared] === valid[shared]) shared++;
  const first = raw[0];
  if (shared === 0 && (first === undefined || nodeOf(doc, first)?.pid !== null)) {
    const root = rootIds(doc)[0];
    return root === undefined ? [] : [root];
  }
  const path = shared > 0 ? valid.slice(0, shared) : [first!];
  for (let index = path.length; index < raw.length; index++) {
    const id = raw[index]!;
    if (nodeOf(doc, id)?.pid !== path[path.length - 1]) break;
    path.push(id);
  }
  return path;
}

/** Root -> node, following `pid`. NOT_FOUND naming the node when it is not in the tree. */
export function pathTo(doc: ConversationDoc, nodeId: string, where: string): string[] {
  if (!nodeOf(doc, nodeId)) throw new CallError('NOT_FOUND', `no node ${nodeId} in ${where}`, { details: { node_id: nodeId } });
  const active = normaliseActivePath(doc);
  const at = active.lastIndexOf(nodeId);
  if (at >= 0) return active.slice(0, at + 1);
  const path: string[] = [];
  // Validation rules out cycles; the set only keeps a tree broken in memory from hanging the server.
  const seen = new Set<string>();
  for (let current: string | null = nodeId; current !== null && !seen.has(current); current = nodeOf(doc, current)?.pid ?? null) {
    seen.add(current);
    path.push(current);
  }
  return path.reverse();
}

/** j/n of a node among its siblings (among the roots at depth 1); O(1) for an only child. */
export function positionOf(doc: ConversationDoc, nodeId: string, depth: number): Position {
  const parentId = nodeOf(doc, nodeId)?.pid ?? null;
  if (siblingCount(doc, parentId) === 1) return { depth, node_id: nodeId, j: 1, n: 1 };
  const siblings = siblingsOf(doc, parentId);
  return { depth, node_id: nodeId, j: siblings.indexOf(nodeId) + 1, n: siblings.length };
}

export function latestOf(doc: ConversationDoc, path: readonly string[] = normaliseActivePath(doc)): Latest {
  const leaf = path[path.length - 1];
  return leaf === undefined ? { depth: 0, node_id: null, j: null, n: null } : positionOf(doc, leaf, path.length);
}

export function branchTable(doc: ConversationDoc): { latest: Latest; levels: Position[] } {
  const path = normaliseActivePath(doc);
  const levels = path.map((id, index) => positionOf(doc, id, index + 1));
  return { latest: levels[levels.length - 1] ?? latestOf(doc, path), levels };
}

export interface ProviderMessage {
  role: Role | 'tool';
  content: string;
  /** The node's `reasoning`, when it has one: each provider's policy decides whether it goes on the wire. */
  reasoning?: string;
  /** The node's image attachments (files beside the conversation), for a user message. */
  images?: Array<{ file: string; mime: string }>;
  /** An assistant step that called tools (from the node's `tool_steps`), with engine tool names. */
  tool_calls?: ToolCallMessage[];
  /** A `tool` message: the call it answers and the tool's engine name. */
  tool_call_id?: string;
  tool_name?: string;
  is_error?: boolean;
}

/** A node's `attachments` of type image, as written by append_message (entries of other shapes are skipped). */
export function imageAttachments(node: Record<string, unknown>): Array<{ file: string; mime: string }> {
  const attachments = node['attachments'];
  if (!Array.isArray(attachments)) return [];
  return attachments.flatMap((entry: unknown) => {
    const attachment = entry as { type?: unknown; file?: unknown; mime?: unknown } | null;
    return attachment?.type === 'image' && typeof attachment.file === 'string' && typeof attachment.mime === 'string'
      ? [{ file: attachment.file, mime: attachment.mime }]
      : [];
  });
}

/**
 * Messages along the active path (or root -> `nodeId`). An assistant node with blank content is left out
 * wherever it is: providers reject empty assistant turns. A node with `tool_steps` stands for its steps (each an
 * assistant message with its calls, then the results) and then its answer. `path` still lists every node walked.
 */
export function openaiMessages(
  doc: ConversationDoc,
  where: string,
  nodeId?: string,
): { messages: ProviderMessage[]; path: readonly string[] } {
  const path = nodeId === undefined ? normaliseActivePath(doc) : pathTo(doc, nodeId, where);
  const messages: ProviderMessage[] = [];
  for (const id of path) {
    const node = nodeOf(doc, id)!;
    if (node.role === 'assistant') {
      for (const step of toolStepsOf(node)) {
        const { assistant, results } = stepMessages(step);
        messages.push(assistant, ...results);
      }
    }
    if (node.role === 'assistant' && node.content.trim() === '') continue;
    const reasoning = node['reasoning'];
    const images = node.role === 'user' ? imageAttachments(node) : [];
    messages.push({
      role: node.role,
      content: node.content,
      ...(node.role === 'assistant' && typeof reasoning === 'string' && reasoning !== '' ? { reasoning } : {}),
      ...(images.length === 0 ? {} : { images }),
    });
  }
  return { messages, path };
}

export function latestMessage(doc: ConversationDoc, where: string): { node_id: string; role: Role; content: string; depth: number } {
  const path = normaliseActivePath(doc);
  const leaf = path[path.length - 1];
  if (leaf === undefined) throw new CallError('NOT_FOUND', `${where} has no messages yet`);
  const node = nodeOf(doc, leaf)!;
  return { node_id: leaf, role: node.role, content: node.content, depth: path.length };
}

/** The child remembered as last active under `parentId`, if it is still one of its children. */
export function rememberedChild(doc: ConversationDoc, parentId: string): string | undefined {
  const memory = (doc as Record<string, unknown>)[memoryKey];
  if (!isPlainObject(memory) || !Object.hasOwn(memory, parentId)) return undefined;
  const childId = memory[parentId];
  return typeof childId === 'string' && nodeOf(doc, childId)?.pid === parentId ? childId : undefined;
}

/**
 * The branch below `nodeId` that was last active: the remembered child at each level, else the only child,
 * else the last sibling (the newest), down to a leaf. Excludes `nodeId` itself.
 */
export function descend(doc: ConversationDoc, nodeId: string): string[] {
  const path: string[] = [];
  const seen = new Set<string>([nodeId]);
  for (let current = nodeId; ;) {
    const family = childrenInNodesOrder(doc, current);
    if (family.length === 0) return path;
    const next = family.length === 1 ? family[0]! : (rememberedChild(doc, current) ?? siblingsOf(doc, current).at(-1)!);
    if (seen.has(next)) return path;
    seen.add(next);
    path.push(next);
    current = next;
  }
}
