/**
 * @module The request body cap. A body whose length is declared (Content-Length, no Transfer-Encoding) is judged
 * by the header alone, without touching the body: looking at `request.body`, as Hono's bodyLimit does first,
 * makes the Node adapter build a whole web Request and stream for every POST (about 0.3 ms before a step
 * starts), where `request.text()` alone reads the socket directly. A body of undeclared length (chunked) is
 * counted as it arrives, then handed on as a plain Request: Hono's bodyLimit rebuilt it from the adapter's
 * lightweight request, which Node's Request refuses, so every chunked POST failed with 500.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';

export function requestBodyLimit(maxSize: number, onError: () => never): MiddlewareHandler<AppEnv> {
  return async function limitBody(context, next) {
    const raw = context.req.raw;
    if (raw.method === 'GET' || raw.method === 'HEAD') return next();
    const length = raw.headers.get('content-length');
    if (length !== null && !raw.headers.has('transfer-encoding')) {
      if (Number.parseInt(length, 10) > maxSize) onError();
      return next();
    }
    const reader = raw.body?.getReader();
    if (reader === undefined) return next();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      size += part.value.byteLength;
      if (size > maxSize) {
        await reader.cancel().catch(() => undefined);
        onError();
      }
      chunks.push(part.value);
    }
    context.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body: Buffer.concat(chunks), signal: raw.signal });
    return next();
  };
}
