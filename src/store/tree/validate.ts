/**
 * @module Validation of a conversation tree: the whole tree (a file just read) or only what a change set
 * touches (a write), each returning the JSON pointer of the first problem. Dangling ids in `roots`,
 * `children` and `active_path` are tolerated (the siblings rule and normalisation skip them); broken nodes,
 * missing parents and cycles are not.
 */
import type { ConversationDoc, DocChange } from './document.js';
import { jsonPointer } from './json-pointer.js';
import { isNodeId } from './node-id.js';
import { isPlainObject } from '../../lib/plain-object.js';
import { withChanges } from './changes.js';
import { childrenInNodesOrder, nodeOf } from './children-index.js';

export interface Problem {
  pointer: string;
  message: string;
}

const roles = new Set(['system', 'user', 'assistant']);
const stringFields = ['name', 'description', 'updated_at'];

export function validateDoc(doc: unknown): Problem | undefined {
  if (!isPlainObject(doc)) return { pointer: '', message: 'must be a JSON object with roots, nodes and active_path' };
  for (const key of ['roots', 'nodes', 'active_path']) {
    if (!Object.hasOwn(doc, key)) return { pointer: '', message: `must have "${key}"` };
  }
  for (const key of Object.keys(doc)) {
    const problem = fieldProblem(key, doc[key]);
    if (problem) return problem;
  }
  const nodes = doc['nodes'] as Record<string, unknown>;
  for (const id of Object.keys(nodes)) {
    const problem = nodeProblem(id, nodes[id], (parentId) => Object.hasOwn(nodes, parentId));
    if (problem) return problem;
  }
  return cycleProblem(nodes);
}

/** A top-level field's own shape; unknown fields only need to be JSON. */
function fieldProblem(key: string, value: unknown): Problem | undefined {
  const at = jsonPointer(key);
  if (key === 'nodes') return isPlainObject(value) ? undefined : { pointer: at, message: 'must be an object of nodes by id' };
  if (key === 'roots' || key === 'active_path') return stringArrayProblem(value, at);
  if (key === 'children') {
    if (!isPlainObject(value)) return { pointer: at, message: 'must be an object of child id lists by parent id' };
    for (const parentId of Object.keys(value)) {
      const problem = stringArrayProblem(value[parentId], jsonPointer(key, parentId));
      if (problem) return problem;
    }
    return undefined;
  }
  if (key === 'last_active_child') {
    if (!isPlainObject(value)) return { pointer: at, message: 'must be an object of child ids by parent id' };
    for (const parentId of Object.keys(value)) {
      if (typeof value[parentId] !== 'string') return { pointer: jsonPointer(key, parentId), message: 'must be a node id' };
    }
    return undefined;
  }
  if (stringFields.includes(key) && typeof value !== 'string') return { pointer: at, message: 'must be a string' };
  return jsonProblem(value, at);
}

function stringArrayProblem(value: unknown, at: string): Problem | undefined {
  if (!Array.isArray(value)) return { pointer: at, message: 'must be an array of node ids' };
  const index = value.findIndex((item) => typeof item !== 'string');
  return index === -1 ? undefined : { pointer: `${at}/${index}`, message: 'must be a node id (a string)' };
}

function nodeProblem(id: string, node: unknown, exists: (id: string) => boolean): Problem | undefined {
  const at = (...rest: string[]): string => jsonPointer('nodes', id, ...rest);
  if (!isNodeId(id)) return { pointer: at(), message: 'node ids may hold only letters, digits, "_" and "-" (1 to 128)' };
  if (!isPlainObject(node)) return { pointer: at(), message: 'must be an object with pid, role and content' };
  const { pid, role, content } = node;
  if (pid !== null && typeof pid !== 'string') return { pointer: at('pid'), message: 'must be a parent node id or null' };
  if (pid === id) return { pointer: at('pid'), message: 'a node cannot be its own parent' };
  if (typeof pid === 'string' && !exists(pid)) return { pointer: at('pid'), message: `names node ${pid}, which is not in /nodes` };
  if (typeof role !== 'string' || !roles.has(role)) return { pointer: at('role'), message: 'must be "system", "user" or "assistant"' };
  if (typeof content !== 'string') return { pointer: at('content'), message: 'must be a string' };
  if (node['node_updated_at'] !== undefined && typeof node['node_updated_at'] !== 'string') {
    return { pointer: at('node_updated_at'), message: 'must be a string' };
  }
  if (node['meta'] !== undefined && !isPlainObject(node['meta'])) return { pointer: at('meta'), message: 'must be an object' };
  const trail = nonJsonTrail(node);
  return trail ? jsonProblem(node, at()) : undefined;
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
