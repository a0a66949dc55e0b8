/** @module One info line per request: method, path, status, duration. The query is left out: it may carry access_token. */
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../lib/logger.js';
import type { AppEnv } from '../app-env.js';

export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function logRequest(context, next) {
    const started = performance.now();
    await next();
    const fields = {
      method: context.req.method,
      path: context.req.path,
      status: context.res.status,
      request_id: context.get('requestId'),
    };
    const streamDone = context.get('streamDone');
    if (streamDone === undefined) {
      logger.info('request', { ...fields, duration_ms: elapsed(started) });
    } else {
      // An SSE reply is logged when it closes, so the duration covers the whole stream.
      void streamDone.then((events) => logger.info('request', { ...fields, duration_ms: elapsed(started), events }));
    }
  };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
