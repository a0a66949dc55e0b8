/**
 * @module A realistic conversation of a given size, shared by the benchmarks (store-append.ts, the persistence
 * scenario): a chat of ~1 KB English messages whose every eighth reply has a regenerated sibling off the active
 * path. Node ids: `n_root1`, then `n_user<turn>` / `n_assistant<turn>` (`_alt` for the siblings).
 */
import type { ConversationDoc, ConversationNode } from '../src/store/index.js';

export function makeConversation(bytes: number): ConversationDoc {
  const paragraph =
    'The lighthouse keeper wrote down the weather every hour, as his father had, and the log books filled a whole wall. ' +
    'Visitors asked why anyone still needed it; he said the sea did not read the forecasts. ';
  const nodes: Record<string, ConversationNode> = {};
  const children: Record<string, string[]> = {};
  const path: string[] = [];
  const add = (id: string, pid: string | null, role: ConversationNode['role'], content: string): void => {
    nodes[id] = { pid, role, content, node_updated_at: '2025-06-01T12:00:00+00:00' };
    if (pid !== null) (children[pid] ??= []).push(id);
  };
  add('n_root1', null, 'system', 'You are a patient storyteller.');
  path.push('n_root1');
  let size = 600;
  for (let turn = 1; size < bytes; turn++) {
    const parent = path[path.length - 1]!;
    const role = turn % 2 === 1 ? 'user' : 'assistant';
    const id = `n_${role}${turn}`;
    const content = `${paragraph.repeat(4)}(${turn})`;
    add(id, parent, role, content);
    if (role === 'assistant' && turn % 16 === 0) add(`${id}_alt`, parent, role, content.toUpperCase());
    path.push(id);
    size += content.length * (role === 'assistant' && turn % 16 === 0 ? 2 : 1) + 200;
  }
  return {
    name: 'Benchmark',
    description: '',
    roots: ['n_root1'],
    nodes,
    children,
    active_path: path,
    updated_at: '2025-06-01T12:00:00+00:00',
  };
}
