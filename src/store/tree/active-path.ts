/**
 * @module Moving the active path. Every move also remembers, for each parent with several children, which
 * child the path runs through (`last_active_child`), so switching away and back restores the whole branch.
 * Parents with one child need no memory: that keeps a long linear chat free of noise in the file.
 */
import type { ConversationDoc } from './document.js';
import type { ChangeBuilder } from './changes.js';
import { siblingCount } from './children-index.js';
import { memoryKey, normaliseActivePath, rememberedChild } from './views.js';

/** `familySize` gives the child count after the change (a mutation adding or removing children passes its own). */
export function moveActivePath(
  builder: ChangeBuilder,
  doc: ConversationDoc,
  path: readonly string[],
  familySize: (parentId: string) => number = (parentId) => siblingCount(doc, parentId),
): void {
  if (!sameIds(doc.active_path, path)) builder.set('active_path', [...path]);
  // Pairs the new path shares with the current one were remembered when that path was set: only the rest can change.
  const current = normaliseActivePath(doc);
  let shared = 0;
  while (shared < path.length && shared < current.length && path[shared] === current[shared]) shared++;
  for (let index = Math.max(0, shared - 1); index + 1 < path.length; index++) {
    const parentId = path[index]!;
    const childId = path[index + 1]!;
    if (familySize(parentId) >= 2 && builder.entryValue(memoryKey, parentId) !== childId) builder.setEntry(memoryKey, parentId, childId);
  }
}

export function sameIds(left: readonly unknown[], right: readonly unknown[]): boolean {
  return left.length === right.length && left.every((value, index) => value === right[index]);
}

/**
 * A parent is about to get another child that does not become active: remember the child that was active under
 * it (the one on the active path, or the only one), so a later switch back does not land on the newcomer.
 */
export function rememberBeforeAdding(builder: ChangeBuilder, doc: ConversationDoc, parentId: string, siblings: readonly string[]): void {
  if (siblings.length === 0 || rememberedChild(doc, parentId) !== undefined) return;
  const path = normaliseActivePath(doc);
  const at = path.indexOf(parentId);
  const current = at >= 0 ? path[at + 1] : siblings.length === 1 ? siblings[0] : undefined;
  if (current !== undefined) builder.setEntry(memoryKey, parentId, current);
}
