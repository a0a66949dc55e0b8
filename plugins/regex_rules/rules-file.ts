/**
 * @module The regex rules file (data/regex_rules.json): read when it changes, every rule checked, and any problem an
 * INVALID_FILE that names the file, the rule's index and the field. A missing file means no rules.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CallError } from '../../src/index.js';

export const rulesFile = 'data/regex_rules.json';

export type RuleTarget = 'prompt' | 'reply' | 'both';
const targets: readonly RuleTarget[] = ['prompt', 'reply', 'both'];
const roles = ['system', 'user', 'assistant'] as const;
const ruleFields = new Set(['name', 'find', 'replace', 'flags', 'apply_to', 'roles', 'enabled']);

export interface RegexRule {
  name: string;
  pattern: RegExp;
  replace: string;
  applyTo: RuleTarget;
  /** Prompt messages of these roles only; every role when absent. */
  roles?: ReadonlyArray<(typeof roles)[number]>;
}

let cached: { key: string; rules: RegexRule[] } | undefined;

/** The enabled rules, in file order; re-read only when the file's size or modification time changes. */
export async function loadRules(root: string): Promise<RegexRule[]> {
  const absolute = join(root, rulesFile);
  const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info === undefined) return [];
  const key = `${absolute}\0${info.mtimeMs}\0${info.size}`;
  if (cached?.key === key) return cached.rules;
  let value: unknown;
  try {
    value = JSON.parse(await readFile(absolute, 'utf8'));
  } catch (error) {
    throw invalid(`is not valid JSON: ${(error as Error).message}`);
  }
  const rules = parseRules(value);
  cached = { key, rules };
  return rules;
}

/** `[rule, ...]` or `{ "rules": [rule, ...] }`. */
export function parseRules(value: unknown): RegexRule[] {
  const list = Array.isArray(value) ? value : isObject(value) && Array.isArray(value['rules']) ? value['rules'] : undefined;
  if (list === undefined) throw invalid('must be an array of rules, or an object with a "rules" array');
  const rules: RegexRule[] = [];
  for (const [index, rule] of (list as unknown[]).entries()) {
    const at = `rules[${index}]`;
    if (!isObject(rule)) throw invalid(`${at} must be an object like {"find": "...", "replace": "...", "apply_to": "both"}`);
    const unknown = Object.keys(rule).find((field) => !ruleFields.has(field));
    if (unknown !== undefined) throw invalid(`${at}.${unknown} is not a rule field (fields: ${[...ruleFields].join(', ')})`);
    if (rule['enabled'] !== undefined && typeof rule['enabled'] !== 'boolean') throw invalid(`${at}.enabled must be true or false`);
    if (rule['name'] !== undefined && typeof rule['name'] !== 'string') throw invalid(`${at}.name must be a string`);
    const find = rule['find'];
    if (typeof find !== 'string' || find === '') throw invalid(`${at}.find must be a non-empty regular expression source`);
    const replace = rule['replace'] ?? '';
    if (typeof replace !== 'string') throw invalid(`${at}.replace must be a string ($1, $<name> refer to groups)`);
    const flags = rule['flags'] ?? 'g';
    if (typeof flags !== 'string') throw invalid(`${at}.flags must be a string of regular expression flags, e.g. "gi"`);
    const applyTo = rule['apply_to'] ?? 'both';
    if (!targets.includes(applyTo as RuleTarget)) throw invalid(`${at}.apply_to must be one of ${targets.join(', ')}`);
    const ruleRoles = rule['roles'];
    if (ruleRoles !== undefined && (!Array.isArray(ruleRoles) || ruleRoles.some((role) => !roles.includes(role as 'user')))) {
      throw invalid(`${at}.roles must be an array of ${roles.join(', ')}`);
    }
    let pattern: RegExp;
    try {
      pattern = new RegExp(find, flags);
    } catch (error) {
      const field = /flag/i.test((error as Error).message) ? 'flags' : 'find';
      throw invalid(`${at}.${field} is not valid: ${(error as Error).message}`);
    }
    if (rule['enabled'] === false) continue;
    rules.push({
      name: typeof rule['name'] === 'string' ? rule['name'] : at,
      pattern,
      replace,
      applyTo: applyTo as RuleTarget,
      ...(ruleRoles === undefined ? {} : { roles: ruleRoles as NonNullable<RegexRule['roles']> }),
    });
  }
  return rules;
}

function invalid(problem: string): CallError {
  return new CallError('INVALID_FILE', `${rulesFile}: ${problem}`, { details: { file: rulesFile } });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
