/**
 * @module Records a Server-Sent Events reply event by event, with the time each arrived, and keeps what it got
 * when the connection dies (the server was killed) or the client leaves: the crash and chaos families need
 * exactly what a client had seen at the moment things went wrong. Built on the real SSE client of tests/helpers.
 */
import { readSse, type SseReply } from '../helpers/sse-client.js';

export interface RecordedEvent {
  /** The frame's `id:`, e.g. `gen_x:3`. */
  id?: string;
  /** The frame's data parsed as JSON (DESIGN §3 event), or the raw text when it was not JSON. */
  data: { type?: string; [key: string]: unknown } | string;
  /** Date.now() when the event arrived. */
  at: number;
}

export interface RecordedStream {
  /** The HTTP status, when the response started. */
  status?: number;
  /** The body of a reply that was not a stream (an error as JSON), or the raw SSE text. */
  text: string;
  events: RecordedEvent[];
  /** `ended`: the server closed the stream; `left`: the client stopped (until or signal); `failed`: the connection broke. */
  stop: 'ended' | 'left' | 'failed';
  failure?: string;
}

export interface RecordOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  headers?: Record<string, string>;
  lastEventId?: string;
  signal?: AbortSignal;
  /** Called for each event as it arrives. */
  onEvent?: (event: RecordedEvent, events: readonly RecordedEvent[]) => void;
  /** Returning true disconnects, as a closed browser tab does. */
  until?: (events: readonly RecordedEvent[]) => boolean;
}

export async function recordSse(url: string, options: RecordOptions = {}): Promise<RecordedStream> {
  const recorded: RecordedStream = { text: '', events: [], stop: 'ended' };
  let seen: SseReply | undefined;
  const absorb = (reply: SseReply): boolean => {
    seen = reply;
    recorded.status = reply.status;
    while (recorded.events.length < reply.frames.length) {
      const frame = reply.frames[recorded.events.length]!;
      const event: RecordedEvent = { data: parseData(frame.data), at: Date.now() };
      if (frame.id !== undefined) event.id = frame.id;
      recorded.events.push(event);
      options.onEvent?.(event, recorded.events);
    }
    return options.until?.(recorded.events) ?? false;
  };
  try {
    const reply = await readSse(url, {
      ...(options.method === undefined ? {} : { method: options.method }),
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.lastEventId === undefined ? {} : { lastEventId: options.lastEventId }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      until: absorb,
    });
    absorb(reply);
    recorded.status = reply.status;
    recorded.text = reply.text;
    recorded.stop = reply.stoppedEarly ? 'left' : 'ended';
  } catch (error) {
    recorded.text = seen?.text ?? '';
    recorded.stop = options.signal?.aborted ? 'left' : 'failed';
    recorded.failure = describe(error);
  }
  return recorded;
}

function parseData(text: string): RecordedEvent['data'] {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as RecordedEvent['data']) : text;
  } catch {
    return text;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** The events' data of one type. */
export function eventsOfType(stream: RecordedStream, type: string): Array<Record<string, unknown>> {
  return stream.events
    .map((event) => event.data)
    .filter((data): data is { type: string } => typeof data === 'object' && data.type === type);
}

/** The reply text the client saw: every chunk's content, in order. */
export function streamedText(stream: RecordedStream): string {
  return eventsOfType(stream, 'chunk')
    .map((chunk) => String(chunk['content']))
    .join('');
}

/** The event types in order, e.g. ['start', 'chunk', 'chunk', 'finish', 'saved', 'end']. */
export function eventTypes(stream: RecordedStream): string[] {
  return stream.events.map((event) => (typeof event.data === 'object' ? String(event.data.type) : `raw:${event.data}`));
}

/** `${base}/api/${path}?${query}` with the values URL-encoded. */
export function apiUrl(base: string, path: string, query: Record<string, string | number | boolean> = {}): string {
  const search = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)]));
  const text = search.toString();
  return `${base}/api/${path}${text === '' ? '' : `?${text}`}`;
}
