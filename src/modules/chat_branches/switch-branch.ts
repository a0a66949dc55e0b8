/** @module modules/chat_branches/switch_branch: pick sibling j of any node and continue down its last active branch. */
import { CallError } from '../../lib/call-error.js';
import { defineStep } from '../../registry/define-step.js';
import { switchBranch } from '../../store/index.js';
import {
  activePathSchema,
  docProperty,
  conversationFileOf,
  conversationFileProperties,
  type ConversationFileInput,
  latestSchema,
  nodeIdProperty,
  updatedAtSchema,
} from './schemas.js';
import { commitMutation, pathReply, snapshot, updatedAt } from './step-support.js';

interface SwitchStepInput extends ConversationFileInput {
  target_j: number;
  node_id?: string;
  depth?: number;
  return_mode: 'doc' | 'node' | 'path' | 'none';
}

const pickedSchema = {
  type: 'object',
  properties: { node_id: { type: 'string' }, j: { type: 'integer' }, n: { type: 'integer' } },
  required: ['node_id', 'j', 'n'],
  additionalProperties: false,
} as const;

export const switchBranchStep = defineStep<SwitchStepInput, Record<string, unknown>>({
  path: 'modules/chat_branches/switch_branch',
  summary: 'Switch to sibling target_j of a node (by default the active leaf) and continue down the branch last active there.',
  description:
    'Name the node by `node_id` (any node) or by `depth` on the active path; by default the leaf, as in SmartTavern. The new ' +
    'active path runs root -> parent -> sibling j -> the child last active under each node below, to a leaf. A switch that ' +
    'changes nothing writes nothing.',
  input: {
    type: 'object',
    properties: {
      ...conversationFileProperties,
      target_j: { type: 'integer', minimum: 1 },
      node_id: nodeIdProperty,
      depth: { type: 'integer', minimum: 1, description: 'The node at this depth of the active path (1 = its root).' },
      return_mode: { enum: ['doc', 'node', 'path', 'none'], default: 'doc' },
    },
    required: ['target_j'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      doc: docProperty,
      node: pickedSchema,
      node_id: { type: 'string' },
      active_path: activePathSchema,
      latest: latestSchema,
      updated_at: updatedAtSchema,
    },
    required: ['success', 'active_path', 'latest'],
    additionalProperties: false,
  },
  async run(input, context) {
    if (input.node_id !== undefined && input.depth !== undefined) throw new CallError('BAD_INPUT', 'give `node_id` or `depth`, not both');
    return commitMutation(
      context,
      conversationFileOf(input),
      (doc, tree) =>
        switchBranch(
          doc,
          {
            targetJ: input.target_j,
            ...(input.node_id === undefined ? {} : { nodeId: input.node_id }),
            ...(input.depth === undefined ? {} : { depth: input.depth }),
          },
          tree,
        ),
      (doc, info) => {
        const node = { node_id: info.nodeId, j: info.j, n: info.n };
        // SmartTavern nests the tree under `doc` in this step's doc mode (unlike the other steps).
        if (input.return_mode === 'doc') return { doc: snapshot(doc), node, ...pathReply(doc), success: true };
        if (input.return_mode === 'node') return { success: true, node, ...pathReply(doc), updated_at: updatedAt(doc) };
        return { success: true, ...pathReply(doc), node_id: info.nodeId, updated_at: updatedAt(doc) };
      },
    );
  },
});
