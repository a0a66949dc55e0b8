/**
 * @module A chat completion streamed as OpenAI does: unnamed `data: <chunk>` frames, `data: [DONE]` last, and a
 * failure after the stream opened as one `data: {"error": ...}` frame (which OpenAI's SDKs throw) with no
 * `[DONE]` after it. Leaving early returns the step's iterator, which aborts the step (a relay) or leaves the
 * generation running to save its reply (a conversation, by its on_disconnect default).
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Logger } from '../../lib/logger.js';
import type { AppEnv } from '../app-env.js';
import { asCallError, logCallError } from '../error-response.js';
import { toOpenAiError } from './openai-error.js';
import type { StepEvent, StreamFrame } from './step-events.js';

export interface ChunkStreamOptions {
  pingIntervalMs: number;
  logger: Logger;
  /** Turns one step event into the frames that go out for it. */
  translate: (event: StepEvent) => StreamFrame[];
}

export function chunkStreamResponse(
  context: Context<AppEnv>,
  iterator: AsyncIterator<StepEvent>,
  first: IteratorResult<StepEvent>,
  options: ChunkStreamOptions,
): Response {
  const { logger, translate } = options;
  let reportDone: (sent: number) => void = () => {};
  context.set('streamDone', new Promise<number>((resolve) => (reportDone = resolve)));
  context.header('X-Accel-Buffering', 'no');

  return streamSSE(context, async (stream) => {
    let sent = 0;
    let iteratorDone = first.done === true;
    const ping = setInterval(() => void stream.write(': ping\n\n'), options.pingIntervalMs);
    stream.onAbort(() => void iterator.return?.().catch(() => {}));
    const write = async (frame: StreamFrame): Promise<void> => {
      sent += 1;
      if (frame.kind === 'done') await stream.write('data: [DONE]\n\n');
      else if (frame.kind === 'chunk') await stream.write(`data: ${JSON.stringify(frame.chunk)}\n\n`);
      else await writeError(frame.error);
    };
    const writeError = async (error: unknown): Promise<void> => {
      const callError = asCallError(error);
      logCallError(logger, callError, {
        request_id: context.get('requestId'),
        method: context.req.method,
        path: context.req.path,
        after_frames: sent,
      });
      await stream.write(`data: ${JSON.stringify(toOpenAiError(callError, context.get('requestId')))}\n\n`);
    };
    try {
      let result = first;
      while (!result.done && !stream.aborted) {
        for (const frame of translate(result.value)) await write(frame);
        try {
          result = await iterator.next();
        } catch (error) {
          iteratorDone = true;
          throw error;
        }
        iteratorDone = result.done === true;
      }
    } catch (error) {
      if (stream.aborted) logger.debug('stream ended after the client left', { request_id: context.get('requestId') });
      else await writeError(error);
    } finally {
      clearInterval(ping);
      if (!iteratorDone) await iterator.return?.().catch(() => {});
      reportDone(sent);
    }
  });
}
