/**
 * @module modules/chat_branches/rename_conversation: a new name for a conversation. The folder moves to the new
 * name's slug (the rule create_conversation follows) and the tree's `name` becomes the new name.
 */
import { CallError } from '../../lib/call-error.js';
import { defineStep } from '../../registry/define-step.js';
import { slugOf, timestamp } from '../../store/index.js';
import { refuseWhileGenerating } from './conversation-busy.js';
import { conversationFileOf, conversationFileProperties, type ConversationFileInput } from './schemas.js';

interface RenameInput extends ConversationFileInput {
  new_name: string;
}

interface RenameOutput {
  success: true;
  conversation_file: string;
  previous_file: string;
  slug: string;
  name: string;
}

export const renameConversationStep = defineStep<RenameInput, RenameOutput>({
  path: 'modules/chat_branches/rename_conversation',
  summary: "Rename a conversation: its folder moves to the new name's slug, and its `name` becomes the new name.",
  description:
    'The slug follows create_conversation (the name made safe for a folder). A slug another conversation has is refused with ' +
    '409 naming it (no `-2` suffix: a rename says exactly where the conversation goes). The same slug (a change of case or ' +
    'punctuation only) changes the name alone. Refused with 409 while a reply is being generated in the conversation.',
  input: {
    type: 'object',
    properties: { ...conversationFileProperties, new_name: { type: 'string', minLength: 1, maxLength: 200 } },
    required: ['new_name'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      conversation_file: { type: 'string', description: 'Where the conversation is now.' },
      previous_file: { type: 'string' },
      slug: { type: 'string' },
      name: { type: 'string' },
    },
    required: ['success', 'conversation_file', 'previous_file', 'slug', 'name'],
    additionalProperties: false,
  },
  async run(input, context) {
    const { store } = context.services;
    const name = input.new_name.trim();
    if (name === '') {
      throw new CallError('BAD_INPUT', 'input is invalid: /new_name must not be blank', {
        details: [{ field: '/new_name', message: 'must not be blank', keyword: 'minLength', params: {} }],
      });
    }
    const file = await store.resolve(conversationFileOf(input));
    refuseWhileGenerating(context.services, file, 'renamed');
    const slug = slugOf(name);
    const fileName = file.slice(file.lastIndexOf('/') + 1);
    const moved = await store.rename(file, `data/conversations/${slug}/${fileName}`);
    const now = timestamp();
    await store.update(moved, (doc) => {
      doc.name = name;
      doc.updated_at = now;
    });
    return { success: true, conversation_file: moved, previous_file: file, slug, name };
  },
});
