/** @module modules/chat_branches/delete_conversation: a whole conversation, with its folder (settings, attachments). */
import { defineStep } from '../../registry/define-step.js';
import { refuseWhileGenerating } from './conversation-busy.js';
import { conversationFileOf, conversationFileProperties, type ConversationFileInput } from './schemas.js';

interface DeleteConversationOutput {
  success: true;
  conversation_file: string;
  deleted: true;
}

export const deleteConversationStep = defineStep<ConversationFileInput, DeleteConversationOutput>({
  path: 'modules/chat_branches/delete_conversation',
  summary: 'Delete a whole conversation: its folder, with settings, attachment files and recovery files. Not recoverable.',
  description:
    'The file store removes data/conversations/<name>/ and everything in it; the PostgreSQL store removes the row and that ' +
    'folder. Refused with 409 while a reply is being generated in the conversation on this server (stop it first). ' +
    'There is no undo: export it first (modules/chat_branches/export, format json) to keep a copy.',
  input: { type: 'object', properties: { ...conversationFileProperties }, additionalProperties: false },
  output: {
    type: 'object',
    properties: { success: { const: true }, conversation_file: { type: 'string' }, deleted: { const: true } },
    required: ['success', 'conversation_file', 'deleted'],
    additionalProperties: false,
  },
  async run(input, context) {
    const { store } = context.services;
    const file = await store.resolve(conversationFileOf(input));
    refuseWhileGenerating(context.services, file, 'deleted');
    await store.remove(file);
    return { success: true, conversation_file: file, deleted: true };
  },
});
