/**
 * @module The benchmark's fake LLM provider, run as its own process (`node --import tsx bench/fake-provider.ts`):
 * OpenAI chat completions (`POST <base>/v1/chat/completions`, JSON or SSE), Gemini (`POST
 * <base>/v1beta/models/<model>:streamGenerateContent?alt=sse`, or `:generateContent`) and Anthropic Messages
 * (`POST <base>/v1/messages`, JSON or SSE with named events), with the reply's pacing
 * taken from the URL (reply-profile.ts). Built for speed, not for fault injection (tests/helpers has that):
 * frames are plain template strings and pacing is one timer per stream. It reports its own CPU and event-loop
 * delay over IPC, so a run can tell when the fake, not the engine, was the bottleneck.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, serveControl } from './ipc.js';
import { chunkText, holdTailMs, parseProfile, seededRandom, type ReplyProfile } from './reply-profile.js';

interface Dialect {
  separator: string;
  /** Frames carry their own `event:` line (Anthropic): sent as they are, without a `data: ` prefix. */
  named?: boolean;
  /** SSE frames before the text (OpenAI's role delta). */
  opening(model: string): string[];
  text(model: string, text: string, last: boolean): string;
  /** Frames after the text (finish, usage, [DONE]); Gemini's finish rides on its last text frame. */
  closing(model: string, includeUsage: boolean): string[];
  json(model: string, text: string): unknown;
}

const usage = { prompt_tokens: 12, completion_tokens: 64, total_tokens: 76 };

const openAi: Dialect = {
  separator: '\n\n',
  opening: (model) => [openAiChunk(model, '{"role":"assistant","content":null}', 'null')],
  text: (model, text) => openAiChunk(model, `{"content":${JSON.stringify(text)}}`, 'null'),
  closing: (model, includeUsage) => [
    openAiChunk(model, '{}', '"stop"'),
    ...(includeUsage
      ? [
          `{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":${JSON.stringify(model)},"choices":[],"usage":${JSON.stringify(usage)}}`,
        ]
      : []),
    '[DONE]',
  ],
  json: (model, text) => ({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage,
  }),
};

const gemini: Dialect = {
  separator: '\r\n\r\n',
  opening: () => [],
  text: (model, text, last) =>
    `{"candidates":[{"content":{"parts":[{"text":${JSON.stringify(text)}}],"role":"model"},${last ? '"finishReason":"STOP",' : ''}"index":0}],` +
    `"usageMetadata":{"promptTokenCount":12${last ? ',"candidatesTokenCount":64,"totalTokenCount":76' : ',"totalTokenCount":12'}},` +
    `"modelVersion":${JSON.stringify(model)},"responseId":"bench"}`,
  closing: () => [],
  json: (model, text) => ({
    candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 64, totalTokenCount: 76 },
    modelVersion: model,
    responseId: 'bench',
  }),
};

/** Anthropic Messages: named SSE events, the text in one content block, usage split over start and delta. */
const anthropic: Dialect = {
  separator: '\n\n',
  named: true,
  opening: (model) => [
    anthropicEvent(
      'message_start',
      `{"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","model":${JSON.stringify(model)},"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}`,
    ),
    anthropicEvent('content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'),
  ],
  text: (_model, text) =>
    anthropicEvent(
      'content_block_delta',
      `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}`,
    ),
  closing: () => [
    anthropicEvent('content_block_stop', '{"type":"content_block_stop","index":0}'),
    anthropicEvent(
      'message_delta',
      '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":64}}',
    ),
    anthropicEvent('message_stop', '{"type":"message_stop"}'),
  ],
  json: (model, text) => ({
    id: 'msg_bench',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 64 },
  }),
};

function anthropicEvent(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}`;
}

function openAiChunk(model: string, delta: string, finish: string): string {
  return `{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":${JSON.stringify(model)},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}`;
}

let requestCount = 0;
/** Streams that sent all their chunks and wait for `release` to finish. */
const held = new Set<() => void>();

const server = createServer((request, response) => {
  void handle(request, response).catch((error: unknown) => response.destroy(error as Error));
});
// Long paced streams and idle keep-alive sockets between trials must not be cut by the server's own timers.
server.keepAliveTimeout = 120_000;
server.requestTimeout = 0;
server.headersTimeout = 60_000;

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const [path = '', query = ''] = (request.url ?? '').split('?');
  const parsed = parseProfile(path);
  const route = parsed && routeOf(parsed.rest, query);
  if (!parsed || !route || request.method !== 'POST') {
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"no such route","code":404}}');
    return;
  }
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
    model?: string;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
  };
  const model = route.model ?? body.model ?? 'bench-model';
  const stream = route.dialect === gemini ? route.stream : body.stream === true;
  const random = seededRandom(++requestCount);
  const { profile } = parsed;
  const gaps = Array.from({ length: profile.chunkCount }, (_, index) =>
    index === 0 ? profile.firstTokenMs : profile.gapMinMs + Math.floor(random() * (profile.gapMaxMs - profile.gapMinMs + 1)),
  );
  const texts = gaps.map((gap, index) => chunkText(index, gap, profile.chunkSize));
  if (!stream) {
    const total = gaps.reduce((sum, gap) => sum + gap, 0) + profile.tailMs;
    const send = (): void =>
      void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(route.dialect.json(model, texts.join(''))));
    if (total > 0) setTimeout(send, total);
    else send();
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  streamReply(response, route.dialect, model, texts, gaps, profile, body.stream_options?.include_usage === true);
}

function routeOf(rest: string, query: string): { dialect: Dialect; stream: boolean; model?: string } | undefined {
  if (rest.endsWith('/chat/completions')) return { dialect: openAi, stream: false };
  if (rest.endsWith('/v1/messages')) return { dialect: anthropic, stream: false };
  const match = /\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(rest);
  if (!match) return undefined;
  const stream = match[2] === 'streamGenerateContent' && new URLSearchParams(query).get('alt') === 'sse';
  return { dialect: gemini, stream, model: match[1]! };
}

function streamReply(
  response: ServerResponse,
  dialect: Dialect,
  model: string,
  texts: string[],
  gaps: number[],
  profile: ReplyProfile,
  includeUsage: boolean,
): void {
  const frame = (data: string): string => (dialect.named ? `${data}${dialect.separator}` : `data: ${data}${dialect.separator}`);
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const finish = (): void => {
    held.delete(finish);
    if (!closed) response.end(dialect.closing(model, includeUsage).map(frame).join(''));
  };
  response.on('close', () => {
    closed = true;
    clearTimeout(timer);
    held.delete(finish);
  });
  // Sends every chunk that is due now, then sleeps until the next one: an instant profile is one write burst.
  const step = (): void => {
    if (closed) return;
    while (next < texts.length) {
      const index = next++;
      const opening = index === 0 ? dialect.opening(model).map(frame).join('') : '';
      response.write(opening + frame(dialect.text(model, texts[index]!, index === texts.length - 1)));
      const wait = gaps[next];
      if (wait !== undefined && wait > 0) {
        timer = setTimeout(step, wait);
        return;
      }
    }
    if (profile.tailMs >= holdTailMs) held.add(finish);
    else if (profile.tailMs > 0) timer = setTimeout(finish, profile.tailMs);
    else finish();
  };
  if (profile.firstTokenMs > 0) timer = setTimeout(step, profile.firstTokenMs);
  else step();
}

serveControl(undefined, () => {
  for (const finish of [...held]) finish();
});
const port = Number(process.env['PORT'] ?? 0);
server.listen(port, '127.0.0.1', () => {
  const address = server.address() as AddressInfo;
  announceReady({ type: 'ready', port: address.port });
  if (process.send === undefined) process.stdout.write(`fake provider on http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
