/**
 * @module Recovery files beside a conversation (`recovered-<id>.json`, the one naming every kept thing shares):
 * what the store writes when an outside write removed nodes it had saved, or when an in-place edit went into a
 * version a save had just moved aside; and reading any of them back (a reply the engine could not save is one
 * too) in the single shape `restore` works from.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CallError } from '../../lib/call-error.js';
import { isPlainObject } from '../../lib/plain-object.js';
import { writeDurably } from '../disk/atomic-write.js';
import type { SandboxedPath } from '../disk/safe-path.js';
import type { ConversationDoc, ConversationNode } from '../tree/document.js';

/** Nodes an outside write removed: the removed nodes with their subtree, as the tree held them before. */
export interface RemovedNodesRecord {
  kind: 'nodes_removed_externally';
  conversation_file: string;
  reason: string;
  detected_at: string;
  /** Every kept node, parents before children. */
  node_ids: string[];
  nodes: Record<string, ConversationNode>;
  /** For each kept node whose parent is not kept with it: its ancestors as they were, nearest first. */
  ancestors: Record<string, string[]>;
  /** The active path before the outside write. */
  active_path: string[];
}

/** An in-place edit written into a version a save had moved aside: what it changed, and the version it wrote. */
export interface AsideEditRecord {
  kind: 'edit_written_aside';
  conversation_file: string;
  reason: string;
  detected_at: string;
  /** Nodes the edit added or changed (restorable), in the edited version's order. */
  node_ids: string[];
  nodes: Record<string, ConversationNode>;
  /** Nodes the edit deleted: listed, never deleted by `restore` (the engine may have saved under them since). */
  deleted_node_ids: string[];
  /** Top-level fields the edit set (other than nodes, children, active_path, updated_at), with the edited values. */
  fields: Record<string, unknown>;
  /** Top-level fields the edit removed. */
  removed_fields: string[];
  /** Places the edit and the engine changed both (the engine's value is what the file has). */
  conflicts: string[];
  /** The edited version whole (a tree), or its text when it does not parse. */
  edited_version: ConversationDoc | string;
}

/** What `restore` reads from any recovery file: the kept nodes and where they hung. */
export interface RecoveryRecord {
  kind: RemovedNodesRecord['kind'] | AsideEditRecord['kind'] | 'reply';
  conversation_file: string;
  node_ids: string[];
  nodes: Record<string, ConversationNode>;
  ancestors: Record<string, string[]>;
  active_path: string[];
  fields: Record<string, unknown>;
  removed_fields: string[];
}

const recoveryName = /^recovered-[A-Za-z0-9_-]+\.json$/;

/** Writes `record` to a new `recovered-<prefix>-<time>-<random>.json` beside the conversation; its root-relative path. */
export async function writeRecoveryRecord(file: SandboxedPath, prefix: string, record: object): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const name = `recovered-${prefix}-${stamp}-${randomBytes(3).toString('hex')}.json`;
  await writeDurably(join(dirname(file.absolute), name), JSON.stringify(record, null, 2) + '\n');
  return `${dirname(file.relative)}/${name}`;
}

/**
 * Reads a recovery file of the conversation `file`: it must be a `recovered-*.json` in the conversation's own
 * folder (BAD_INPUT otherwise), exist (NOT_FOUND) and hold a record of this conversation (INVALID_FILE).
 */
export async function readRecoveryRecord(file: SandboxedPath, recoveryFile: string): Promise<RecoveryRecord> {
  const folder = dirname(file.relative);
  const name = basename(recoveryFile);
  if (recoveryFile !== `${folder}/${name}` || !recoveryName.test(name)) {
    throw new CallError('BAD_INPUT', `recovery_file must be a recovered-*.json file in ${folder}/; got "${recoveryFile}"`, {
      details: { field: 'recovery_file', recovery_file: recoveryFile },
    });
  }
  let text: string;
  try {
    text = await readFile(join(dirname(file.absolute), name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new CallError('NOT_FOUND', `no recovery file ${recoveryFile}`, { details: { recovery_file: recoveryFile } });
  }
  const invalid = (why: string) =>
    new CallError('INVALID_FILE', `recovery file ${recoveryFile} ${why}`, { details: { file: recoveryFile, recovery_file: recoveryFile } });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(value)) throw invalid('is not a JSON object');
  if (value['conversation_file'] !== file.relative) throw invalid(`belongs to ${String(value['conversation_file'])}, not ${file.relative}`);
  const record = value;
  if (record['kind'] === 'nodes_removed_externally' || record['kind'] === 'edit_written_aside') {
    const nodes = record['nodes'];
    const nodeIds = record['node_ids'];
    if (!isPlainObject(nodes) || !Array.isArray(nodeIds) || !nodeIds.every((id) => typeof id === 'string' && isPlainObject(nodes[id]))) {
      throw invalid('has no usable node_ids and nodes');
    }
    return {
      kind: record['kind'],
      conversation_file: file.relative,
      node_ids: nodeIds as string[],
      nodes: nodes as Record<string, ConversationNode>,
      ancestors: isPlainObject(record['ancestors']) ? (record['ancestors'] as Record<string, string[]>) : {},
      active_path: Array.isArray(record['active_path']) ? (record['active_path'] as string[]) : [],
      fields: isPlainObject(record['fields']) ? record['fields'] : {},
      removed_fields: Array.isArray(record['removed_fields']) ? (record['removed_fields'] as string[]) : [],
    };
  }
  // A reply the engine could not save (its parent was gone, the file stayed broken): one node under parent_id.
  const nodeId = record['node_id'];
  const parentId = record['parent_id'];
  if (typeof nodeId !== 'string' || typeof parentId !== 'string' || typeof record['content'] !== 'string') {
    throw invalid('holds neither kept nodes nor a reply');
  }
  const node: ConversationNode = { pid: parentId, role: record['role'] === 'user' ? 'user' : 'assistant', content: record['content'] };
  if (isPlainObject(record['meta'])) node.meta = record['meta'];
  return {
    kind: 'reply',
    conversation_file: file.relative,
    node_ids: [nodeId],
    nodes: { [nodeId]: node },
    ancestors: { [nodeId]: [parentId] },
    active_path: [],
    fields: {},
    removed_fields: [],
  };
}
