/** @module modules/chat_branches/create_conversation: a new folder with conversation.json and settings.json. */
import { CallError } from '../../lib/call-error.js';
import { defineStep } from '../../registry/define-step.js';
import { createConversationDoc, slugOf, timestamp } from '../../store/index.js';
import { updatedAtSchema } from './schemas.js';

interface CreateInput {
  name: string;
  description?: string;
  system_prompt?: string;
  greeting?: string | string[];
  llm_config?: string;
}

interface CreateOutput {
  success: true;
  file: string;
  settings_file: string;
  slug: string;
  name: string;
  type: 'threaded';
  root_node_id: string | null;
  nodes_count: number;
  updated_at: string;
}

/** Past this many `-2`, `-3`... suffixes something else is wrong (a full disk, permissions): stop trying. */
const maximumSuffix = 1000;

export const createConversationStep = defineStep<CreateInput, CreateOutput>({
  path: 'modules/chat_branches/create_conversation',
  summary: 'Create data/conversations/<slug>/ with conversation.json and settings.json.',
  description:
    "The slug is the name made safe for a folder (SmartTavern's rule, plus no control characters or leading dots); `-2`, `-3`... " +
    'are added when it is taken. With a `system_prompt` the tree has one system root and each greeting is one of its children; ' +
    'without one, each greeting is a root (SmartTavern makes one root per character greeting). No prompt and no greeting: an ' +
    'empty tree, ready for append_message with pid null. `llm_config` must be an existing file under data/llm_configs/; it is ' +
    'stored in settings.json.',
  input: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      description: { type: 'string' },
      system_prompt: { type: 'string' },
      greeting: {
        anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
        description: 'The opening assistant message, or several alternatives.',
      },
      llm_config: { type: 'string', minLength: 1, description: 'e.g. data/llm_configs/mock.json' },
    },
    required: ['name'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      file: { type: 'string' },
      settings_file: { type: 'string' },
      slug: { type: 'string' },
      name: { type: 'string' },
      type: { const: 'threaded' },
      root_node_id: { type: ['string', 'null'] },
      nodes_count: { type: 'integer' },
      updated_at: updatedAtSchema,
    },
    required: ['success', 'file', 'settings_file', 'slug', 'name', 'type', 'root_node_id', 'nodes_count', 'updated_at'],
    additionalProperties: false,
  },
  async run(input, context) {
    const { store } = context.services;
    const now = timestamp();
    const greetings = input.greeting === undefined ? [] : Array.isArray(input.greeting) ? input.greeting : [input.greeting];
    const doc = createConversationDoc({
      name: input.name.trim() || input.name,
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.system_prompt === undefined ? {} : { systemPrompt: input.system_prompt }),
      greetings,
      now,
    });
    const settings = { type: 'threaded', ...(input.llm_config === undefined ? {} : { llm_config: input.llm_config }) };
    const base = slugOf(input.name);
    for (let suffix = 1; suffix <= maximumSuffix; suffix++) {
      const slug = suffix === 1 ? base : `${base}-${suffix}`;
      const file = `data/conversations/${slug}/conversation.json`;
      try {
        await store.create(file, doc, settings);
      } catch (error) {
        if (error instanceof CallError && error.code === 'CONFLICT') continue;
        throw error;
      }
      return {
        success: true,
        file,
        settings_file: `data/conversations/${slug}/settings.json`,
        slug,
        name: doc.name ?? input.name,
        type: 'threaded',
        root_node_id: doc.roots[0] ?? null,
        nodes_count: Object.keys(doc.nodes).length,
        updated_at: now,
      };
    }
    throw new CallError('CONFLICT', `could not find a free folder name for "${input.name}" under data/conversations/`);
  },
});
