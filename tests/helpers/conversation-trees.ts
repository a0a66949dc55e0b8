/**
 * @module Hand-built conversation trees for tests: each call returns a fresh copy, so a test may change it.
 */
import type { ConversationDoc } from '../../src/store/tree/document.js';

/**
 * Two roots; under `u1` three replies listed only partly in `children` (a2, a1 listed; a3 implied, so the
 * order is a2, a1, a3); an empty assistant node (a3); fields the engine does not know, at every level.
 *
 *   r1 (system) ── u1 ─┬─ a2
 *                      ├─ a1 ── u2 ── a4      <- active: r1 u1 a1 u2 a4
 *                      └─ a3 ("")
 *   r2 (assistant) ── u3
 */
export function branchyTree(): ConversationDoc {
  return {
    name: 'Branchy',
    description: 'A tree for tests',
    roots: ['r1', 'r2'],
    nodes: {
      r1: { pid: null, role: 'system', content: 'You are terse.', x_note: { keep: true } },
      u1: { pid: 'r1', role: 'user', content: 'Hi' },
      a1: { pid: 'u1', role: 'assistant', content: 'Hello.', node_updated_at: '2025-01-01T00:00:00+00:00' },
      a2: { pid: 'u1', role: 'assistant', content: 'Hey.' },
      a3: { pid: 'u1', role: 'assistant', content: '' },
      u2: { pid: 'a1', role: 'user', content: 'Tell me more' },
      a4: { pid: 'u2', role: 'assistant', content: 'More.', meta: { model: 'mock' } },
      r2: { pid: null, role: 'assistant', content: 'Another start' },
      u3: { pid: 'r2', role: 'user', content: 'Go' },
    },
    children: { u1: ['a2', 'a1'] },
    active_path: ['r1', 'u1', 'a1', 'u2', 'a4'],
    updated_at: '2025-01-01T00:00:00+00:00',
    x_top: 'kept',
  };
}

/** A straight chat: one root and alternating turns, `children` absent (implied by `pid` alone). */
export function linearTree(turns = 4): ConversationDoc {
  const nodes: ConversationDoc['nodes'] = { s: { pid: null, role: 'system', content: 'Be kind.' } };
  const path = ['s'];
  for (let turn = 1; turn <= turns; turn++) {
    const id = `t${turn}`;
    nodes[id] = { pid: path[path.length - 1]!, role: turn % 2 === 1 ? 'user' : 'assistant', content: `turn ${turn}` };
    path.push(id);
  }
  return { roots: ['s'], nodes, active_path: path };
}
