/** @module modules/chat_branches/retry_branch: a new sibling of a node (a regeneration), last in its family. */
import { defineStep } from '../../registry/define-step.js';
import { createNodeId, hasNode, nodeOf, retryBranch, type NodeMeta, type Role } from '../../store/index.js';
import {
  activePathSchema,
  docReplySchema,
  conversationFileOf,
  conversationFileProperties,
  type ConversationFileInput,
  latestSchema,
  metaProperty,
  nodeIdProperty,
  roleProperty,
  updatedAtSchema,
} from './schemas.js';
import { commitMutation, docReply, pathReply, updatedAt } from './step-support.js';

interface RetryStepInput extends ConversationFileInput {
  retry_node_id: string;
  new_node_id?: string;
  role?: Role;
  content: string;
  meta?: NodeMeta;
  return_mode: 'doc' | 'path' | 'none';
}

export const retryBranchStep = defineStep<RetryStepInput, Record<string, unknown>>({
  path: 'modules/chat_branches/retry_branch',
  summary: 'Add a sibling of retry_node_id (a regeneration); on the active path it replaces the retried node.',
  description:
    'The new node goes last among the siblings. If the retried node is on the active path, the path becomes the path up to it ' +
    "plus the new node; if the path ends at the parent, the new node is appended. `role` defaults to the retried node's, " +
    '`content` to "" (an empty node to complete into), `new_node_id` is generated when omitted. Retrying a root adds a root.',
  input: {
    type: 'object',
    properties: {
      ...conversationFileProperties,
      retry_node_id: nodeIdProperty,
      new_node_id: nodeIdProperty,
      role: roleProperty,
      content: { type: 'string', default: '' },
      meta: metaProperty,
      return_mode: { enum: ['doc', 'path', 'none'], default: 'doc' },
    },
    required: ['retry_node_id'],
    additionalProperties: false,
  },
  output: {
    anyOf: [
      docReplySchema({ new_node_id: { type: 'string' } }),
      {
        type: 'object',
        description: 'return_mode "path" or "none"',
        properties: {
          success: { const: true },
          node_id: { type: 'string' },
          new_node_id: { type: 'string' },
          active_path: activePathSchema,
          latest: latestSchema,
          node_updated_at: updatedAtSchema,
          updated_at: updatedAtSchema,
        },
        required: ['success', 'new_node_id', 'active_path', 'latest', 'updated_at'],
        additionalProperties: false,
      },
    ],
  },
  async run(input, context) {
    return commitMutation(
      context,
      conversationFileOf(input),
      (doc, tree) => {
        const role = input.role ?? nodeOf(doc, input.retry_node_id)?.role ?? 'assistant';
        const newNodeId = input.new_node_id ?? createNodeId(role, (id) => hasNode(doc, id));
        return retryBranch(
          doc,
          {
            retryNodeId: input.retry_node_id,
            newNodeId,
            ...(input.role === undefined ? {} : { role: input.role }),
            content: input.content,
            ...(input.meta === undefined ? {} : { meta: input.meta }),
          },
          tree,
        );
      },
      (doc, info) => {
        if (input.return_mode === 'doc') return docReply(doc, { new_node_id: info.newNodeId });
        const common = { success: true, ...pathReply(doc), new_node_id: info.newNodeId, updated_at: updatedAt(doc) };
        if (input.return_mode === 'none') return { ...common, node_id: info.newNodeId };
        return { ...common, node_updated_at: nodeOf(doc, info.newNodeId)!.node_updated_at ?? '' };
      },
    );
  },
});
