/** @module modules/chat_branches/list_conversations: every data/conversations/<folder>/conversation.json. */
import { defineStep } from '../../registry/define-step.js';
import type { ConversationSummary } from '../../store/index.js';

export const listConversationsStep = defineStep<object, { success: true; conversations: ConversationSummary[] }>({
  path: 'modules/chat_branches/list_conversations',
  summary: 'Every conversation: file, name, updated_at and node count, most recently updated first.',
  description: 'A conversation whose file does not parse or validate is listed with `error` (and 0 nodes), so it can be found and fixed.',
  input: { type: 'object', additionalProperties: false },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      conversations: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            file: { type: 'string' },
            name: { type: 'string' },
            updated_at: { type: 'string' },
            nodes_count: { type: 'integer' },
            error: {
              type: 'object',
              properties: { code: { type: 'string' }, message: { type: 'string' } },
              required: ['code', 'message'],
              additionalProperties: false,
            },
          },
          required: ['file', 'name', 'nodes_count'],
          additionalProperties: false,
        },
      },
    },
    required: ['success', 'conversations'],
    additionalProperties: false,
  },
  async run(_input, context) {
    return { success: true, conversations: await context.services.store.list() };
  },
});
