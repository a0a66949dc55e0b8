/**
 * @module A conversation's active path written out: as a SillyTavern chat (JSONL, header first; the siblings of
 * each assistant turn as its swipes, the active one chosen) or as Markdown. Fields kept from an import are
 * written back as they were.
 */
import { normaliseActivePath, siblingsOf, type ConversationDoc, type ConversationNode } from '../../../store/index.js';
import { isPlainObject } from '../../../lib/plain-object.js';

export function toSillyTavern(doc: ConversationDoc, now: string): { content: string; messages: number } {
  const path = normaliseActivePath(doc);
  const stored = isPlainObject(doc['sillytavern_header']) ? doc['sillytavern_header'] : undefined;
  const header = stored ?? { user_name: 'User', character_name: doc.name ?? 'Assistant', create_date: now, chat_metadata: {} };
  const userName = typeof header['user_name'] === 'string' ? header['user_name'] : 'User';
  const characterName = typeof header['character_name'] === 'string' ? header['character_name'] : (doc.name ?? 'Assistant');
  const lines = [JSON.stringify(header)];
  for (const id of path) {
    const node = doc.nodes[id]!;
    const kept = isPlainObject(node['sillytavern']) ? node['sillytavern'] : {};
    const line: Record<string, unknown> = {
      name: node.role === 'user' ? userName : node.role === 'system' ? 'System' : characterName,
      is_user: node.role === 'user',
      is_system: node.role === 'system',
      send_date: node.node_updated_at ?? now,
      ...kept,
      mes: node.content,
    };
    if (node.role === 'assistant') Object.assign(line, swipesOf(doc, node, id));
    lines.push(JSON.stringify(line));
  }
  return { content: lines.join('\n') + '\n', messages: path.length };
}

/** The assistant siblings of a turn as SillyTavern swipes; swipe_info only when the import had it. */
function swipesOf(doc: ConversationDoc, node: ConversationNode, id: string): Record<string, unknown> {
  const siblings = siblingsOf(doc, node.pid).filter((other) => doc.nodes[other]?.role === 'assistant');
  const infos = siblings.map((other) => {
    const swipe = doc.nodes[other]?.['sillytavern_swipe'];
    return isPlainObject(swipe) ? swipe['info'] : undefined;
  });
  const swipes: Record<string, unknown> = { swipe_id: siblings.indexOf(id), swipes: siblings.map((other) => doc.nodes[other]!.content) };
  if (infos.some((info) => info !== undefined && info !== null)) swipes['swipe_info'] = infos.map((info) => info ?? {});
  return swipes;
}

export function toMarkdown(doc: ConversationDoc): { content: string; messages: number } {
  const path = normaliseActivePath(doc);
  const parts = [`# ${doc.name ?? 'Conversation'}`];
  for (const id of path) {
    const node = doc.nodes[id]!;
    const kept = isPlainObject(node['sillytavern']) ? node['sillytavern'] : {};
    const speaker = typeof kept['name'] === 'string' ? kept['name'] : node.role[0]!.toUpperCase() + node.role.slice(1);
    parts.push(`## ${speaker}\n\n${node.content}`);
  }
  return { content: parts.join('\n\n') + '\n', messages: path.length };
}
