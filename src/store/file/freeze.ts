/**
 * @module Freezing what the cache shares. The tree and its top-level objects (`nodes`, `children`...) are
 * updated in place by the store; everything below them (nodes, lists, meta) is frozen, so a reader that
 * mutates a node it was handed fails loudly instead of silently diverging from the file.
 */
import type { ConversationDoc, DocChange } from '../tree/document.js';
import { isPlainObject } from '../../lib/plain-object.js';

/** Deep-freezes a value, dropping `undefined` fields on the way (JSON has none, and the file must match memory). */
export function freezeValue<Value>(value: Value): Value {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (const item of value) freezeValue(item);
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (record[key] === undefined) delete record[key];
      else freezeValue(record[key]);
    }
  }
  return Object.freeze(value);
}

/** Freezes a tree just read: top-level objects stay open (they are updated in place), their contents do not. */
export function freezeTree(doc: ConversationDoc): ConversationDoc {
  const record = doc as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (isPlainObject(value)) for (const entry of Object.keys(value)) freezeValue(value[entry]);
    else freezeValue(value);
  }
  return doc;
}

/** Freezes the values a change set brings in, with the same depth rule. */
export function freezeChanges(changes: readonly DocChange[]): void {
  for (const change of changes) {
    if (change.delete) continue;
    if (change.path.length === 1 && isPlainObject(change.value)) {
      for (const entry of Object.keys(change.value)) freezeValue(change.value[entry]);
    } else {
      freezeValue(change.value);
    }
  }
}
