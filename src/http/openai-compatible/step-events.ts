/**
 * @module The events of `workflow/chat_completion/send` and `modules/llm_api/chat_stream` (the same start, chunk,
 * finish, usage, error, end protocol; send adds saved) turned into OpenAI's stream frames, or collected into one
 * reply for a request that does not stream.
 */
import { CallError, callErrorCodes, type CallErrorCode } from '../../lib/call-error.js';
import {
  completionChunk,
  toOpenAiFinishReason,
  usageChunk,
  type ChatCompletionChunk,
  type CompletionIdentity,
  type UsageCounts,
} from './completion-shapes.js';

export type StepEvent =
  | { type: 'start'; generation_id?: string; node_id?: string; parent_id?: string; conversation_file?: string }
  | { type: 'chunk'; content: string }
  | { type: 'finish'; finish_reason: string }
  | { type: 'usage'; usage: UsageCounts }
  | { type: 'saved'; node_id: string; usage: UsageCounts | null; partial?: boolean }
  | { type: 'error'; code: string; message: string }
  | { type: 'end' };

export type StreamFrame = { kind: 'chunk'; chunk: ChatCompletionChunk } | { kind: 'error'; error: CallError } | { kind: 'done' };

/** Feeds one event at a time; answers the frames it makes. Holds the usage until the end, where OpenAI sends it. */
export function createChunkTranslator(identity: CompletionIdentity, includeUsage: boolean): (event: StepEvent) => StreamFrame[] {
  let usage: UsageCounts | null = null;
  let failed = false;
  const chunk = (delta: Parameters<typeof completionChunk>[1], finish: Parameters<typeof completionChunk>[2]): StreamFrame => ({
    kind: 'chunk',
    chunk: completionChunk(identity, delta, finish, includeUsage),
  });
  return (event) => {
    switch (event.type) {
      case 'start':
        return [chunk({ role: 'assistant', content: '' }, null)];
      case 'chunk':
        return event.content === '' ? [] : [chunk({ content: event.content }, null)];
      case 'finish':
        // `error` is followed by the error event, which is what the client gets instead of a finish.
        return event.finish_reason === 'error' ? [] : [chunk({}, toOpenAiFinishReason(event.finish_reason))];
      case 'usage':
        usage = event.usage;
        return [];
      case 'saved':
        usage ??= event.usage;
        return [];
      case 'error':
        failed = true;
        return [{ kind: 'error', error: errorOfEvent(event) }];
      case 'end':
        if (failed) return [];
        return [
          ...(includeUsage && usage !== null ? [{ kind: 'chunk', chunk: usageChunk(identity, usage) } as const] : []),
          { kind: 'done' },
        ];
    }
  };
}

export interface CollectedReply {
  content: string;
  finishReason: string;
  usage: UsageCounts | null;
  /** From `start`: the generation, the node the reply goes to and the user node above it (send only). */
  generationId?: string;
  nodeId?: string;
  parentId?: string;
}

/**
 * A whole reply from the events. `onStart` runs at `start`, before any failure can follow, so the caller can set
 * its headers (the node id of a partial reply included) before an error is thrown.
 */
export async function collectReply(events: AsyncIterable<StepEvent>, onStart: (reply: CollectedReply) => void): Promise<CollectedReply> {
  const reply: CollectedReply = { content: '', finishReason: 'stop', usage: null };
  for await (const event of events) {
    if (event.type === 'start') {
      if (event.generation_id !== undefined) reply.generationId = event.generation_id;
      if (event.node_id !== undefined) reply.nodeId = event.node_id;
      if (event.parent_id !== undefined) reply.parentId = event.parent_id;
      onStart(reply);
    } else if (event.type === 'chunk') reply.content += event.content;
    else if (event.type === 'finish') reply.finishReason = event.finish_reason;
    else if (event.type === 'usage') reply.usage = event.usage;
    else if (event.type === 'saved') reply.usage ??= event.usage;
    else if (event.type === 'error') throw errorOfEvent(event);
  }
  return reply;
}

/** An error event as the CallError it was; its words were written for the caller (where a partial went), so shown. */
function errorOfEvent(event: { code: string; message: string }): CallError {
  const code = (callErrorCodes as readonly string[]).includes(event.code) ? (event.code as CallErrorCode) : 'UPSTREAM_FAILED';
  return new CallError(code, event.message, { exposed: true });
}
