/**
 * @module The `fetch` the provider SDKs are given: the same contract as Node's built-in fetch for what they send
 * (a URL, a method, headers, a text or byte body, a signal), on node:http with keep-alive sockets. Node's fetch
 * builds a Request, runs the whole fetch algorithm and a stream pipeline per call: about 0.8 ms more before the
 * first byte of a reply on this machine's benchmark, on every request. Anything else (a Request object, a
 * streamed or form body, a redirect to follow) goes to the built-in fetch. Failures look like the built-in's:
 * `TypeError('fetch failed')` before the response, `TypeError('terminated')` when the body is cut, each with the
 * socket error as its cause, and the signal's reason on abort.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/**
 * An idle socket is closed after this long, before the usual 5 s of a Node server (and the longer ones of the
 * vendors) would close it from the other side: reusing a socket the server is closing fails the request.
 */
const idleSocketMs = 4000;
const agents = {
  'http:': new HttpAgent({ keepAlive: true, timeout: idleSocketMs }),
  'https:': new HttpsAgent({ keepAlive: true, timeout: idleSocketMs }),
};
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

export async function nodeFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = typeof input === 'string' ? safeUrl(input) : input instanceof URL ? input : undefined;
  const body = init.body;
  const simpleBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || !simpleBody) return fetch(input, init);
  const signal = init.signal ?? undefined;
  signal?.throwIfAborted();
  const response = await send(url, init, body ?? undefined, signal);
  if (redirectStatuses.has(response.statusCode ?? 0) && init.redirect !== 'manual' && response.headers.location !== undefined) {
    response.destroy();
    return fetch(input, init);
  }
  return toResponse(response, init.method?.toUpperCase() === 'HEAD', signal);
}

function send(url: URL, init: RequestInit, body: string | Uint8Array | undefined, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  const protocol = url.protocol as 'http:' | 'https:';
  return new Promise((resolve, reject) => {
    const outgoing = (protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: init.method?.toUpperCase() ?? 'GET',
      headers,
      agent: agents[protocol],
    });
    const onAbort = (): void => {
      outgoing.destroy();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.once('response', (response) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(response);
    });
    outgoing.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new TypeError('fetch failed', { cause: error }));
    });
    outgoing.end(body);
  });
}

function toResponse(incoming: IncomingMessage, head: boolean, signal: AbortSignal | undefined): Response {
  const status = incoming.statusCode ?? 0;
  const headers = new Headers();
  for (let index = 0; index + 1 < incoming.rawHeaders.length; index += 2) headers.append(incoming.rawHeaders[index]!, incoming.rawHeaders[index + 1]!);
  const init = { status, statusText: incoming.statusMessage ?? '', headers };
  if (head || nullBodyStatuses.has(status)) {
    incoming.resume();
    return new Response(null, init);
  }
  const decoded = decode(incoming);
  let finished = false;
  let wake: (() => boolean) | undefined;
  // Pulled, not pushed: a read takes what the socket has already delivered, at once, as the built-in fetch
  // does; pushing every chunk as it arrives would hand the reader its first one only after the whole burst.
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const settle = (error?: unknown): void => {
          if (finished) return;
          finished = true;
          signal?.removeEventListener('abort', onAbort);
          if (error === undefined) controller.close();
          else {
            controller.error(signal?.aborted ? signal.reason : new TypeError('terminated', { cause: error }));
            incoming.destroy();
          }
          wake?.();
        };
        const onAbort = (): void => settle(signal?.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        decoded.on('readable', () => wake?.());
        decoded.once('end', () => settle());
        decoded.on('error', settle);
        // A connection cut before the body is complete: `end` never comes, and node:http may say so only here.
        incoming.once('aborted', () => settle(Object.assign(new Error('other side closed'), { code: 'ECONNRESET' })));
        if (decoded !== incoming) incoming.on('error', settle);
      },
      pull(controller) {
        // Resolves once a chunk is enqueued (or the body ended or failed); until then each `readable` tries again.
        return new Promise<void>((resolve) => {
          const attempt = (): boolean => {
            if (!finished) {
              const chunk = decoded.read() as Buffer | null;
              if (chunk === null) return false;
              controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            }
            wake = undefined;
            resolve();
            return true;
          };
          if (!attempt()) wake = attempt;
        });
      },
      cancel() {
        finished = true;
        incoming.destroy();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(stream, init);
}

/** The built-in fetch undoes gzip, deflate and brotli; so does this, should a server compress. */
function decode(incoming: IncomingMessage): NodeJS.ReadableStream & { read(): Buffer | null } {
  const encoding = String(incoming.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  return decoder === undefined ? incoming : incoming.pipe(decoder);
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
