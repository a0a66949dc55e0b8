/** @module modules/chat_branches/watch: a stream of changes to conversation and LLM config files. */
import { defineStep } from '../../registry/define-step.js';
import type { WatchEvent } from '../../store/index.js';
import { conversationFileOf, fileProperty, type ConversationFileInput } from './schemas.js';

export const watchStep = defineStep<ConversationFileInput, WatchEvent>({
  path: 'modules/chat_branches/watch',
  summary: 'Stream {type: changed|removed|invalid, file, origin: engine|external, error?} for every watched file.',
  description:
    "Covers data/conversations/ and data/llm_configs/. `origin` tells the engine's own writes from hand edits; `invalid` carries " +
    'the problem (INVALID_FILE with the JSON pointer). Give `conversation_file` to follow one conversation. Runs until the client leaves.',
  input: {
    type: 'object',
    properties: {
      conversation_file: { ...fileProperty, description: 'Only events for this conversation (a short name or a path).' },
      file: { ...fileProperty, deprecated: true, description: 'Deprecated alias of `conversation_file`.' },
    },
    additionalProperties: false,
  },
  events: {
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
