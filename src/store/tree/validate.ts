/**
 * @module Validation of a conversation tree: the whole tree (a file just read) or only what a change set
 * touches (a write), each returning the JSON pointer of the first problem. The shape comes from the
 * conversation schema (conversation-schema.ts); here are the checks a schema cannot state: each pid names a
 * node, no parent loops, and values handed over in-process are JSON. Dangling ids in `roots`, `children` and
 * `active_path` are tolerated (the siblings rule and normalisation skip them); broken nodes, missing parents
 * and cycles are not.
 */
import type { ConversationDoc, DocChange } from './document.js';
import { jsonPointer } from './json-pointer.js';
import { isPlainObject } from '../../lib/plain-object.js';
import { withChanges } from './changes.js';
import { childrenInNodesOrder, nodeOf } from './children-index.js';
import { fieldShapeProblem, nodeShapeProblem, treeShapeProblem, type Problem } from './conversation-schema.js';

export type { Problem } from './conversation-schema.js';

/**
 * The whole tree. `fromJson`: the value is what JSON.parse returned (a file just read), so every value in it
 * is JSON already and the walk that checks it is skipped (a tenth of the time on a big tree).
 */
export function validateDoc(doc: unknown, options: { fromJson?: boolean } = {}): Problem | undefined {
  const shape = treeShapeProblem(doc);
  if (shape) return shape;
  const tree = doc as Record<string, unknown>;
  const checkJson = options.fromJson !== true;
  for (const key of checkJson ? Object.keys(tree) : []) {
    if (key === 'nodes') continue;
    const problem = jsonProblem(tree[key], jsonPointer(key));
    if (problem) return problem;
  }
  const nodes = tree['nodes'] as Record<string, unknown>;
  for (const id of Object.keys(nodes)) {
    const problem = parentProblem(id, nodes[id] as { pid: string | null }, (parentId) => Object.hasOwn(nodes, parentId), checkJson);
    if (problem) return problem;
  }
  return cycleProblem(nodes);
}

/** A top-level field set by a change: its shape if the schema names it; any other field need only be JSON. */
function fieldProblem(key: string, value: unknown): Problem | undefined {
  return fieldShapeProblem(key, value) ?? jsonProblem(value, jsonPointer(key));
}

/** A node whose shape is valid: its parent must exist and not be itself; its fields must be JSON. */
function parentProblem(id: string, node: { pid: string | null }, exists: (id: string) => boolean, checkJson: boolean): Problem | undefined {
  const { pid } = node;
  const at = (...rest: string[]): string => jsonPointer('nodes', id, ...rest);
  if (pid === id) return { pointer: at('pid'), message: 'a node cannot be its own parent' };
  if (pid !== null && !exists(pid)) return { pointer: at('pid'), message: `names node ${pid}, which is not in /nodes` };
  return checkJson && nonJsonTrail(node) ? jsonProblem(node, at()) : undefined;
}

function nodeProblem(id: string, node: unknown, exists: (id: string) => boolean): Problem | undefined {
  return nodeShapeProblem(id, node) ?? parentProblem(id, node as { pid: string | null }, exists, true);
}

/** Every node must reach a root by following `pid`; finds the first one caught in a loop. One pass, one map. */
function cycleProblem(nodes: Record<string, unknown>): Problem | undefined {
  const onTrail = 1;
  const rooted = 2;
  const state = new Map<string, number>();
  const trail: string[] = [];
  for (const start of Object.keys(nodes)) {
    trail.length = 0;
    let current: string | null = start;
    while (current !== null && state.get(current) !== rooted) {
      if (state.get(current) === onTrail)
        return { pointer: jsonPointer('nodes', current, 'pid'), message: 'is part of a parent loop that never reaches a root' };
      state.set(current, onTrail);
      trail.push(current);
      current = (nodes[current] as { pid: string | null }).pid;
    }
    for (const id of trail) state.set(id, rooted);
  }
  return undefined;
}

/** Only what JSON can hold round-trips the same through the writer thread and the file. */
function jsonProblem(value: unknown, at: string): Problem | undefined {
  const trail = nonJsonTrail(value);
  if (!trail) return undefined;
  const found = trail.value;
  return {
    pointer: at + jsonPointer(...trail.segments),
    message: typeof found === 'number' ? 'must be a finite number' : `must be JSON (got ${typeof found})`,
  };
}

/** Where the first non-JSON value is, as path segments; the pointer is only built for an actual problem. */
function nonJsonTrail(value: unknown): { segments: (string | number)[]; value: unknown } | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { segments: [], value };
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const inner = nonJsonTrail(value[index]);
      if (inner) return { segments: [index, ...inner.segments], value: inner.value };
    }
    return undefined;
  }
  if (isPlainObject(value) && Object.getPrototypeOf(value) === Object.prototype) {
    for (const key of Object.keys(value)) {
      const item = value[key];
      // An undefined field is how JavaScript spells "absent"; JSON drops it, and so does the store when freezing.
      if (item === undefined || item === null || typeof item === 'string' || typeof item === 'boolean') continue;
      const inner = nonJsonTrail(item);
      if (inner) return { segments: [key, ...inner.segments], value: inner.value };
    }
    return undefined;
  }
  return { segments: [], value };
}

const deleted = Symbol('deleted');

/**
 * Validates the tree as it would be after `changes`, looking only at what they touch: the cost of a write is
 * the size of its change, not of the tree. Replacing `nodes` wholesale falls back to a full validation.
 */
export function validateChanges(doc: ConversationDoc, changes: readonly DocChange[]): Problem | undefined {
  const touched = new Map<string, unknown>();
  const topLevel = new Map<string, unknown>();
  const topLevelAfter = (key: string): unknown => (topLevel.has(key) ? topLevel.get(key) : (doc as Record<string, unknown>)[key]);
  for (const change of changes) {
    const [key, entry] = change.path;
    if (entry === undefined) {
      if (key === 'nodes') return validateDoc(withChanges(doc, changes));
      topLevel.set(key, change.delete ? undefined : change.value);
      if (change.delete) {
        if (key === 'roots' || key === 'active_path') return { pointer: jsonPointer(key), message: 'is required' };
        continue;
      }
      const problem = fieldProblem(key, change.value);
      if (problem) return problem;
      continue;
    }
    if (!isPlainObject(topLevelAfter(key))) return { pointer: jsonPointer(key), message: `must be an object to hold "${entry}"` };
    if (key === 'nodes') touched.set(entry, change.delete ? deleted : change.value);
    else if (!change.delete) {
      const problem = fieldProblem(key, { [entry]: change.value });
      if (problem) return problem;
    }
  }
  const nodeAfter = (id: string): { pid: string | null } | undefined => {
    if (touched.has(id)) {
      const value = touched.get(id);
      return value === deleted ? undefined : (value as { pid: string | null });
    }
    return nodeOf(doc, id);
  };
  for (const [id, value] of touched) {
    if (value === deleted) {
      const orphan = [...childrenInNodesOrder(doc, id), ...touched.keys()].find((childId) => nodeAfter(childId)?.pid === id);
      if (orphan !== undefined)
        return { pointer: jsonPointer('nodes', orphan, 'pid'), message: `names node ${id}, which is being deleted` };
      continue;
    }
    const problem = nodeProblem(id, value, (parentId) => nodeAfter(parentId) !== undefined);
    if (problem) return problem;
    const before = nodeOf(doc, id);
    if (before && before.pid === (value as { pid: string | null }).pid) continue;
    // The tree was loop-free. A loop through a moved node is found by walking up from it; a loop through a new
    // node can only close through other new nodes (an existing node keeps an existing parent unless moved), so
    // that walk stops at the first existing node, and an append costs a step or two, not the tree's depth.
    const seen = new Set<string>();
    for (let current: string | null = id; current !== null; current = nodeAfter(current)?.pid ?? null) {
      if (seen.has(current))
        return { pointer: jsonPointer('nodes', id, 'pid'), message: 'would make a parent loop that never reaches a root' };
      seen.add(current);
      if (!before && current !== id && nodeOf(doc, current)) break;
    }
  }
  return undefined;
}
