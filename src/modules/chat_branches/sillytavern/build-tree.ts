/**
 * @module A SillyTavern chat as a conversation tree: one node per message, chained; a message's swipes become
 * sibling nodes under the same parent with the chosen one on the active path (the chat continues under it).
 * SillyTavern's own fields stay on each node under `sillytavern` (unknown ones included), the header on the doc
 * under `sillytavern_header`, so an export writes them back.
 */
import type { ConversationDoc, ConversationNode, Role } from '../../../store/index.js';
import type { SillyTavernChat, SillyTavernMessage } from './parse-chat.js';

/** Fields the tree holds in its own terms (`content`, sibling nodes); everything else is kept as it was. */
const ownFields = new Set(['mes', 'swipes', 'swipe_id', 'swipe_info']);

export function roleOf(message: SillyTavernMessage): Role {
  if (message.is_user) return 'user';
  return message.is_system ? 'system' : 'assistant';
}

export function buildTree(chat: SillyTavernChat, name: string, now: string): { doc: ConversationDoc; branches: number } {
  const nodes: Record<string, ConversationNode> = {};
  const children: Record<string, string[]> = {};
  const roots: string[] = [];
  const activePath: string[] = [];
  let parent: string | null = null;
  let branches = 0;
  for (const message of chat.messages) {
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(message.fields)) if (!ownFields.has(key)) kept[key] = value;
    const swipeInfo = Array.isArray(message.fields['swipe_info']) ? (message.fields['swipe_info'] as unknown[]) : undefined;
    const texts = message.swipes ?? [message.mes];
    const chosen = message.swipeId ?? 0;
    const ids = texts.map((_, index) => (texts.length === 1 ? `n_st${message.line}` : `n_st${message.line}_${index + 1}`));
    texts.forEach((text, index) => {
      const node: ConversationNode = {
        pid: parent,
        role: roleOf(message),
        // The chosen swipe is the message as shown; SillyTavern keeps `mes` equal to it.
        content: index === chosen ? message.mes : text,
        node_updated_at: now,
        sillytavern: kept,
      };
      if (message.swipes !== undefined) node['sillytavern_swipe'] = { index, info: swipeInfo?.[index] ?? null };
      nodes[ids[index]!] = node;
    });
    if (parent === null) roots.push(...ids);
    else children[parent] = ids;
    if (ids.length > 1) branches += 1;
    parent = ids[chosen]!;
    activePath.push(parent);
  }
  const doc: ConversationDoc = {
    name,
    roots,
    nodes,
    children,
    active_path: activePath,
    updated_at: now,
    ...(chat.header === null ? {} : { sillytavern_header: chat.header }),
  };
  return { doc, branches };
}
