/**
 * @module Change sets: how a mutation describes what it does (`DocChange[]`), applied in place to a live tree
 * (the store's cache, the writer thread's mirror) or to a copy (pure use, tests). A builder keeps change sets
 * small and correct when a top-level map (`children`, `last_active_child`) does not exist yet.
 */
import type { ConversationDoc, ConversationNode, DocChange } from './document.js';
import { forgetIndex, moveIndex, noteNodeChange } from './children-index.js';
import { moveNormalisedPath } from './views.js';
import { copyObject, isPlainObject, setOwn } from '../../lib/plain-object.js';

/**
 * Applies changes in place, in order, keeping the children index current. Key order follows JavaScript's own
 * rules (a new key goes last, a replaced key keeps its place), so every copy that replays the same changes
 * (the writer thread's mirror) serialises to the same bytes.
 */
export function applyChanges(doc: ConversationDoc, changes: readonly DocChange[]): void {
  const record = doc as Record<string, unknown>;
  const shared = sharedContainers.get(doc);
  for (const change of changes) {
    const [key, entry] = change.path;
    if (entry === undefined) {
      if (key === 'nodes') forgetIndex(doc);
      shared?.delete(key);
      if (change.delete) delete record[key];
      else setOwn(record, key, change.value);
      continue;
    }
    const found = record[key];
    if (!isPlainObject(found)) throw new Error(`cannot change /${key}/${entry}: /${key} is not an object`);
    // Still shared with the tree this one was forked from (a reader holds it): copy before the first change.
    const container = shared?.delete(key) ? copyObject(found) : found;
    if (container !== found) setOwn(record, key, container);
    if (key === 'nodes') noteNodeChange(doc, entry, change.delete ? undefined : (change.value as ConversationNode));
    if (change.delete) delete container[entry];
    else setOwn(container, entry, change.value);
  }
}

/** Top-level objects a fork still shares with its original, per fork. */
const sharedContainers = new WeakMap<ConversationDoc, Set<string>>();

/**
 * A tree that can be changed without touching `doc`: its own top level, sharing every top-level object until
 * `applyChanges` first writes into it (then that one object is copied). The children index moves to the fork.
 */
export function forkDoc(doc: ConversationDoc): ConversationDoc {
  const fork = { ...doc };
  const shared = new Set(Object.keys(doc).filter((key) => isPlainObject((doc as Record<string, unknown>)[key])));
  sharedContainers.set(fork, shared);
  moveIndex(doc, fork);
  moveNormalisedPath(doc, fork);
  return fork;
}

/** A new tree with the changes applied; the input is left as it was (top-level objects that change are copied). */
export function withChanges(doc: ConversationDoc, changes: readonly DocChange[]): ConversationDoc {
  const copy = { ...doc } as Record<string, unknown>;
  const copied = new Set<string>();
  for (const change of changes) {
    const [key, entry] = change.path;
    if (entry === undefined) copied.add(key);
    else if (!copied.has(key) && isPlainObject(copy[key])) {
      copy[key] = copyObject(copy[key]);
      copied.add(key);
    }
  }
  applyChanges(copy as ConversationDoc, changes);
  return copy as ConversationDoc;
}

/** Collects a change set against `doc`, creating a missing top-level map in one change rather than two. */
export class ChangeBuilder {
  readonly changes: DocChange[] = [];
  readonly #doc: ConversationDoc;
  /** Maps this change set creates: their later entries go into the new object instead of separate changes. */
  readonly #created = new Map<string, Record<string, unknown>>();
  readonly #entries = new Map<string, Map<string, { value: unknown }>>();

  constructor(doc: ConversationDoc) {
    this.#doc = doc;
  }

  set(key: string, value: unknown): void {
    this.#created.delete(key);
    this.#entries.delete(key);
    this.changes.push({ path: [key], value });
  }

  /** The entry's value as this change set leaves it so far (the tree's own value if untouched). */
  entryValue(key: string, entry: string): unknown {
    const pending = this.#entries.get(key)?.get(entry);
    if (pending !== undefined) return pending.value;
    const container = (this.#doc as Record<string, unknown>)[key];
    return isPlainObject(container) && Object.hasOwn(container, entry) ? container[entry] : undefined;
  }

  setEntry(key: string, entry: string, value: unknown): void {
    this.#remember(key, entry, value);
    const created = this.#created.get(key);
    if (created) {
      setOwn(created, entry, value);
      return;
    }
    if (!isPlainObject((this.#doc as Record<string, unknown>)[key])) {
      const map: Record<string, unknown> = {};
      setOwn(map, entry, value);
      this.set(key, map);
      this.#created.set(key, map);
      return;
    }
    this.changes.push({ path: [key, entry], value });
  }

  deleteEntry(key: string, entry: string): void {
    this.#remember(key, entry, undefined);
    const created = this.#created.get(key);
    if (created) {
      delete created[entry];
      return;
    }
    const container = (this.#doc as Record<string, unknown>)[key];
    if (isPlainObject(container) && Object.hasOwn(container, entry)) this.changes.push({ path: [key, entry], delete: true });
  }

  #remember(key: string, entry: string, value: unknown): void {
    let entries = this.#entries.get(key);
    if (!entries) this.#entries.set(key, (entries = new Map<string, { value: unknown }>()));
    entries.set(entry, { value });
  }
}
