/** @module modules/chat_branches/append_message: a new node under a parent (or a new root). */
import { CallError } from '../../lib/call-error.js';
import { defineStep } from '../../registry/define-step.js';
import {
  appendMessage,
  createNodeId,
  hasNode,
  nodeOf,
  type ConversationStore,
  type NodeMeta,
  type Role,
  type ToolStep,
} from '../../store/index.js';
import {
  activePathSchema,
  docReplySchema,
  conversationFileOf,
  conversationFileProperties,
  type ConversationFileInput,
  latestSchema,
  metaProperty,
  nodeIdProperty,
  nodeSchema,
  reasoningProperty,
  roleProperty,
  toolStepsProperty,
  updatedAtSchema,
} from './schemas.js';
import { commitMutation, docReply, pathReply, updatedAt } from './step-support.js';
import { checkImageRole, imagesProperty, storeImages, type ImageInput, type NodeAttachment } from './image-attachments.js';

/**
 * Stores the images before the node is committed. The parent is checked first, so a call that would fail on a
 * missing parent writes no file; a file left by a commit that still fails is harmless (unreferenced, deduplicated).
 */
async function attachImages(input: AppendStepInput, store: ConversationStore): Promise<NodeAttachment[] | undefined> {
  if (input.images === undefined || input.images.length === 0) return undefined;
  checkImageRole(input.role, input.images);
  const file = conversationFileOf(input);
  const doc = await store.read(file);
  if (input.pid !== null && !hasNode(doc, input.pid)) {
    throw new CallError('NOT_FOUND', `parent node ${input.pid} is not in ${file} (it may have been deleted)`, {
      details: { node_id: input.pid },
    });
  }
  return storeImages(store, file, input.images);
}

interface AppendStepInput extends ConversationFileInput {
  node_id?: string;
  pid: string | null;
  role: Role;
  content: string;
  reasoning?: string;
  tool_steps?: ToolStep[];
  images?: ImageInput[];
  meta?: NodeMeta;
  placeholder: boolean;
  placeholder_id?: string;
  return_mode: 'doc' | 'node' | 'path' | 'none';
}

const idFields = {
  appended_node_id: { type: 'string', description: 'The node this call appended.' },
  placeholder_id: { type: 'string', description: 'The empty assistant child made when `placeholder` was asked for.' },
} as const;

export const appendMessageStep = defineStep<AppendStepInput, Record<string, unknown>>({
  path: 'modules/chat_branches/append_message',
  summary: 'Append a node under a parent; the active path follows when the parent was its last element.',
  description:
    "SmartTavern's rule: the active path moves to the new node only when `pid` is the last element of the stored active_path; " +
    'otherwise the node is a side branch. `pid: null` adds a root. `node_id` is generated when omitted. An empty assistant ' +
    "child (SmartTavern's placeholder) is made only with `placeholder: true`; in the path and none modes `node_id` is then " +
    'the placeholder, as in SmartTavern. Errors: CONFLICT when node_id exists, NOT_FOUND when the parent does not (it may have been deleted).',
  input: {
    type: 'object',
    properties: {
      ...conversationFileProperties,
      node_id: nodeIdProperty,
      pid: { anyOf: [nodeIdProperty, { type: 'null' }], description: 'The parent node; null for a new root.' },
      role: roleProperty,
      content: { type: 'string' },
      reasoning: reasoningProperty,
      tool_steps: toolStepsProperty,
      images: imagesProperty,
      meta: metaProperty,
      placeholder: { type: 'boolean', default: false, description: 'Also add an empty assistant child and make it the leaf.' },
      placeholder_id: { ...nodeIdProperty, description: 'Id for the placeholder (implies placeholder: true).' },
      return_mode: { enum: ['doc', 'node', 'path', 'none'], default: 'doc' },
    },
    required: ['pid', 'role', 'content'],
    additionalProperties: false,
  },
  output: {
    anyOf: [
      docReplySchema({ node_id: { type: 'string' }, ...idFields }),
      {
        type: 'object',
        description: 'return_mode "node"',
        properties: {
          success: { const: true },
          node: nodeSchema,
          active_path: activePathSchema,
          latest: latestSchema,
          updated_at: updatedAtSchema,
          ...idFields,
        },
        required: ['success', 'node', 'active_path', 'latest', 'updated_at'],
        additionalProperties: false,
      },
      {
        type: 'object',
        description: 'return_mode "path" or "none"',
        properties: {
          success: { const: true },
          node_id: { type: 'string', description: 'The placeholder when one was made (SmartTavern), else the appended node.' },
          active_path: activePathSchema,
          latest: latestSchema,
          node_updated_at: updatedAtSchema,
          placeholder_updated_at: updatedAtSchema,
          updated_at: updatedAtSchema,
          ...idFields,
        },
        required: ['success', 'node_id', 'appended_node_id', 'active_path', 'latest', 'node_updated_at', 'updated_at'],
        additionalProperties: false,
      },
    ],
  },
  async run(input, context) {
    const attachments = await attachImages(input, context.services.store);
    const wantsPlaceholder = input.placeholder || input.placeholder_id !== undefined;
    return commitMutation(
      context,
      conversationFileOf(input),
      (doc, tree) => {
        const nodeId = input.node_id ?? createNodeId(input.role, (id) => hasNode(doc, id));
        const placeholderId = wantsPlaceholder
          ? (input.placeholder_id ?? createNodeId('placeholder', (id) => hasNode(doc, id) || id === nodeId))
          : undefined;
        return appendMessage(
          doc,
          {
            nodeId,
            pid: input.pid,
            role: input.role,
            content: input.content,
            fields: {
              ...(input.reasoning === undefined ? {} : { reasoning: input.reasoning }),
              ...(input.tool_steps === undefined ? {} : { tool_steps: input.tool_steps }),
              ...(attachments === undefined ? {} : { attachments }),
            },
            ...(input.meta === undefined ? {} : { meta: input.meta }),
            ...(placeholderId === undefined ? {} : { placeholderId }),
          },
          tree,
        );
      },
      (doc, info) => {
        const ids = { appended_node_id: info.nodeId, ...(info.placeholderId === undefined ? {} : { placeholder_id: info.placeholderId }) };
        if (input.return_mode === 'doc') return docReply(doc, { node_id: info.nodeId, ...ids });
        const node = nodeOf(doc, info.nodeId)!;
        if (input.return_mode === 'node') {
          return { success: true, node: { node_id: info.nodeId, ...node }, ...pathReply(doc), updated_at: updatedAt(doc), ...ids };
        }
        const placeholder = info.placeholderId === undefined ? undefined : nodeOf(doc, info.placeholderId);
        return {
          success: true,
          node_id: info.placeholderId ?? info.nodeId,
          ...ids,
          ...pathReply(doc),
          node_updated_at: node.node_updated_at ?? '',
          ...(placeholder ? { placeholder_updated_at: placeholder.node_updated_at ?? '' } : {}),
          updated_at: updatedAt(doc),
        };
      },
    );
  },
});
