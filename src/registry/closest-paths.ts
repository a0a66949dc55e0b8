/** @module Suggests registered paths close to a mistyped one, for NOT_FOUND messages. */

export function closestPaths(wanted: string, known: Iterable<string>, limit = 3): string[] {
  const scored = [...known].map((path) => ({ path, distance: distance(wanted, path) }));
  // Typos are a few edits away; a wrong namespace or folder is caught by the same last segment.
  const tolerance = Math.max(2, Math.floor(wanted.length / 6));
  return scored
    .filter(({ path, distance }) => distance <= tolerance || path.endsWith(lastSegment(wanted)))
    .sort((a, b) => a.distance - b.distance || a.path.localeCompare(b.path))
    .slice(0, limit)
    .map(({ path }) => path);
}

function lastSegment(path: string): string {
  return '/' + (path.split('/').pop() ?? path);
}

/** Levenshtein distance, two rows at a time. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}
