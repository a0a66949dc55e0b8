/**
 * @module How deep a JSON value nests, measured without recursion: a request body or a file built to overflow
 * the stack cannot overflow it here, and is refused before the recursive parts (cloning, validation, freezing,
 * serialising) see it. No conversation, config or input field needs more than a few levels; the limit is generous.
 */

/** Conversation, settings and config files. */
export const fileDepthLimit = 200;
/** Call inputs: well under the files' limit, so what an input puts into a file (a node's meta) keeps it readable. */
export const inputDepthLimit = 64;

interface Visit {
  value: object;
  depth: number;
  key: string;
  parent: Visit | undefined;
}

/** The JSON pointer (shortened) of the first object or array nested deeper than `limit` levels, or undefined. */
export function tooDeepAt(value: unknown, limit: number): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const stack: Visit[] = [{ value, depth: 1, key: '', parent: undefined }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    if (visit.depth > limit) return pointerOf(visit);
    for (const [key, item] of Object.entries(visit.value)) {
      if (typeof item === 'object' && item !== null) stack.push({ value: item as object, depth: visit.depth + 1, key, parent: visit });
    }
  }
  return undefined;
}

/** The pointer from the top to `visit`; past a dozen segments only the first ones, then how many more. */
function pointerOf(visit: Visit): string {
  const segments: string[] = [];
  for (let current: Visit | undefined = visit; current?.parent !== undefined; current = current.parent) {
    segments.push(current.key.replaceAll('~', '~0').replaceAll('/', '~1'));
  }
  segments.reverse();
  const shown = segments
    .slice(0, 12)
    .map((segment) => `/${segment}`)
    .join('');
  return segments.length > 12 ? `${shown}/… (${segments.length - 12} levels more)` : shown;
}
