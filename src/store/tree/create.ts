/** @module A new conversation tree, and the folder name (slug) it is stored under. */
import type { ConversationDoc, ConversationNode } from './document.js';
import { memoryKey } from './views.js';

export interface NewConversation {
  name: string;
  description?: string;
  /** A system prompt becomes the single root; the greetings become its children (alternative openings). */
  systemPrompt?: string;
  /** Without a system prompt each greeting is a root, as SmartTavern makes one root per character greeting. */
  greetings: readonly string[];
  now: string;
}

/** SmartTavern's shape and key order; an empty conversation (no prompt, no greeting) has no nodes yet. */
export function createConversationDoc(input: NewConversation): ConversationDoc {
  const { now } = input;
  const greetings = input.greetings.filter((greeting) => greeting.trim() !== '');
  const nodes: Record<string, ConversationNode> = {};
  const children: Record<string, string[]> = {};
  let roots: string[];
  let activePath: string[];
  if (input.systemPrompt !== undefined && input.systemPrompt.trim() !== '') {
    nodes['n_root1'] = { pid: null, role: 'system', content: input.systemPrompt, node_updated_at: now };
    const greetingIds = greetings.map((content, index) => {
      const id = `n_greeting${index + 1}`;
      nodes[id] = { pid: 'n_root1', role: 'assistant', content, node_updated_at: now };
      return id;
    });
    if (greetingIds.length > 0) children['n_root1'] = greetingIds;
    roots = ['n_root1'];
    activePath = ['n_root1', ...greetingIds.slice(0, 1)];
  } else {
    roots = greetings.map((content, index) => {
      const id = `n_root${index + 1}`;
      nodes[id] = { pid: null, role: 'assistant', content, node_updated_at: now };
      return id;
    });
    activePath = roots.slice(0, 1);
  }
  const doc: ConversationDoc = {
    name: input.name,
    description: input.description ?? '',
    roots,
    nodes,
    children,
    active_path: activePath,
    updated_at: now,
  };
  if (activePath.length === 2 && greetings.length > 1) doc[memoryKey] = { [activePath[0]!]: activePath[1]! };
  return doc;
}

/**
 * SmartTavern's slug (trimmed; `\ / : * ? " < > |` become `-`; trailing spaces and dots dropped; empty becomes
 * `conversation`), made safe: control characters go too, leading dots are dropped (no `.`, `..` or hidden
 * folders), and it is cut to 100 characters.
 */
export function slugOf(name: string): string {
  const slug = name
    .trim()
    .replace(/[\\/:*?"<>|]/g, '-')
    .replace(/\p{Cc}/gu, '')
    .replace(/^[.\s]+/, '')
    .slice(0, 100)
    .replace(/[.\s]+$/, '');
  return slug === '' ? 'conversation' : slug;
}
