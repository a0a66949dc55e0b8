/** @module modules/chat_branches/delete_branch and truncate_after: removing a subtree, with or without its top node. */
import { defineStep } from '../../registry/define-step.js';
import { deleteBranch, truncateAfter, type DeleteInfo } from '../../store/index.js';
import {
  activePathSchema,
  docReplySchema,
  conversationFileOf,
  conversationFileProperties,
  type ConversationFileInput,
  latestSchema,
  nodeIdProperty,
  updatedAtSchema,
} from './schemas.js';
import { commitMutation, docReply, pathReply, updatedAt } from './step-support.js';

interface DeleteStepInput extends ConversationFileInput {
  node_id: string;
  return_mode: 'doc' | 'path' | 'none';
}

const input = {
  type: 'object',
  properties: { ...conversationFileProperties, node_id: nodeIdProperty, return_mode: { enum: ['doc', 'path', 'none'], default: 'doc' } },
  required: ['node_id'],
  additionalProperties: false,
} as const;

const deletedSchema = { type: 'array', items: { type: 'string' }, description: 'Every node removed.' } as const;

function output(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    anyOf: [
      docReplySchema({ deleted: deletedSchema, ...extra }),
      {
        type: 'object',
        description: 'return_mode "path" or "none"',
        properties: {
          success: { const: true },
          node_id: { type: 'string' },
          active_path: activePathSchema,
          latest: latestSchema,
          deleted: deletedSchema,
          updated_at: updatedAtSchema,
          ...extra,
        },
        required: ['success', 'active_path', 'latest', 'deleted', 'updated_at'],
        additionalProperties: false,
      },
    ],
  };
}

const switchedTo = { switched_to: { type: ['string', 'null'], description: "The new active leaf (SmartTavern's meaning)." } } as const;

export const deleteBranchStep = defineStep<DeleteStepInput, Record<string, unknown>>({
  path: 'modules/chat_branches/delete_branch',
  summary: 'Delete a node and everything under it; an active branch hands the path to its neighbour.',
  description:
    'When the deleted node was on the active path, the path moves to the sibling that takes its place (else the one before) and ' +
    'continues down the branch last active under it. A deleted root also leaves `roots`.',
  input,
  output: output(switchedTo),
  async run(input, context) {
    return commitMutation(
      context,
      conversationFileOf(input),
      (doc, tree) => deleteBranch(doc, input.node_id, tree),
      (doc, info) => reply(doc, info, input, { switched_to: info.activePath[info.activePath.length - 1] ?? null }),
    );
  },
});

export const truncateAfterStep = defineStep<DeleteStepInput, Record<string, unknown>>({
  path: 'modules/chat_branches/truncate_after',
  summary: 'Delete everything under a node; the node itself stays (and becomes the leaf if it was on the active path).',
  input,
  output: output({}),
  async run(input, context) {
    return commitMutation(
      context,
      conversationFileOf(input),
      (doc, tree) => truncateAfter(doc, input.node_id, tree),
      (doc, info) => reply(doc, info, input, {}),
    );
  },
});

function reply(
  doc: Parameters<typeof docReply>[0],
  info: DeleteInfo,
  input: DeleteStepInput,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  if (input.return_mode === 'doc') return docReply(doc, { deleted: info.deleted, ...extra });
  return {
    success: true,
    ...(input.return_mode === 'none' ? { node_id: input.node_id } : {}),
    ...pathReply(doc),
    deleted: info.deleted,
    ...extra,
    updated_at: updatedAt(doc),
  };
}
