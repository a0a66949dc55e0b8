/** @module modules/chat_branches/restore: kept nodes from a recovery file put back into their conversation. */
import { defineStep } from '../../registry/define-step.js';
import { restoreNodes, type RestoreInfo } from '../../store/index.js';
import { conversationFileOf, conversationFileProperties, nodeIdProperty, type ConversationFileInput } from './schemas.js';
import { commitMutation, updatedAt } from './step-support.js';

interface RestoreStepInput extends ConversationFileInput {
  recovery_file: string;
  node_ids?: string[];
}

type RestoreOutput = RestoreInfo & { success: true; file: string; recovery_file: string; message: string; updated_at: string };

export const restoreStep = defineStep<RestoreStepInput, RestoreOutput>({
  path: 'modules/chat_branches/restore',
  summary: 'Put nodes kept in a recovery file back under their parents (or the nearest surviving ancestor), as an ordinary save.',
  description:
    'Works on the recovery files beside a conversation: nodes an outside write removed (watch event nodes_removed_externally), an ' +
    'in-place edit written into a version a save had replaced (edit_written_aside), or a reply the engine could not save. ' +
    "`node_ids` picks some of its nodes (each with the kept nodes under it); without it every node is restored, and an edit's " +
    'top-level fields too. A node whose parent is gone goes under its nearest ancestor still in the tree (as a root when none is), ' +
    'and `restored[].note` says so. Nodes already in the conversation are listed in `already_present` and left alone. The recovery ' +
    'file is kept. Errors: NOT_FOUND for a missing recovery file or a node id it does not hold (nothing is written), BAD_INPUT ' +
    "for a recovery file outside the conversation's folder.",
  input: {
    type: 'object',
    properties: {
      ...conversationFileProperties,
      recovery_file: {
        type: 'string',
        minLength: 1,
        description: "Root-relative recovered-*.json in the conversation's folder, as the watch event or the error event named it.",
      },
      node_ids: { type: 'array', items: nodeIdProperty, minItems: 1, uniqueItems: true, description: 'Only these kept nodes.' },
    },
    required: ['recovery_file'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      file: { type: 'string' },
      recovery_file: { type: 'string' },
      restored: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            node_id: { type: 'string' },
            placed: { enum: ['parent', 'ancestor', 'root', 'replaced'] },
            parent_id: { type: ['string', 'null'] },
            note: { type: 'string' },
          },
          required: ['node_id', 'placed', 'parent_id'],
          additionalProperties: false,
        },
      },
      already_present: { type: 'array', items: { type: 'string' } },
      fields: { type: 'array', items: { type: 'string' } },
      message: { type: 'string', description: 'What was done, in words.' },
      updated_at: { type: 'string' },
    },
    required: ['success', 'file', 'recovery_file', 'restored', 'already_present', 'fields', 'message', 'updated_at'],
    additionalProperties: false,
  },
  async run(input, context) {
    const { store } = context.services;
    const file = await store.resolve(conversationFileOf(input));
    // Read (and checked) before the change: a missing or foreign recovery file writes nothing.
    const record = await store.readRecovery(file, input.recovery_file);
    return commitMutation(
      context,
      file,
      (doc, tree) => restoreNodes(doc, record, input.node_ids, input.recovery_file, tree),
      (doc, info) => ({
        success: true as const,
        file,
        recovery_file: input.recovery_file,
        ...info,
        message: describe(info),
        updated_at: updatedAt(doc),
      }),
    );
  },
});

function describe(info: RestoreInfo): string {
  const parts: string[] = [];
  const moved = info.restored.filter((node) => node.note !== undefined);
  if (info.restored.length > 0)
    parts.push(`restored ${info.restored.length} node(s): ${info.restored.map((node) => node.node_id).join(', ')}`);
  for (const node of moved) parts.push(`${node.node_id}: ${node.note}`);
  if (info.fields.length > 0) parts.push(`restored field(s) ${info.fields.join(', ')}`);
  if (info.already_present.length > 0) parts.push(`already in the conversation, left as they are: ${info.already_present.join(', ')}`);
  return parts.length === 0 ? 'nothing to restore' : parts.join('; ');
}
