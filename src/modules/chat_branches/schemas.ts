/** @module Schema pieces and types shared by the chat_branches steps (SmartTavern's field names, checked). */
import { CallError } from '../../lib/call-error.js';
import { nodeIdPattern, type Latest } from '../../store/index.js';

export const fileProperty = {
  type: 'string',
  minLength: 1,
  description:
    'Conversation file: a short name (branch_demo) or a root-relative path inside data/conversations/ ' +
    '(data/conversations/branch_demo/conversation.json).',
} as const;

/**
 * Every step names the conversation `conversation_file`, as the workflow steps do. `file` (SmartTavern's name,
 * and these steps' name before) is still accepted as a deprecated alias; giving both with different values is
 * refused. Neither is `required` in the schema: conversationFileOf says which is missing, in one message.
 */
export const conversationFileProperties = {
  conversation_file: fileProperty,
  file: { ...fileProperty, deprecated: true, description: 'Deprecated alias of `conversation_file`.' },
} as const;

export interface ConversationFileInput {
  conversation_file?: string;
  /** Deprecated alias of conversation_file. */
  file?: string;
}

/** The conversation a step works on, whichever of the two names gave it. */
export function conversationFileOf(input: ConversationFileInput): string {
  const { conversation_file: named, file: alias } = input;
  if (named !== undefined && alias !== undefined && named !== alias) {
    throw new CallError('BAD_INPUT', '`file` is a deprecated alias of `conversation_file`: give one of them, not both', {
      details: [{ field: '/file', message: 'duplicates /conversation_file', keyword: 'alias', params: {} }],
    });
  }
  const file = named ?? alias;
  if (file === undefined) {
    throw new CallError('BAD_INPUT', 'input is invalid: /conversation_file is required (a short name such as branch_demo, or a path)', {
      details: [
        { field: '/conversation_file', message: 'is required', keyword: 'required', params: { missingProperty: 'conversation_file' } },
      ],
    });
  }
  return file;
}

export const docProperty = {
  type: 'object',
  description: "A conversation tree given inline instead of `conversation_file` (SmartTavern's `doc`); read only, never written.",
} as const;

export const nodeIdProperty = {
  type: 'string',
  pattern: nodeIdPattern,
  description: 'A node id: letters, digits, "_" and "-".',
} as const;

export const reasoningProperty = {
  type: 'string',
  description: "The model's reasoning for an assistant turn, kept apart from `content` (the answer).",
} as const;

export const toolStepsProperty = {
  type: 'array',
  items: { type: 'object' },
  description:
    "An assistant turn's tool steps: [{content?, reasoning?, tool_calls: [{id, name, arguments, status, result, started_at?, duration_ms?}]}]; checked against the conversation schema.",
} as const;

export const roleProperty = { enum: ['system', 'user', 'assistant'] } as const;

export const metaProperty = {
  type: 'object',
  description: "Engine metadata stored under the node's `meta` key (generation_id, provider, model, usage, finish_reason...).",
} as const;

/** A node as returned by the node return modes: its fields plus `node_id`; fields other tools added are kept. */
export const nodeSchema = {
  type: 'object',
  properties: {
    node_id: { type: 'string' },
    pid: { type: ['string', 'null'] },
    role: roleProperty,
    content: { type: 'string' },
    reasoning: { type: 'string' },
    tool_steps: { type: 'array' },
    node_updated_at: { type: 'string' },
    meta: { type: 'object' },
  },
  required: ['node_id', 'pid', 'role', 'content'],
} as const;

export const activePathSchema = { type: 'array', items: { type: 'string' } } as const;

export const latestSchema = {
  type: 'object',
  description: 'The active leaf: its depth and its position j of n among its siblings (nulls when the conversation is empty).',
  properties: {
    depth: { type: 'integer', minimum: 0 },
    node_id: { type: ['string', 'null'] },
    j: { type: ['integer', 'null'] },
    n: { type: ['integer', 'null'] },
  },
  required: ['depth', 'node_id', 'j', 'n'],
  additionalProperties: false,
} as const;

export const updatedAtSchema = { type: 'string' } as const;

/** SmartTavern's `doc` return mode: the whole tree with `success`, `active_path` and `latest` merged in. */
export function docReplySchema(properties: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'object',
    description: 'return_mode "doc": the whole conversation tree, with success, active_path and latest added.',
    properties: {
      success: { const: true },
      roots: activePathSchema,
      nodes: { type: 'object' },
      active_path: activePathSchema,
      latest: latestSchema,
      ...properties,
    },
    required: ['success', 'roots', 'nodes', 'active_path', 'latest'],
  };
}

export type ReturnMode = 'doc' | 'node' | 'path' | 'none';

/** The doc return mode's shape; `latest` and `active_path` are the normalised view. */
export type DocReply = Record<string, unknown> & { success: true; active_path: readonly string[]; latest: Latest };
