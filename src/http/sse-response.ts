/**
 * @module A step's event stream as Server-Sent Events: one unnamed frame per event (`id:` then `data:`, no
 * `event:` line, since SmartTavern's browser code listens with `onmessage`), `: ping` comments, and an
 * `error` + `end` pair when the stream fails after it opened.
 *
 * The body is one pull-based ReadableStream read by the Node adapter, not Hono's `streamSSE` (a TransformStream
 * behind a second ReadableStream: three stream hops and a promise chain per frame). An event that had to be
 * waited for (the first token) goes out alone, the moment it comes; events that were ready when asked (the rest of
 * a provider's burst of chunks) go out together as one write. Headers, ping, abort and clean-up are the ones
 * `streamSSE` gives.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { Logger } from '../lib/logger.js';
import { eventIdOf } from '../registry/event-id.js';
import type { AppEnv } from './app-env.js';
import { asCallError, logCallError, toWireError } from './error-response.js';

export interface SseOptions {
  pingIntervalMs: number;
  logger: Logger;
}

const encoder = new TextEncoder();
const pingBytes = encoder.encode(': ping\n\n');
/** What the race against the next macrotask yields when the next event is not ready yet. */
const notReady = Symbol('not ready');
/** How many events at the start of a stream are each written alone, never grouped with the ones after them. */
const openingEvents = 2;
const macrotask = (): Promise<typeof notReady> => new Promise((resolve) => setImmediate(resolve, notReady));

/**
 * Streams `first` (pulled already, so errors before it were answered as JSON; or still on its way, when it was
 * slow to come) and the rest of `iterator`. Leaving early, for any reason, calls `iterator.return()`, which
 * aborts the step's signal.
 */
export function sseResponse(
  context: Context<AppEnv>,
  iterator: AsyncIterator<unknown>,
  first: IteratorResult<unknown> | Promise<IteratorResult<unknown>>,
  options: SseOptions,
): Response {
  const { logger } = options;
  // Steps that tag no ids of their own still get ids unique to this response, so frames can be told apart.
  let streamId: string | undefined;
  let reportDone: (sent: number) => void = () => {};
  context.set('streamDone', new Promise<number>((resolve) => (reportDone = resolve)));

  let sent = 0;
  /** The iterator finished or failed: nothing to return. */
  let iteratorDone = false;
  /** The client went away (the body was cancelled). */
  let cancelled = false;
  let closed = false;
  let ping: NodeJS.Timeout | undefined;
  let pending: Promise<IteratorResult<unknown>> | undefined = Promise.resolve(first);

  const next = (): Promise<IteratorResult<unknown>> => {
    const result = pending ?? iterator.next();
    pending = undefined;
    return result;
  };
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    clearInterval(ping);
    if (!iteratorDone) await iterator.return?.().catch(() => {});
    reportDone(sent);
  };
  const frameOf = (value: unknown): string => {
    sent += 1;
    return sseFrame(JSON.stringify(value), eventIdOf(value) ?? `${(streamId ??= randomUUID())}:${sent}`);
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      ping = setInterval(() => {
        try {
          controller.enqueue(pingBytes);
        } catch {
          // Closed meanwhile: the interval is being cleared.
        }
      }, options.pingIntervalMs);
    },
    async pull(controller) {
      let text = '';
      try {
        const waiting = next();
        // The stream's first two events (a completion's `start` and its first token) go out alone, the moment each
        // comes: grouping waits up to a macrotask for what follows, and a provider's burst arriving meanwhile would
        // hold the first token back until the whole burst is relayed. Two writes more per stream; the rest is grouped.
        const first = sent < openingEvents ? notReady : await Promise.race([waiting, macrotask()]);
        if (first === notReady) {
          // Had to wait for it (the first token after the provider thought): it goes out alone, the moment it comes.
          const result = await waiting;
          if (result.done) iteratorDone = true;
          else text = frameOf(result.value);
        } else {
          // Ready when asked: it and every further one already on its way, up to the next macrotask, as one write.
          let result = first;
          while (!result.done) {
            text += frameOf(result.value);
            if (cancelled) return;
            const following = iterator.next();
            const ready = await Promise.race([following, macrotask()]);
            if (ready === notReady) {
              // Kept for the next pull; a rejection is seen there, so it must not count as unhandled now.
              following.catch(() => {});
              pending = following;
              break;
            }
            result = ready;
          }
          if (result.done) iteratorDone = true;
        }
      } catch (error) {
        iteratorDone = true;
        text += failureFrames(error);
      }
      if (cancelled) return;
      if (text !== '') controller.enqueue(encoder.encode(text));
      if (iteratorDone) {
        controller.close();
        await close();
      }
    },
    async cancel() {
      cancelled = true;
      await close();
    },
  });

  /** After the stream opened, a failure is a pair of frames (none once the client has gone). */
  function failureFrames(error: unknown): string {
    const callError = asCallError(error);
    const fields = { request_id: context.get('requestId'), method: context.req.method, path: context.req.path, after_events: sent };
    if (cancelled) {
      logger.debug('stream ended after the client left', { ...fields, code: callError.code });
      return '';
    }
    logCallError(logger, callError, fields);
    const { code, message } = toWireError(callError, context.get('requestId'));
    // No `id:` on these two: the client's Last-Event-ID stays on the last event the step really sent,
    // which is where a resumable step can pick up again.
    return sseFrame(JSON.stringify({ type: 'error', code, message })) + sseFrame(JSON.stringify({ type: 'end' }));
  }

  context.header('Transfer-Encoding', 'chunked');
  context.header('Content-Type', 'text/event-stream');
  context.header('Cache-Control', 'no-cache');
  context.header('Connection', 'keep-alive');
  context.header('X-Accel-Buffering', 'no');
  return context.newResponse(body);
}

/**
 * One frame, `id:` first as DESIGN §3 writes it. JSON text holds no raw line breaks, so `data:` is one line;
 * an id with a line break would split the frame, so it is refused.
 */
function sseFrame(data: string, id?: string): string {
  if (id === undefined) return `data: ${data}\n\n`;
  if (/[\r\n\0]/.test(id)) throw new Error(`an SSE event id may not contain CR, LF or NUL: ${JSON.stringify(id)}`);
  return `id: ${id}\ndata: ${data}\n\n`;
}
