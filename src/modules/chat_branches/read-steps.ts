/** @module The read-only steps: messages for a provider, the branch table, the latest message, the whole tree. */
import { defineStep } from '../../registry/define-step.js';
import {
  branchTable,
  latestMessage,
  openaiMessages,
  type ConversationDoc,
  type Latest,
  type Position,
  type ProviderMessage,
} from '../../store/index.js';
import {
  activePathSchema,
  conversationFileOf,
  conversationFileProperties,
  docProperty,
  latestSchema,
  nodeIdProperty,
  reasoningProperty,
  roleProperty,
  type ConversationFileInput,
} from './schemas.js';
import { viewedTree } from './step-support.js';

interface ViewInput extends ConversationFileInput {
  doc?: object;
}

const viewProperties = { ...conversationFileProperties, doc: docProperty } as const;
const viewDescription = 'Give `conversation_file` (a short name or a conversation path) or `doc` (a tree), not both.';

export const openaiMessagesStep = defineStep<
  ViewInput & { node_id?: string },
  { success: true; messages: ProviderMessage[]; path: readonly string[] }
>({
  path: 'modules/chat_branches/openai_messages',
  summary: 'The messages along the active path (or root to node_id), ready for a provider.',
  description: `${viewDescription} Assistant nodes with blank content are left out wherever they are: providers reject empty assistant turns. An assistant node's \`reasoning\` is included; whether it goes on the wire is the provider's policy. \`path\` lists every node walked.`,
  input: {
    type: 'object',
    properties: { ...viewProperties, node_id: { ...nodeIdProperty, description: 'Walk root -> this node instead of the active path.' } },
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      messages: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            role: roleProperty,
            content: { type: 'string' },
            reasoning: reasoningProperty,
            images: {
              type: 'array',
              description: "Image files beside the conversation (relative to its folder), from the node's `attachments`.",
              items: { type: 'object', properties: { file: { type: 'string' }, mime: { type: 'string' } }, required: ['file', 'mime'] },
            },
          },
          required: ['role', 'content'],
          additionalProperties: false,
        },
      },
      path: activePathSchema,
    },
    required: ['success', 'messages', 'path'],
    additionalProperties: false,
  },
  async run(input, context) {
    const { doc, where } = await viewedTree(input, context);
    return { success: true, ...openaiMessages(doc, where, input.node_id) };
  },
});

const positionSchema = {
  type: 'object',
  properties: { depth: { type: 'integer' }, node_id: { type: 'string' }, j: { type: 'integer' }, n: { type: 'integer' } },
  required: ['depth', 'node_id', 'j', 'n'],
  additionalProperties: false,
} as const;

export const branchTableStep = defineStep<ViewInput, { success: true; latest: Latest; levels: Position[] }>({
  path: 'modules/chat_branches/branch_table',
  summary: 'For every depth of the active path: the node and its position j of n among its siblings.',
  description: `${viewDescription} At depth 1, j/n count the roots.`,
  input: { type: 'object', properties: viewProperties, additionalProperties: false },
  output: {
    type: 'object',
    properties: { success: { const: true }, latest: latestSchema, levels: { type: 'array', items: positionSchema } },
    required: ['success', 'latest', 'levels'],
    additionalProperties: false,
  },
  async run(input, context) {
    const { doc } = await viewedTree(input, context);
    return { success: true, ...branchTable(doc) };
  },
});

interface LatestOutput {
  success: true;
  node_id: string;
  role: ProviderMessage['role'];
  content: string;
  depth: number;
}

export const getLatestMessageStep = defineStep<ViewInput, LatestOutput>({
  path: 'modules/chat_branches/get_latest_message',
  summary: 'The last node of the active path: id, role, content and depth.',
  description: `${viewDescription} NOT_FOUND when the conversation has no messages yet.`,
  input: { type: 'object', properties: viewProperties, additionalProperties: false },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      node_id: { type: 'string' },
      role: roleProperty,
      content: { type: 'string' },
      depth: { type: 'integer' },
    },
    required: ['success', 'node_id', 'role', 'content', 'depth'],
    additionalProperties: false,
  },
  async run(input, context) {
    const { doc, where } = await viewedTree(input, context);
    return { success: true, ...latestMessage(doc, where) };
  },
});

export const getStep = defineStep<ConversationFileInput, { success: true; file: string; doc: ConversationDoc }>({
  path: 'modules/chat_branches/get',
  summary: 'The whole conversation tree, as stored (validated).',
  description: "The tree is the store's current copy: read it, do not change it (use the other steps to change a conversation).",
  input: { type: 'object', properties: conversationFileProperties, additionalProperties: false },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      file: { type: 'string', description: 'The canonical root-relative path.' },
      doc: {
        type: 'object',
        properties: { roots: activePathSchema, nodes: { type: 'object' }, active_path: activePathSchema },
        required: ['roots', 'nodes', 'active_path'],
      },
    },
    required: ['success', 'file', 'doc'],
    additionalProperties: false,
  },
  async run(input, context) {
    const file = await context.services.store.resolve(conversationFileOf(input));
    return { success: true, file, doc: await context.services.store.read(file) };
  },
});
