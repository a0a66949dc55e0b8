/**
 * @module modules/chat_branches/read_attachment: an attachment file of a conversation (`files/<sha256>.<ext>`), read
 * through the store (so with every back end), as base64 with its media type. `GET /api/attachment` serves the same
 * bytes raw to a browser (src/http/attachment-route.ts).
 */
import { defineStep } from '../../registry/define-step.js';
import { conversationFileOf, conversationFileProperties, type ConversationFileInput } from './schemas.js';

interface ReadAttachmentInput extends ConversationFileInput {
  attachment: string;
}

interface ReadAttachmentOutput {
  success: true;
  conversation_file: string;
  attachment: string;
  media_type: string;
  size: number;
  data_base64: string;
}

export const attachmentMediaTypes = { png: 'image/png', jpg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' } as const;

export const readAttachmentStep = defineStep<ReadAttachmentInput, ReadAttachmentOutput>({
  path: 'modules/chat_branches/read_attachment',
  summary: "An attachment of a conversation (a node's `attachments[].file`), as base64 with its media type.",
  description:
    'Only references of the form files/<sha256>.<png|jpg|gif|webp> are read, inside the conversation folder (links leading out ' +
    'are refused). Browsers use GET /api/attachment?conversation_file=...&attachment=..., which answers the bytes themselves.',
  input: {
    type: 'object',
    properties: {
      ...conversationFileProperties,
      attachment: {
        type: 'string',
        pattern: '^files/[0-9a-f]{64}\\.(png|jpg|gif|webp)$',
        description: 'The reference as the node holds it: files/<sha256>.<png|jpg|gif|webp>.',
      },
    },
    required: ['attachment'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      conversation_file: { type: 'string' },
      attachment: { type: 'string' },
      media_type: { enum: Object.values(attachmentMediaTypes) },
      size: { type: 'integer', description: 'Bytes.' },
      data_base64: { type: 'string' },
    },
    required: ['success', 'conversation_file', 'attachment', 'media_type', 'size', 'data_base64'],
    additionalProperties: false,
  },
  async run(input, context) {
    const { store } = context.services;
    const file = await store.resolve(conversationFileOf(input));
    const bytes = await store.readAttachment(file, input.attachment, 'attachment');
    const extension = input.attachment.slice(input.attachment.lastIndexOf('.') + 1) as keyof typeof attachmentMediaTypes;
    return {
      success: true,
      conversation_file: file,
      attachment: input.attachment,
      media_type: attachmentMediaTypes[extension],
      size: bytes.length,
      data_base64: bytes.toString('base64'),
    };
  },
});
