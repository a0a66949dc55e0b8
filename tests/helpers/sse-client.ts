/**
 * @module A real SSE client for tests and benchmarks: fetch + eventsource-parser. It returns what came over the
 * wire (status, headers, frames with their ids, comments, the raw text) and can stop early, which closes the
 * connection the way a browser tab that goes away does.
 */
import { createParser } from 'eventsource-parser';

export interface SseFrame {
  /** The frame's own `id:` line, if it had one. */
  id?: string;
  /** The frame's `event:` line, if it had one. */
  event?: string;
  data: string;
}

export interface SseReply {
  status: number;
  headers: Headers;
  frames: SseFrame[];
  /** Comment lines without the leading colon and space (`ping` for `: ping`). */
  comments: string[];
  /** The id EventSource would send back as Last-Event-ID: the last id seen. */
  lastEventId?: string;
  /** The body as text, as far as it was read: the raw stream, or the JSON of a reply that was not a stream. */
  text: string;
  /** True when reading stopped because `until` said so (the client disconnected). */
  stoppedEarly: boolean;
}

export interface SseRequest {
  method?: 'GET' | 'POST';
  /** Sent as JSON (POST). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as the Last-Event-ID header, as EventSource does when it reconnects. */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Called after each frame and comment; returning true disconnects. */
  until?: (reply: SseReply) => boolean;
}

export async function readSse(url: string, request: SseRequest = {}): Promise<SseReply> {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...request.headers };
  if (request.lastEventId !== undefined) headers['last-event-id'] = request.lastEventId;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const controller = new AbortController();
  request.signal?.addEventListener('abort', () => controller.abort(request.signal?.reason), { once: true });
  const response = await fetch(url, {
    method: request.method ?? (request.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    signal: controller.signal,
  });
  const reply: SseReply = { status: response.status, headers: response.headers, frames: [], comments: [], text: '', stoppedEarly: false };
  if (response.body === null) return reply;

  let stop = false;
  const check = (): void => {
    if (!stop && request.until?.(reply)) stop = true;
  };
  const parser = createParser({
    // Once `until` said stop, the rest of the chunk already read is not reported: the client has "left".
    onEvent(message) {
      if (stop) return;
      const frame: SseFrame = { data: message.data };
      if (message.id !== undefined) frame.id = reply.lastEventId = message.id;
      if (message.event !== undefined) frame.event = message.event;
      reply.frames.push(frame);
      check();
    },
    onComment(comment) {
      if (stop) return;
      reply.comments.push(comment.trim());
      check();
    },
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (!stop) {
      const { done, value } = await reader.read();
      if (done) break;
      reply.text += value;
      parser.feed(value);
    }
  } finally {
    if (stop) {
      reply.stoppedEarly = true;
      controller.abort();
      await reader.cancel().catch(() => {});
    }
  }
  return reply;
}

/** The `data` of each frame parsed as JSON. */
export function frameData(reply: SseReply): unknown[] {
  return reply.frames.map((frame) => JSON.parse(frame.data) as unknown);
}
