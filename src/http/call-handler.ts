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
    let first: IteratorResult<unknown>;
    try {
      // Pull the first event before any header goes out: bad input or a missing conversation is still a
      // plain JSON error with its status, not a stream that opens and fails.
      first = await iterator.next();
    } catch (error) {
      return errorResponse(context, error, logger);
    }
    // Nothing to send (a finished generation): 204 is what makes EventSource stop reconnecting.
    if (first.done) return context.body(null, 204);
    return sseResponse(context, iterator, first.value, { pingIntervalMs: options.pingIntervalMs, logger });
  };
}
