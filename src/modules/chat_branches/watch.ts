/** @module modules/chat_branches/watch: a stream of changes to conversation and LLM config files. */
import { defineStep } from '../../registry/define-step.js';
import type { WatchEvent } from '../../store/index.js';
import { conversationFileOf, fileProperty, type ConversationFileInput } from './schemas.js';

export const watchStep = defineStep<ConversationFileInput, WatchEvent>({
  path: 'modules/chat_branches/watch',
  summary: 'Stream {type: changed|removed|invalid|nodes_removed_externally|edit_written_aside, file, origin, ...} for every watched file.',
  description:
    "Covers data/conversations/ and data/llm_configs/. `origin` tells the engine's own writes from hand edits; `invalid` carries " +
    'the problem (INVALID_FILE with the JSON pointer). `nodes_removed_externally` says an outside write removed nodes the engine ' +
    'had saved recently (`node_ids`), kept in `recovery_file`; `edit_written_aside` says an in-place edit went into a version a ' +
    'save had just replaced, kept in `recovery_file` (`node_ids`, `fields`). Neither is put back on its own: ' +
    'modules/chat_branches/restore does it. Give `conversation_file` to follow one conversation. Runs until the client leaves.',
  input: {
    type: 'object',
    properties: {
      conversation_file: { ...fileProperty, description: 'Only events for this conversation (a short name or a path).' },
      file: { ...fileProperty, deprecated: true, description: 'Deprecated alias of `conversation_file`.' },
    },
    additionalProperties: false,
  },
  events: {
    oneOf: [
      {
        type: 'object',
        properties: {
          type: { enum: ['changed', 'removed', 'invalid'] },
          file: { type: 'string' },
          origin: { enum: ['engine', 'external'] },
          error: {
            type: 'object',
            properties: { code: { type: 'string' }, message: { type: 'string' } },
            required: ['code', 'message'],
            additionalProperties: false,
          },
        },
        required: ['type', 'file', 'origin'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: {
          type: { const: 'nodes_removed_externally' },
          file: { type: 'string' },
          origin: { const: 'external' },
          node_ids: { type: 'array', items: { type: 'string' } },
          recovery_file: { type: 'string', description: 'Root-relative recovery file holding the removed nodes.' },
        },
        required: ['type', 'file', 'origin', 'node_ids', 'recovery_file'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: {
          type: { const: 'edit_written_aside' },
          file: { type: 'string' },
          origin: { const: 'external' },
          node_ids: { type: 'array', items: { type: 'string' } },
          fields: { type: 'array', items: { type: 'string' } },
          recovery_file: { type: 'string', description: 'Root-relative recovery file holding what the edit changed.' },
        },
        required: ['type', 'file', 'origin', 'node_ids', 'fields', 'recovery_file'],
        additionalProperties: false,
      },
    ],
  },
  async *stream(input, context) {
    const { store } = context.services;
    // Subscribe before the first await: a change made right after this step starts must not slip through.
    const events = store.watch(context.signal);
    const named = input.conversation_file !== undefined || input.file !== undefined;
    const only = named ? await store.resolve(conversationFileOf(input)) : undefined;
    for await (const event of events) {
      if (only === undefined || event.file === only) yield event;
    }
  },
});
