/**
 * @module A copy-on-write draft of a live tree, for `store.update(file, change)`: the change function mutates
 * the draft as if it were its own copy; `finish()` turns what it did into a change set. The live tree is never
 * touched and nothing is copied up front. The tree and its top-level objects (`nodes`, `children`...) are
 * overlays recording sets and deletes; anything deeper (a node) is copied when first read and compared at the end.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ConversationDoc, DocChange, Mutation } from '../tree/document.js';
import { isPlainObject, setOwn } from '../../lib/plain-object.js';

const deleted = Symbol('deleted');
const stateKey = Symbol('draftState');

class Overlay {
  /** Sets and deletes in order; replaying them reproduces key order exactly. */
  readonly log: [string, unknown][] = [];
  readonly current = new Map<string, unknown>();
  /** Private copies (or nested overlays) of base values read through the draft. */
  readonly reads = new Map<string, unknown>();
  readonly proxy: Record<string, unknown>;

  constructor(
    readonly base: Record<string, unknown>,
    readonly topLevel: boolean,
  ) {
    this.proxy = new Proxy({}, handler(this));
  }

  has(key: string): boolean {
    return this.current.has(key) ? this.current.get(key) !== deleted : Object.hasOwn(this.base, key);
  }

  read(key: string): unknown {
    if (this.current.has(key)) {
      const value = this.current.get(key);
      return value === deleted ? undefined : value;
    }
    if (!Object.hasOwn(this.base, key)) return undefined;
    const value = this.base[key];
    if (typeof value !== 'object' || value === null) return value;
    let copy = this.reads.get(key);
    if (copy === undefined) {
      copy = this.topLevel && isPlainObject(value) ? new Overlay(value, false).proxy : structuredClone(value);
      this.reads.set(key, copy);
    }
    return copy;
  }

  write(key: string, value: unknown): void {
    if (this.has(key) && this.read(key) === value) return;
    this.log.push([key, value]);
    this.current.set(key, value);
    this.reads.delete(key);
  }

  remove(key: string): void {
    if (!this.has(key)) return;
    this.log.push([key, deleted]);
    this.current.set(key, deleted);
    this.reads.delete(key);
  }

  keys(): string[] {
    const keys = new Set(Object.keys(this.base));
    for (const [key, value] of this.log) {
      if (value === deleted) keys.delete(key);
      else keys.add(key);
    }
    return [...keys];
  }

  /** Plain-object form, for an overlay that was itself assigned somewhere (`doc.backup = doc.nodes`). */
  materialise(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const key of this.keys()) setOwn(result, key, resolve(this.read(key)));
    return result;
  }

  /** The changes this overlay (and what was read through it) made, as paths under `prefix`. */
  changes(prefix: string[]): DocChange[] {
    const path = (key: string): DocChange['path'] => [...prefix, key] as DocChange['path'];
    const changes: DocChange[] = this.log.map(([key, value]) =>
      value === deleted ? { path: path(key), delete: true } : { path: path(key), value: resolve(value) },
    );
    for (const [key, copy] of this.reads) {
      const overlay = overlayOf(copy);
      if (overlay) changes.push(...overlay.changes([key]));
      else if (!isDeepStrictEqual(resolve(copy), this.base[key])) changes.push({ path: path(key), value: copy });
    }
    return changes;
  }
}

function handler(overlay: Overlay): ProxyHandler<object> {
  return {
    get: (_target, key) => {
      if (key === stateKey) return overlay;
      if (typeof key === 'symbol' || !overlay.has(key)) return (Object.prototype as Record<string | symbol, unknown>)[key];
      return overlay.read(key);
    },
    set: (_target, key, value) => {
      if (typeof key === 'symbol') return false;
      overlay.write(key, value);
      return true;
    },
    deleteProperty: (_target, key) => {
      if (typeof key === 'string') overlay.remove(key);
      return true;
    },
    has: (_target, key) => (typeof key === 'string' && overlay.has(key)) || key in Object.prototype,
    ownKeys: () => overlay.keys(),
    getOwnPropertyDescriptor: (_target, key) =>
      typeof key === 'string' && overlay.has(key)
        ? { value: overlay.read(key), writable: true, enumerable: true, configurable: true }
        : undefined,
    defineProperty: (_target, key, descriptor) => {
      if (typeof key === 'symbol' || !('value' in descriptor)) return false;
      overlay.write(key, descriptor.value);
      return true;
    },
    getPrototypeOf: () => Object.prototype,
  };
}

function overlayOf(value: unknown): Overlay | undefined {
  return typeof value === 'object' && value !== null ? ((value as Record<symbol, unknown>)[stateKey] as Overlay | undefined) : undefined;
}

/** Replaces overlays found inside a value (a draft object assigned into new data) by plain copies. */
function resolve(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const overlay = overlayOf(value);
  if (overlay) return overlay.materialise();
  if (Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) value[index] = resolve(value[index]);
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const resolved = resolve(record[key]);
      if (resolved !== record[key]) setOwn(record, key, resolved);
    }
  }
  return value;
}

export interface Draft {
  doc: ConversationDoc;
  finish(): DocChange[];
}

export function createDraft(base: ConversationDoc): Draft {
  const overlay = new Overlay(base, true);
  return { doc: overlay.proxy as ConversationDoc, finish: () => overlay.changes([]) };
}

/**
 * `store.update(file, change)` as a `commit` plan, the same for every store: the change runs on a copy-on-write draft
 * of the tree, and what it did to the draft is the change set.
 */
export function draftPlan<Result>(
  change: (doc: ConversationDoc) => Result | Promise<Result>,
): (doc: ConversationDoc) => Promise<Mutation<Result>> {
  return async (doc) => {
    const draft = createDraft(doc);
    const result = await change(draft.doc);
    return { changes: draft.finish(), result: () => result };
  };
}
