/**
 * @module The load generator's HTTP client: node:http (keep-alive, no socket limit) plus eventsource-parser, the
 * same code for every target. Frames are handed to a callback with the time their bytes were read, instead of
 * being kept, so thousands of open streams cost little here. Why not fetch: the client shares a CPU with the
 * fake provider, and fetch's web streams cost about 1.5× the CPU per frame (measured at 1,000 paced streams:
 * 31–39 µs against 21–24 µs per frame, with its event-loop delay p99 near 100 ms against 10–27 ms), which would
 * charge the client's own delay to whatever it measures.
 */
import { createParser } from 'eventsource-parser';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface StreamRequest {
  url: string;
  body: unknown;
  /** Extra request headers (a gateway's routing headers). */
  headers?: Record<string, string>;
  /** Called for every frame, with `performance.now()` at the read that delivered it; true stops reading. */
  onFrame(data: string, id: string | undefined, at: number): boolean | void;
}

export interface StreamTiming {
  startedAt: number;
  headersAt: number;
  endedAt: number;
}

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

let agent = new Agent({ keepAlive: true, maxSockets: Infinity });

/**
 * Drops the idle keep-alive sockets. Called before each measurement window: a socket left idle since the last
 * window may be closed by the server (Node's 5 s keep-alive timeout) just as it is reused, and that race
 * (ECONNRESET before any reply) is the client's doing, not the server's.
 */
export function freshConnections(): void {
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: Infinity });
}

function post(url: string, body: unknown, accept: string, extraHeaders: Record<string, string> = {}): Promise<IncomingMessage> {
  const target = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: 'POST',
        agent,
        headers: { ...extraHeaders, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), accept },
      },
      resolve,
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

async function readText(response: IncomingMessage): Promise<string> {
  response.setEncoding('utf8');
  let text = '';
  for await (const chunk of response) text += chunk as string;
  return text;
}

export async function readStream(request: StreamRequest): Promise<StreamTiming> {
  const startedAt = performance.now();
  const response = await post(request.url, request.body, 'text/event-stream', request.headers);
  const headersAt = performance.now();
  if (response.statusCode !== 200) throw new HttpStatusError(response.statusCode ?? 0, await readText(response));
  let stop = false;
  let at = headersAt;
  const parser = createParser({
    onEvent(message) {
      if (!stop && request.onFrame(message.data, message.id, at) === true) stop = true;
    },
  });
  response.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    response.on('data', (text: string) => {
      at = performance.now();
      parser.feed(text);
      if (stop) {
        response.destroy();
        resolve();
      }
    });
    response.on('end', resolve);
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('the server closed the stream early')));
  });
  return { startedAt, headersAt, endedAt: performance.now() };
}

export async function postJson(
  url: string,
  body: unknown,
  headers?: Record<string, string>,
): Promise<{ value: unknown; startedAt: number; endedAt: number }> {
  const startedAt = performance.now();
  const response = await post(url, body, 'application/json', headers);
  const text = await readText(response);
  const endedAt = performance.now();
  if (response.statusCode !== 200) throw new HttpStatusError(response.statusCode ?? 0, text);
  return { value: JSON.parse(text) as unknown, startedAt, endedAt };
}
