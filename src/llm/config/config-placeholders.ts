/**
 * @module `${NAME}` and `${NAME:-default}` in every string value of a config (nested too), resolved from an
 * environment. Pure: problems are returned with their JSON pointer, never a half-resolved `${...}`.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

export interface PlaceholderProblem {
  kind: 'missing' | 'malformed';
  /** JSON pointer of the string that holds it, e.g. `/api_key`. */
  pointer: string;
  /** The variable name (for `missing`). */
  variable?: string;
  /** The placeholder as written. */
  text: string;
}

export interface Resolution<Value> {
  value: Value;
  problems: PlaceholderProblem[];
}

const placeholderPattern = /\$\{([^}]*)\}/g;
const innerPattern = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** A copy of `value` with every placeholder replaced; a problem for each one that cannot be. */
export function resolvePlaceholders<Value>(value: Value, env: Environment): Resolution<Value> {
  const problems: PlaceholderProblem[] = [];
  const resolved = walk(value, '', env, problems) as Value;
  return { value: resolved, problems };
}

/** True when the value holds `${` anywhere (used to refuse placeholders where they are not resolved). */
export function containsPlaceholder(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('${');
  if (Array.isArray(value)) return value.some(containsPlaceholder);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsPlaceholder);
  return false;
}

/**
 * The names of the variables a value's placeholders read, each once, in order of appearance: what a resolved
 * value depends on besides the value itself (malformed placeholders read nothing).
 */
export function placeholderVariables(value: unknown): string[] {
  const names = new Set<string>();
  const visit = (item: unknown): void => {
    if (typeof item === 'string') {
      if (!item.includes('${')) return;
      for (const match of item.matchAll(placeholderPattern)) {
        const name = innerPattern.exec(match[1] ?? '')?.[1];
        if (name) names.add(name);
      }
    } else if (Array.isArray(item)) item.forEach(visit);
    else if (typeof item === 'object' && item !== null) Object.values(item).forEach(visit);
  };
  visit(value);
  return [...names];
}

function walk(value: unknown, pointer: string, env: Environment, problems: PlaceholderProblem[]): unknown {
  if (typeof value === 'string') return resolveString(value, pointer, env, problems);
  if (Array.isArray(value)) return value.map((item, index) => walk(item, `${pointer}/${index}`, env, problems));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, walk(item, `${pointer}/${escapePointer(key)}`, env, problems)]),
    );
  }
  return value;
}

function resolveString(text: string, pointer: string, env: Environment, problems: PlaceholderProblem[]): string {
  if (!text.includes('${')) return text;
  let output = '';
  let literalStart = 0;
  for (const match of text.matchAll(placeholderPattern)) {
    output += literal(text.slice(literalStart, match.index), pointer, problems);
    literalStart = match.index + match[0].length;
    const inner = innerPattern.exec(match[1] ?? '');
    const name = inner?.[1];
    const fallback = inner?.[2];
    if (!name || fallback?.includes('${')) {
      problems.push({ kind: 'malformed', pointer, text: match[0] });
      continue;
    }
    const found = env[name];
    // Shell rule: `:-` also covers a variable that is set but empty.
    if (fallback !== undefined && (found === undefined || found === '')) output += fallback;
    else if (found !== undefined) output += found;
    else problems.push({ kind: 'missing', pointer, variable: name, text: match[0] });
  }
  return output + literal(text.slice(literalStart), pointer, problems);
}

/** Text between placeholders; a `${` left in it has no closing brace, so it would reach the provider as is. */
function literal(text: string, pointer: string, problems: PlaceholderProblem[]): string {
  const start = text.indexOf('${');
  if (start !== -1) problems.push({ kind: 'malformed', pointer, text: text.slice(start) });
  return text;
}

export function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
