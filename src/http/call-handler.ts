/** @module `GET|POST /api/<namespace>/<path>`: runs a step and answers JSON (plain) or Server-Sent Events (streaming). */
import type { Context } from 'hono';
import type { Logger } from '../lib/logger.js';
import type { Registry } from '../registry/registry.js';
import type { AppEnv } from './app-env.js';
import { errorResponse } from './error-response.js';
import { sseResponse } from './sse-response.js';
import { readStepInput } from './step-input.js';

export interface CallHandlerOptions {
  registry: Registry;
  logger: Logger;
  pingIntervalMs: number;
  /**
   * How long a stream may take to produce its first event before its headers go out anyway. Errors before the
   * first event are plain JSON with their status; but a stream with nothing to say yet (a watch before the first
   * change, a resume while the provider thinks) must still open, or clients and proxies take it for a dead server.
   */
  openStreamAfterMs: number;
}

export function createCallHandler(options: CallHandlerOptions) {
  const { registry, logger } = options;
  return async function callHandler(context: Context<AppEnv>): Promise<Response> {
    const path = context.req.path.replace(/^\/api\//, '').replace(/\/+$/, '');
    const step = registry.get(path);
    const { input, coerce } = await readStepInput(context.req.raw, step);
    // Node aborts the request's signal when the client disconnects; the registry passes it to the step.
    const signal = context.req.raw.signal;
    if (step.kind === 'plain') {
      return context.json(await registry.call(path, input, { signal, coerce }));
    }
    const iterator = registry.stream(path, input, { signal, coerce })[Symbol.asyncIterator]();
    // Pull the first event before any header goes out: bad input or a missing conversation is still a plain
    // JSON error with its status, not a stream that opens and fails. Only a first event that is slow to come
    // opens the stream without it.
    const first = iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      first.then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      ),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), options.openStreamAfterMs))),
    ]);
    clearTimeout(timer);
    if (settled !== undefined && 'error' in settled) return errorResponse(context, settled.error, logger);
    // Nothing to send (a finished generation): 204 is what makes EventSource stop reconnecting.
    if (settled?.result.done) return context.body(null, 204);
    return sseResponse(context, iterator, settled?.result ?? first, { pingIntervalMs: options.pingIntervalMs, logger });
  };
}
