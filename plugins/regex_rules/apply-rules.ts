/** @module Applying regex rules to a text: each rule in file order, each on the previous one's result. */
import type { RegexRule } from './rules-file.js';

export type Direction = 'prompt' | 'reply';

export function applyRules(text: string, rules: readonly RegexRule[], direction: Direction, role?: string): string {
  let result = text;
  for (const rule of rules) {
    if (rule.applyTo !== 'both' && rule.applyTo !== direction) continue;
    if (direction === 'prompt' && rule.roles !== undefined && !rule.roles.includes(role as 'user')) continue;
    // A global or sticky pattern keeps lastIndex between uses; start each text from its beginning.
    rule.pattern.lastIndex = 0;
    result = result.replace(rule.pattern, rule.replace);
  }
  return result;
}
