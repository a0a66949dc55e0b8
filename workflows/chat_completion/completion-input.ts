/** @module The input shared by `complete` and `complete_stream`, its schema, and the node-id pattern. */
import type { ToolChoice } from '../../src/llm/provider.js';

export interface CompletionInput {
  conversation_file: string;
  llm_config_file?: string | null;
  parent_node_id?: string;
  target_node_id?: string;
  include_doc: boolean;
  on_disconnect: 'continue' | 'abort';
  request_id?: string;
  tools?: string[];
  tool_choice?: ToolChoice;
  max_steps?: number;
}

/** The tool choices a request may make (docs/tools.md): its own list, the choice, the step limit. */
function toolInputProperties() {
  return {
    tools: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: "Tools for this request (within settings.json's or the config's list when one is set); [] offers none",
    },
    tool_choice: {
      anyOf: [
        { enum: ['auto', 'none', 'required'] },
        { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false },
      ],
      description: 'auto, none, required, or {"name": "<tool>"}; for the first model call only',
    },
    max_steps: { type: 'integer', minimum: 1, maximum: 64, description: 'Model calls at most in this reply (default 8)' },
  } as const;
}

const nodeId = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } as const;

export const completionInputProperties = {
  conversation_file: {
    type: 'string',
    minLength: 1,
    description: 'Root-relative path, e.g. data/conversations/branch_demo/conversation.json',
  },
  llm_config_file: {
    type: ['string', 'null'],
    description: "A config under data/llm_configs/; default: settings.json's llm_config beside the conversation",
  },
  parent_node_id: { ...nodeId, description: 'Reply under this node; default: the active leaf' },
  target_node_id: { ...nodeId, description: 'Fill this empty assistant node; an empty assistant active leaf is filled by default' },
  include_doc: { type: 'boolean', default: true, description: 'Return the whole conversation after saving' },
  on_disconnect: {
    enum: ['continue', 'abort'],
    default: 'continue',
    description: 'When the client goes away: keep generating and save (default), or stop and save the partial',
  },
  request_id: {
    type: 'string',
    pattern: '^[A-Za-z0-9_.:-]{1,128}$',
    description: 'Makes a start idempotent: a retry with the same id attaches to the running generation',
  },
  ...toolInputProperties(),
} as const;

/** The resume point of a reconnecting EventSource; the HTTP layer fills it from the Last-Event-ID header. */
export const lastEventIdProperty = {
  type: 'string',
  description: 'Resume after this event (`<generation_id>:<seq>`); sent by EventSource as the Last-Event-ID header',
} as const;

export const completionInputSchema = {
  type: 'object',
  properties: completionInputProperties,
  required: ['conversation_file'],
  additionalProperties: false,
} as const;

/** The inputs `send` and `regenerate` share: where, which config, and how a reconnect or a disconnect is handled. */
export const followUpInputProperties = {
  conversation_file: completionInputProperties.conversation_file,
  llm_config_file: completionInputProperties.llm_config_file,
  include_doc: { ...completionInputProperties.include_doc, default: false },
  on_disconnect: completionInputProperties.on_disconnect,
  last_event_id: lastEventIdProperty,
  tools: completionInputProperties.tools,
  tool_choice: completionInputProperties.tool_choice,
  max_steps: completionInputProperties.max_steps,
} as const;

/** The tool choices of a `send` or `regenerate`, passed on to complete_stream as they came. */
export function toolInputOf(input: Pick<CompletionInput, 'tools' | 'tool_choice' | 'max_steps'>): Partial<CompletionInput> {
  return {
    ...(input.tools === undefined ? {} : { tools: input.tools }),
    ...(input.tool_choice === undefined ? {} : { tool_choice: input.tool_choice }),
    ...(input.max_steps === undefined ? {} : { max_steps: input.max_steps }),
  };
}
