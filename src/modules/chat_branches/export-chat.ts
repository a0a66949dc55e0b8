/**
 * @module modules/chat_branches/export: a conversation as text to save elsewhere: its active path as a
 * SillyTavern chat (JSONL) or as Markdown, or the whole tree as JSON. Reads only.
 */
import { defineStep } from '../../registry/define-step.js';
import { serialiseTree, timestamp } from '../../store/index.js';
import { conversationFileOf, conversationFileProperties, type ConversationFileInput } from './schemas.js';
import { toMarkdown, toSillyTavern } from './sillytavern/export-formats.js';

interface ExportInput extends ConversationFileInput {
  format: 'sillytavern' | 'markdown' | 'json';
}

interface ExportOutput {
  success: true;
  conversation_file: string;
  format: ExportInput['format'];
  media_type: string;
  file_name: string;
  content: string;
  messages: number;
}

const mediaTypes = { sillytavern: 'application/jsonl', markdown: 'text/markdown', json: 'application/json' } as const;
const endings = { sillytavern: 'jsonl', markdown: 'md', json: 'json' } as const;

export const exportChatStep = defineStep<ExportInput, ExportOutput>({
  path: 'modules/chat_branches/export',
  summary: 'A conversation as SillyTavern JSONL or Markdown (its active path), or JSON (the whole tree).',
  description:
    'sillytavern: a header line, then one line per message of the active path; the assistant siblings of each turn are its ' +
    '`swipes`, the active one `swipe_id`; fields kept from an import are written back. markdown: a heading per message. ' +
    'json: the conversation file as stored.',
  input: {
    type: 'object',
    properties: { ...conversationFileProperties, format: { enum: ['sillytavern', 'markdown', 'json'], default: 'sillytavern' } },
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      conversation_file: { type: 'string' },
      format: { enum: ['sillytavern', 'markdown', 'json'] },
      media_type: { type: 'string' },
      file_name: { type: 'string', description: 'A name to save it under: the folder name and the ending.' },
      content: { type: 'string' },
      messages: { type: 'integer', description: 'Messages written (the active path; every node for json).' },
    },
    required: ['success', 'conversation_file', 'format', 'media_type', 'file_name', 'content', 'messages'],
    additionalProperties: false,
  },
  async run(input, context) {
    const { store } = context.services;
    const file = await store.resolve(conversationFileOf(input));
    const doc = await store.read(file);
    const written =
      input.format === 'json'
        ? { content: serialiseTree(doc), messages: Object.keys(doc.nodes).length }
        : input.format === 'markdown'
          ? toMarkdown(doc)
          : toSillyTavern(doc, timestamp());
    const folder = /\/([^/]+)\/conversation\.json$/.exec(file)?.[1] ?? 'conversation';
    return {
      success: true,
      conversation_file: file,
      format: input.format,
      media_type: mediaTypes[input.format],
      file_name: `${folder}.${endings[input.format]}`,
      ...written,
    };
  },
});
