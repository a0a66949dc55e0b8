/**
 * @module The engine under the fake provider servers (fake-openai.ts, fake-gemini.ts, fake-anthropic.ts): a node:http server on
 * 127.0.0.1, a port the system picks, that records every request and plays a scripted reply: latency, time
 * to first chunk, delays between chunks, a hang (before the headers, before or between chunks), a dropped
 * connection mid-stream, a malformed SSE frame, an error status with Retry-After, a non-JSON body.
 *
 * Usage (through a vendor module):
 *   const server = await startFakeOpenAi();             // or startFakeGemini()
 *   server.defaultReply = { text: 'Hi there', chunkCount: 2 };
 *   server.enqueue({ status: 429, headers: { 'retry-after': '0' } });   // the next request only
 *   ... point a config's base_url at server.baseUrl ...
 *   server.requests[0].body, .headers, .url; await server.requests[0].done; .clientClosed
 *   await server.close();
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeReply {
  /** HTTP status (default 200). 4xx/5xx answer the vendor's error JSON, or `rawBody`. */
  status?: number;
  /** Extra response headers, e.g. `{ 'retry-after': '1' }`. */
  headers?: Record<string, string>;
  /** Sent as the whole body instead of the vendor's (a non-JSON body, a hand-made error). */
  rawBody?: string;
  /** The error message in the vendor's error JSON. */
  errorMessage?: string;
  /** The reply text as explicit pieces, one per streamed chunk. Wins over `text`/`chunkCount`. */
  chunks?: string[];
  /** The reply text (default `Hello from the fake server.`), split into `chunkCount` pieces (default 3). */
  text?: string;
  chunkCount?: number;
  /** Reasoning pieces streamed before the text, one per chunk (DeepSeek reasoning_content, Gemini thought parts). */
  reasoningChunks?: string[];
  /** Anthropic wire: a redacted_thinking block with this data, before any thinking. */
  redactedThinking?: string;
  /** OpenAI wire: the delta field the reasoning travels in (default `reasoning_content`, DeepSeek's). */
  reasoningField?: 'reasoning_content' | 'reasoning';
  /** The vendor's own finish reason (default `stop` / `STOP`). */
  finishReason?: string;
  /** Reported usage (default 12 prompt, 5 completion); null reports none. `reasoning` is part of `completion`. */
  usage?: { prompt: number; completion: number; reasoning?: number; cacheRead?: number; cacheWrite?: number } | null;
  /** The model named in the answer (default: the one asked for). */
  model?: string;
  /** Milliseconds before the status line and headers; Infinity hangs until the client gives up. */
  headersDelayMs?: number;
  /** Milliseconds after the headers before the first chunk. */
  firstChunkDelayMs?: number;
  /** Milliseconds before each later chunk. */
  chunkDelayMs?: number;
  /** After this many text chunks, send nothing more and keep the connection open (0: before the first). */
  hangAfterChunks?: number;
  /** After this many text chunks, destroy the connection. */
  dropAfterChunks?: number;
  /** After this many text chunks, send a frame whose data is not JSON. */
  malformedAfterChunks?: number;
  /** Anthropic wire: after this many text chunks, send an `error` event (overloaded_error) and end the stream. */
  errorEventAfterChunks?: number;
  /**
   * Tool calls the model makes after its text, in each vendor's form (then the text defaults to none, and the
   * finish reason to the vendor's tool-call one: `tool_calls`, `tool_use`, Gemini's `STOP`). Each call's
   * argument fragments count as text chunks for the *AfterChunks options.
   */
  toolCalls?: FakeToolCall[];
  /** OpenAI wire: stream the calls' fragments round-robin (call 0, call 1, call 0, ...) instead of one call after the other. */
  interleaveToolCalls?: boolean;
}

export interface FakeToolCall {
  /** Default: `call_fake_<n>` (OpenAI), `toolu_fake_<n>` (Anthropic); Gemini sends none unless given. */
  id?: string;
  name: string;
  /** The arguments as the model writes them: JSON text, possibly broken (Gemini: must be an object's JSON). */
  arguments: string;
  /** The arguments in these streamed pieces instead of one (OpenAI `delta.tool_calls`, Anthropic `input_json_delta`). */
  pieces?: string[];
  /** Gemini: the `thoughtSignature` on this functionCall part. */
  thoughtSignature?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body as parsed JSON, or the text when it is not JSON. */
  body: unknown;
  /** The client closed the connection before the reply was complete. */
  clientClosed: boolean;
  /** Resolves when the exchange is over: reply sent, dropped by the server, or closed by the client. */
  done: Promise<void>;
}

export interface FakeServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** What a config's base_url should be (the origin plus the vendor's version path). */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** The reply for any request without a queued one. */
  defaultReply: FakeReply;
  /** Replies for the next requests, in order. */
  enqueue(...replies: FakeReply[]): void;
  /** Forgets requests and queued replies; the default reply becomes `{}`. */
  reset(): void;
  close(): Promise<void>;
}

/** One SSE frame's data; `text` frames are the ones counted by the *AfterChunks options. */
export interface Frame {
  data: string;
  text: boolean;
  /** The SSE `event:` name (Anthropic names every event); none for OpenAI and Gemini. */
  event?: string;
}

/** What a vendor module supplies: how to answer one request with one reply. */
export interface Vendor {
  versionPath: string;
  /** null: 404 for an unknown route. */
  route(request: RecordedRequest): { stream: boolean } | null;
  errorBody(status: number, reply: FakeReply, request: RecordedRequest): string;
  /** A request the real API refuses whatever the script says (e.g. a field a model rejects): its status and message. */
  reject?(request: RecordedRequest): { status: number; message: string } | undefined;
  json(reply: FakeReply, request: RecordedRequest): unknown;
  frames(reply: FakeReply, request: RecordedRequest): Frame[];
  /** Frame separator: `\n\n` (OpenAI) or `\r\n\r\n` (Gemini). */
  separator: string;
}

export async function startFakeServer(vendor: Vendor): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let queue: FakeReply[] = [];
  const state = { defaultReply: {} as FakeReply };
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      response.destroy(error as Error);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let closeExchange = (): void => undefined;
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers: request.headers,
      body: parseBody(text),
      clientClosed: false,
      done: new Promise<void>((resolve) => (closeExchange = resolve)),
    };
    requests.push(recorded);
    let droppedByServer = false;
    response.on('close', () => {
      if (!response.writableFinished && !droppedByServer) recorded.clientClosed = true;
      closeExchange();
    });
    const reply = queue.shift() ?? state.defaultReply;
    const route = vendor.route(recorded);
    if (!(await pause(reply.headersDelayMs ?? 0, response))) return;
    if (route === null) {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end(vendor.errorBody(404, { errorMessage: `no route ${recorded.url}` }, recorded));
      return;
    }
    const rejection = vendor.reject?.(recorded);
    if (rejection !== undefined) {
      response
        .writeHead(rejection.status, { 'content-type': 'application/json' })
        .end(vendor.errorBody(rejection.status, { errorMessage: rejection.message }, recorded));
      return;
    }
    const status = reply.status ?? 200;
    if (reply.rawBody !== undefined || status >= 400) {
      const type = reply.rawBody === undefined ? 'application/json' : 'text/plain';
      response.writeHead(status, { 'content-type': type, ...reply.headers });
      response.end(reply.rawBody ?? vendor.errorBody(status, reply, recorded));
      return;
    }
    if (!route.stream) {
      response.writeHead(200, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(vendor.json(reply, recorded)));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
    response.flushHeaders();
    let sentText = 0;
    let malformedSent = false;
    for (const frame of vendor.frames(reply, recorded)) {
      if (reply.hangAfterChunks === sentText) return void (await pause(Infinity, response));
      if (reply.dropAfterChunks === sentText) {
        droppedByServer = true;
        response.socket?.destroy();
        return;
      }
      if (reply.malformedAfterChunks === sentText && !malformedSent) {
        malformedSent = true;
        await send(response, `data: {"not json${vendor.separator}`);
      }
      const wait = sentText === 0 ? (reply.firstChunkDelayMs ?? 0) : (reply.chunkDelayMs ?? 0);
      if (frame.text && !(await pause(wait, response))) return;
      await send(response, `${frame.event === undefined ? '' : `event: ${frame.event}\n`}data: ${frame.data}${vendor.separator}`);
      if (frame.text) sentText++;
    }
    response.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    baseUrl: origin + vendor.versionPath,
    requests,
    get defaultReply() {
      return state.defaultReply;
    },
    set defaultReply(reply: FakeReply) {
      state.defaultReply = reply;
    },
    enqueue: (...replies) => void queue.push(...replies),
    reset() {
      requests.length = 0;
      queue = [];
      state.defaultReply = {};
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes and waits until the data has left, so a drop right after it cannot swallow it. */
function send(response: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (response.destroyed) return resolve();
    response.write(text, () => resolve());
  });
}

/** Waits `ms` (Infinity: until the client leaves); false when the client left first. */
function pause(ms: number, response: ServerResponse): Promise<boolean> {
  if (response.destroyed) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(() => finish(true), ms) : undefined;
    const onClose = (): void => finish(false);
    const finish = (value: boolean): void => {
      clearTimeout(timer);
      response.off('close', onClose);
      resolve(value);
    };
    response.on('close', onClose);
  });
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A tool call's argument pieces: `pieces`, or the whole text as one. */
export function argumentPieces(call: FakeToolCall): string[] {
  return call.pieces ?? [call.arguments];
}

/** The reply's text pieces (none by default when it calls tools): `chunks`, or `text` cut into `chunkCount` nearly equal pieces. */
export function replyPieces(reply: FakeReply): string[] {
  if (reply.chunks) return reply.chunks;
  if (reply.text === undefined && (reply.toolCalls?.length ?? 0) > 0) return [];
  const characters = Array.from(reply.text ?? 'Hello from the fake server.');
  const count = Math.max(1, Math.min(reply.chunkCount ?? 3, characters.length));
  const size = Math.ceil(characters.length / count);
  const pieces: string[] = [];
  for (let start = 0; start < characters.length; start += size) pieces.push(characters.slice(start, start + size).join(''));
  return pieces;
}

export function replyUsage(reply: FakeReply): NonNullable<FakeReply['usage']> | null {
  return reply.usage === undefined ? { prompt: 12, completion: 5 } : reply.usage;
}
