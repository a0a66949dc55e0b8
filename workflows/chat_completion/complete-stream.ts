/** @module workflow/chat_completion/complete_stream: a reply streamed as SSE, resumable with Last-Event-ID. */
import type { GenerationEvent } from '../../src/generation/generation-events.js';
import { generationEventSchema } from '../../src/generation/generation-events.js';
import { defineStep } from '../../src/registry/define-step.js';
import { completionInputProperties, lastEventIdProperty, type CompletionInput } from './completion-input.js';
import { parseEventId, startGeneration, viewGeneration } from './job/start-generation.js';

type CompleteStreamInput = CompletionInput & { last_event_id?: string };

export const completeStream = defineStep<CompleteStreamInput, GenerationEvent>({
  path: 'workflow/chat_completion/complete_stream',
  summary: 'Generate a reply as Server-Sent Events and save it to the conversation; the reply is kept even if the client leaves.',
  description:
    'Events: start, chunk x N, finish (once), usage (when known), saved (after the node is durable), error (on failure, after saving any partial text), end (always last). ' +
    'A reconnect with Last-Event-ID gets the rest of the same generation, or 204 when there is nothing more; it never starts a second one.',
  input: {
    type: 'object',
    properties: {
      ...completionInputProperties,
      last_event_id: lastEventIdProperty,
    },
    required: ['conversation_file'],
    additionalProperties: false,
  },
  events: generationEventSchema,
  async *stream(input, context) {
    if (input.last_event_id !== undefined) {
      const { generationId, seq } = parseEventId(input.last_event_id);
      // A generation this process no longer knows (expired, or the server restarted) has nothing more to send:
      // an empty stream answers 204, which stops EventSource from reconnecting.
      // On any server when the generation log is shared (Redis): the one that ran it may be gone.
      const generation = await context.services.generations.findAnywhere(generationId);
      if (generation) yield* viewGeneration(generation, seq, context, input.on_disconnect);
      return;
    }
    const generation = await startGeneration(input, context);
    yield* viewGeneration(generation, 0, context, input.on_disconnect);
  },
});
