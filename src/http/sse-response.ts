/**
 * @module A step's event stream as Server-Sent Events: one unnamed frame per event (`id:` then `data:`, no
 * `event:` line, since SmartTavern's browser code listens with `onmessage`), `: ping` comments, and an
 * `error` + `end` pair when the stream fails after it opened.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Logger } from '../lib/logger.js';
import { eventIdOf } from '../registry/event-id.js';
import type { AppEnv } from './app-env.js';
import { asCallError, logCallError, toWireError } from './error-response.js';

export interface SseOptions {
  pingIntervalMs: number;
  logger: Logger;
}

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
  const streamId = randomUUID();
  let reportDone: (sent: number) => void = () => {};
  context.set('streamDone', new Promise<number>((resolve) => (reportDone = resolve)));
  context.header('X-Accel-Buffering', 'no');

  return streamSSE(context, async (stream) => {
    let sent = 0;
    let iteratorDone = false;
    const next = async (): Promise<IteratorResult<unknown>> => {
      try {
        const result = await iterator.next();
        iteratorDone = result.done === true;
        return result;
      } catch (error) {
        iteratorDone = true;
        throw error;
      }
    };
    const ping = setInterval(() => void stream.write(': ping\n\n'), options.pingIntervalMs);
    stream.onAbort(() => void iterator.return?.().catch(() => {}));
    try {
      let result = await Promise.resolve(first).then(
        (value) => ((iteratorDone = value.done === true), value),
        (error: unknown) => {
          iteratorDone = true;
          throw error;
        },
      );
      while (!result.done && !stream.aborted) {
        sent += 1;
        await stream.write(sseFrame(JSON.stringify(result.value), eventIdOf(result.value) ?? `${streamId}:${sent}`));
        result = await next();
      }
    } catch (error) {
      const callError = asCallError(error);
      const fields = { request_id: context.get('requestId'), method: context.req.method, path: context.req.path, after_events: sent };
      if (stream.aborted) {
        logger.debug('stream ended after the client left', { ...fields, code: callError.code });
      } else {
        logCallError(logger, callError, fields);
        const { code, message } = toWireError(callError, context.get('requestId'));
        // No `id:` on these two: the client's Last-Event-ID stays on the last event the step really sent,
        // which is where a resumable step can pick up again.
        await stream.write(sseFrame(JSON.stringify({ type: 'error', code, message })));
        await stream.write(sseFrame(JSON.stringify({ type: 'end' })));
      }
    } finally {
      clearInterval(ping);
      if (!iteratorDone) await iterator.return?.().catch(() => {});
      reportDone(sent);
    }
  });
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
