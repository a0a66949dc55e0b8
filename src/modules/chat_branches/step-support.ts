/** @module What the chat_branches steps share: reading a tree from `file` or `doc`, and committing a tree mutation. */
import { CallError } from '../../lib/call-error.js';
import type { StepContext } from '../../registry/define-step.js';
import {
  latestOf,
  normaliseActivePath,
  timestamp,
  validateDoc,
  type ConversationDoc,
  type TreeContext,
  type TreeMutation,
} from '../../store/index.js';
import { copyObject, isPlainObject, setOwn } from '../../lib/plain-object.js';
import { conversationFileOf, type ConversationFileInput, type DocReply } from './schemas.js';

/** The tree of a view step: the file (through the store), or the inline `doc`, validated like a file would be. */
export async function viewedTree(
  input: ConversationFileInput & { doc?: object },
  context: StepContext,
): Promise<{ doc: ConversationDoc; where: string }> {
  const named = input.conversation_file !== undefined || input.file !== undefined;
  if (named && input.doc !== undefined) throw new CallError('BAD_INPUT', 'give either `conversation_file` or `doc`, not both');
  if (named) {
    const file = await context.services.store.resolve(conversationFileOf(input));
    return { doc: await context.services.store.read(file), where: file };
  }
  if (input.doc === undefined) {
    throw new CallError('BAD_INPUT', 'give `conversation_file` (a short name or a conversation path) or `doc` (a conversation tree)');
  }
  const problem = validateDoc(input.doc);
  if (problem) {
    throw new CallError('BAD_INPUT', `doc is invalid at ${problem.pointer || '/'}: ${problem.message}`, {
      details: { pointer: problem.pointer },
    });
  }
  return { doc: input.doc as ConversationDoc, where: 'the given doc' };
}

/**
 * Runs a tree mutation on a file through the store (locked, fresh, validated, atomic). `reply` builds the
 * step's output from the tree exactly as this change left it.
 */
export async function commitMutation<Info, Output>(
  context: StepContext,
  file: string,
  mutate: (doc: ConversationDoc, tree: TreeContext) => TreeMutation<Info>,
  reply: (doc: ConversationDoc, info: Info) => Output,
): Promise<Output> {
  const { store } = context.services;
  const where = await store.resolve(file);
  const { result } = await store.commit(where, (doc) => {
    const mutation = mutate(doc, { now: timestamp(), where });
    return { changes: mutation.changes, result: (after: ConversationDoc) => reply(after, mutation.info) };
  });
  return result;
}

/**
 * The doc return mode. Top-level objects are copied: the store keeps its tree current in place, and this reply
 * must show the tree as the change left it, not as later changes leave it.
 */
export function docReply(doc: ConversationDoc, extra: Record<string, unknown> = {}): DocReply {
  const path = normaliseActivePath(doc);
  return Object.assign(snapshot(doc), { success: true as const, active_path: path, latest: latestOf(doc, path) }, extra);
}

/** A copy of the tree's top level and its top-level objects; nodes themselves are frozen and shared. */
export function snapshot(doc: ConversationDoc): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) setOwn(copy, key, isPlainObject(value) ? copyObject(value) : value);
  return copy;
}

/** `active_path` and `latest` for the smaller return modes. */
export function pathReply(doc: ConversationDoc): { active_path: readonly string[]; latest: ReturnType<typeof latestOf> } {
  const path = normaliseActivePath(doc);
  return { active_path: path, latest: latestOf(doc, path) };
}

export function updatedAt(doc: ConversationDoc): string {
  return typeof doc.updated_at === 'string' ? doc.updated_at : '';
}
