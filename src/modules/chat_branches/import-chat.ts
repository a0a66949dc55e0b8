/**
 * @module modules/chat_branches/import: a SillyTavern chat (JSONL text) as a new conversation, its swipes as
 * sibling branches. The whole file is checked before anything is written; a taken name is a CONFLICT.
 */
import { CallError } from '../../lib/call-error.js';
import { defineStep } from '../../registry/define-step.js';
import { slugOf, timestamp } from '../../store/index.js';
import { buildTree } from './sillytavern/build-tree.js';
import { parseSillyTavernChat } from './sillytavern/parse-chat.js';

interface ImportInput {
  name: string;
  content: string;
  format: 'sillytavern';
  llm_config?: string;
}

interface ImportOutput {
  success: true;
  conversation_file: string;
  file: string;
  slug: string;
  messages: number;
  branches: number;
}

export const importChatStep = defineStep<ImportInput, ImportOutput>({
  path: 'modules/chat_branches/import',
  summary: 'Import a SillyTavern chat (JSONL) as a new conversation; swipes become sibling branches, the chosen one active.',
  description:
    'Each message becomes a node (is_user: user, is_system: system, else assistant), chained in file order; a message with ' +
    '`swipes` becomes one sibling per swipe, the `swipe_id` one on the active path. Fields SillyTavern wrote (name, send_date, ' +
    'extra, unknown ones) are kept on each node under `sillytavern`, the header on the conversation under `sillytavern_header`. ' +
    'A line that is not JSON, a message without `mes`, a chat without messages: BAD_INPUT naming the line. A name whose folder ' +
    'is taken: CONFLICT. Nothing is written unless the whole file imports.',
  input: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200, description: 'The new conversation; its folder name is made from it.' },
      content: { type: 'string', description: 'The chat file itself (JSONL text).' },
      format: { enum: ['sillytavern'], default: 'sillytavern' },
      llm_config: { type: 'string', minLength: 1, description: 'Stored in settings.json, e.g. mock or data/llm_configs/mock.json.' },
    },
    required: ['name', 'content'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      conversation_file: { type: 'string' },
      file: { type: 'string', description: 'Same as conversation_file (the name create_conversation uses).' },
      slug: { type: 'string' },
      messages: { type: 'integer', description: 'Lines imported as messages.' },
      branches: { type: 'integer', description: 'Messages that had more than one swipe.' },
    },
    required: ['success', 'conversation_file', 'file', 'slug', 'messages', 'branches'],
    additionalProperties: false,
  },
  async run(input, context) {
    const chat = parseSillyTavernChat(input.content);
    const name = input.name.trim() || input.name;
    const { doc, branches } = buildTree(chat, name, timestamp());
    const slug = slugOf(name);
    const file = `data/conversations/${slug}/conversation.json`;
    try {
      await context.services.store.create(file, doc, { type: 'threaded', ...(input.llm_config ? { llm_config: input.llm_config } : {}) });
    } catch (error) {
      if (error instanceof CallError && error.code === 'CONFLICT') {
        throw new CallError(
          'CONFLICT',
          `a conversation named "${name}" already exists (data/conversations/${slug}/): choose another name`,
          {
            details: { field: 'name', file },
          },
        );
      }
      throw error;
    }
    return { success: true, conversation_file: file, file, slug, messages: chat.messages.length, branches };
  },
});
