/**
 * @module A reconnect to `send` or `regenerate`: EventSource reconnects to the same URL by itself, with Last-Event-ID,
 * after a dropped connection. It must get the rest of the generation it was following, never a new message or a
 * new branch, so it is handed to complete_stream's resume (the rest of the log, or 204 when there is none).
 */
import type { GenerationEvent } from '../../../src/generation/generation-events.js';
import type { StepContext } from '../../../src/registry/define-step.js';

export function resumeGeneration(
  conversationFile: string,
  lastEventId: string,
  onDisconnect: 'continue' | 'abort',
  context: StepContext,
): AsyncIterable<GenerationEvent> {
  return context.stream<GenerationEvent>('workflow/chat_completion/complete_stream', {
    conversation_file: conversationFile,
    last_event_id: lastEventId,
    on_disconnect: onDisconnect,
  });
}
