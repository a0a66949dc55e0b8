/** @module Node ids (letters, digits, `_` and `-`, DESIGN §4) and fresh unique ids for new nodes. */
import { randomBytes } from 'node:crypto';
import type { Role } from './document.js';
import { nodeIdPattern } from './conversation-schema.js';

/** The conversation schema's node id pattern; `__proto__` is refused too (it would re-prototype a map). */
export { nodeIdPattern };
const nodeIdExpression = new RegExp(nodeIdPattern);

export function isNodeId(value: unknown): value is string {
  return typeof value === 'string' && nodeIdExpression.test(value) && value !== '__proto__';
}

const rolePrefixes: Record<Role, string> = { system: 'sys', user: 'user', assistant: 'ass' };

/**
 * SmartTavern's `n_<kind><ms>` (`n_user…`, `n_ass…`) plus a random suffix: two appends in one millisecond, or
 * from two processes, must not collide. `taken` is asked until an unused id comes up.
 */
export function createNodeId(role: Role | 'placeholder', taken: (id: string) => boolean): string {
  const prefix = role === 'placeholder' ? 'append_ass' : rolePrefixes[role];
  for (;;) {
    const id = `n_${prefix}${Date.now()}_${randomBytes(3).toString('hex')}`;
    if (!taken(id)) return id;
  }
}
