/** @module modules/chat_branches/update_message: new content and/or meta for a node, optionally compare-and-set. */
import { CallError } from '../../lib/call-error.js';
import { defineStep } from '../../registry/define-step.js';
import { nodeOf, updateMessage, type NodeMeta, type ToolStep } from '../../store/index.js';
import {
  docReplySchema,
  conversationFileOf,
  conversationFileProperties,
  type ConversationFileInput,
  metaProperty,
  nodeIdProperty,
  nodeSchema,
  reasoningProperty,
  toolStepsProperty,
  updatedAtSchema,
} from './schemas.js';
import { commitMutation, docReply, updatedAt } from './step-support.js';

interface UpdateStepInput extends ConversationFileInput {
  node_id: string;
  content?: string;
  reasoning?: string | null;
  tool_steps?: ToolStep[] | null;
  meta?: NodeMeta | null;
  expected_content?: string;
  return_mode: 'doc' | 'node' | 'none';
}

export const updateMessageStep = defineStep<UpdateStepInput, Record<string, unknown>>({
  path: 'modules/chat_branches/update_message',
  summary: "Replace a node's content and/or its meta; stamps node_updated_at and updated_at.",
  description:
    "Give `content`, `reasoning`, `tool_steps`, `meta` or several. `reasoning` and `tool_steps` replace the node's (null removes them); `meta` replaces the node's meta (null removes it). With `expected_content` the update " +
    'happens only if the node still holds exactly that text (e.g. "" to fill an empty node), else CONFLICT and nothing is written.',
  input: {
    type: 'object',
    properties: {
      ...conversationFileProperties,
      node_id: nodeIdProperty,
      content: { type: 'string' },
      reasoning: { anyOf: [reasoningProperty, { type: 'null' }] },
      tool_steps: { anyOf: [toolStepsProperty, { type: 'null' }] },
      meta: { anyOf: [metaProperty, { type: 'null' }] },
      expected_content: { type: 'string', description: 'Compare-and-set: the content the node must have now.' },
      return_mode: { enum: ['doc', 'node', 'none'], default: 'doc' },
    },
    required: ['node_id'],
    additionalProperties: false,
  },
  output: {
    anyOf: [
      docReplySchema(),
      {
        type: 'object',
        description: 'return_mode "node"',
        properties: { success: { const: true }, node: nodeSchema, updated_at: updatedAtSchema },
        required: ['success', 'node', 'updated_at'],
        additionalProperties: false,
      },
      {
        type: 'object',
        description: 'return_mode "none"',
        properties: {
          success: { const: true },
          node_id: { type: 'string' },
          node_updated_at: updatedAtSchema,
          updated_at: updatedAtSchema,
        },
        required: ['success', 'node_id', 'node_updated_at', 'updated_at'],
        additionalProperties: false,
      },
    ],
  },
  async run(input, context) {
    if (input.content === undefined && input.meta === undefined && input.reasoning === undefined && input.tool_steps === undefined) {
      throw new CallError(
        'BAD_INPUT',
        `update_message of node ${input.node_id} needs \`content\`, \`reasoning\`, \`tool_steps\` or \`meta\``,
      );
    }
    const fields = {
      ...(input.reasoning === undefined ? {} : { reasoning: input.reasoning }),
      ...(input.tool_steps === undefined ? {} : { tool_steps: input.tool_steps }),
    };
    return commitMutation(
      context,
      conversationFileOf(input),
      (doc, tree) =>
        updateMessage(
          doc,
          {
            nodeId: input.node_id,
            ...(input.content === undefined ? {} : { content: input.content }),
            ...(Object.keys(fields).length === 0 ? {} : { fields }),
            ...(input.meta === undefined ? {} : { meta: input.meta }),
            ...(input.expected_content === undefined ? {} : { expectedContent: input.expected_content }),
          },
          tree,
        ),
      (doc, info) => {
        if (input.return_mode === 'doc') return docReply(doc);
        const node = nodeOf(doc, info.nodeId)!;
        if (input.return_mode === 'node') return { success: true, node: { ...node, node_id: info.nodeId }, updated_at: updatedAt(doc) };
        return { success: true, node_id: info.nodeId, node_updated_at: node.node_updated_at ?? '', updated_at: updatedAt(doc) };
      },
    );
  },
});
