import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../../src/http/create-app.js';
import { defineStep } from '../../src/registry/define-step.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { frameData, readSse } from '../helpers/sse-client.js';
import { holdStep, recordingLogger, testApp, testRegistry, type HoldState } from './test-steps.js';

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const hold: { latest?: HoldState } = {};
let server: RunningServer;

const sse = suite('SSE over a real server');

sse.before(async () => {
  const { logger } = recordingLogger();
  server = await startServer({ registry: testRegistry([holdStep(hold)]), logger, port: 0, pingIntervalMs: 25 });
});

sse.after(async () => {
  await server.close();
});

sse('each event is one frame with an id and JSON data, and no event line', async () => {
  const reply = await readSse(`${server.url}/api/plugins/test/ticks?count=3`);
  assert.is(reply.status, 200);
  assert.equal(frameData(reply), [
    { type: 'tick', n: 1 },
    { type: 'tick', n: 2 },
    { type: 'tick', n: 3 },
  ]);
  const streamId = reply.frames[0]?.id?.split(':')[0] ?? '';
  assert.match(streamId, new RegExp(`^${uuid}$`));
  assert.equal(
    reply.frames.map((frame) => frame.id),
    [`${streamId}:1`, `${streamId}:2`, `${streamId}:3`],
  );
  assert.ok(reply.frames.every((frame) => frame.event === undefined));
  assert.not.match(reply.text, /^event:/m);
});

sse('the headers say event-stream, no cache, no proxy buffering', async () => {
  const reply = await readSse(`${server.url}/api/plugins/test/ticks?count=1`);
  assert.is(reply.headers.get('content-type'), 'text/event-stream');
  assert.is(reply.headers.get('cache-control'), 'no-cache');
  assert.is(reply.headers.get('x-accel-buffering'), 'no');
});

sse('ids tagged by the step are the frame ids', async () => {
  const reply = await readSse(`${server.url}/api/plugins/test/ticks?count=2&tagged=true`);
  assert.equal(
    reply.frames.map((frame) => frame.id),
    ['gen-1:1', 'gen-1:2'],
  );
  assert.is(reply.lastEventId, 'gen-1:2');
});

sse('a POSTed streaming step answers the same frames', async () => {
  const reply = await readSse(`${server.url}/api/plugins/test/ticks`, { body: { count: 2, tagged: true } });
  assert.equal(reply.frames, [
    { id: 'gen-1:1', data: '{"type":"tick","n":1}' },
    { id: 'gen-1:2', data: '{"type":"tick","n":2}' },
  ]);
});

sse('an idle stream sends ": ping" comments', async () => {
  const reply = await readSse(`${server.url}/api/plugins/test/hold`, { until: (sofar) => sofar.comments.length >= 2 });
  assert.equal(reply.comments, ['ping', 'ping']);
  assert.equal(frameData(reply), [{ type: 'held' }]);
  // Exactly DESIGN §3: `id:` then `data:`, no `event:` line, then the pings.
  assert.match(reply.text, /^id: [^\n]+\ndata: \{"type":"held"\}\n\n: ping\n\n: ping\n\n/);
});

sse('a stream with no events is 204 No Content', async () => {
  const reply = await readSse(`${server.url}/api/plugins/test/ticks?count=0`);
  assert.is(reply.status, 204);
  assert.is(reply.text, '');
});

sse('bad input on a streaming step is a 400 JSON reply, not a stream', async () => {
  const reply = await readSse(`${server.url}/api/plugins/test/ticks?count=many`);
  assert.is(reply.status, 400);
  assert.is(reply.headers.get('content-type'), 'application/json');
  const body = JSON.parse(reply.text) as { success: boolean; error: { code: string; details: { field: string }[] } };
  assert.is(body.error.code, 'BAD_INPUT');
  assert.equal(
    body.error.details.map(({ field }) => field),
    ['/count'],
  );
});

sse('a failure before the first event is a JSON error with its status', async () => {
  const reply = await readSse(`${server.url}/api/plugins/test/missing_conversation`);
  assert.is(reply.status, 404);
  assert.equal(JSON.parse(reply.text), {
    success: false,
    error: { code: 'NOT_FOUND', message: 'no conversation data/conversations/nope/conversation.json' },
  });
});

sse('a failure after the stream opened ends with error and end frames', async () => {
  const reply = await readSse(`${server.url}/api/plugins/test/ticks?count=3&tagged=true&fail_after=1&fail_code=UPSTREAM_FAILED`);
  assert.is(reply.status, 200);
  assert.equal(reply.frames, [
    { id: 'gen-1:1', data: '{"type":"tick","n":1}' },
    { data: '{"type":"error","code":"UPSTREAM_FAILED","message":"tick 2 failed"}' },
    { data: '{"type":"end"}' },
  ]);
  // Frames without an id leave Last-Event-ID on the last real event, where a resume picks up.
  assert.is(reply.lastEventId, 'gen-1:1');
});

sse('an internal failure after the stream opened is masked in the error frame', async () => {
  const reply = await readSse(`${server.url}/api/plugins/test/ticks?count=3&fail_after=2`);
  const requestId = reply.headers.get('x-request-id');
  assert.equal(frameData(reply).slice(2), [
    { type: 'error', code: 'INTERNAL', message: `internal error; see the server log, request ${requestId}` },
    { type: 'end' },
  ]);
});

sse('Last-Event-ID reaches a step that declares last_event_id', async () => {
  const reply = await readSse(`${server.url}/api/plugins/test/ticks?count=1`, { lastEventId: 'gen-1:7' });
  assert.equal(frameData(reply), [{ type: 'tick', n: 1, resumed_from: 'gen-1:7' }]);
});

sse('a client that disconnects aborts the step', async () => {
  const reply = await readSse(`${server.url}/api/plugins/test/hold`, { until: (sofar) => sofar.frames.length === 1 });
  assert.ok(reply.stoppedEarly);
  // `hold` waits up to 5 s; it reports true only if its signal was aborted.
  assert.is(await hold.latest?.aborted, true);
});

sse.run();

const writes = suite('SSE writes');

/** The body as the pieces the server handed to the socket, decoded. */
async function bodyPieces(response: Response): Promise<string[]> {
  const pieces: string[] = [];
  const decoder = new TextDecoder();
  for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) pieces.push(decoder.decode(piece));
  return pieces;
}

writes('events that are ready together go out as one write, whole frames in order, after the two opening ones', async () => {
  const { app } = testApp();
  const response = await app.request('/api/plugins/test/ticks?count=5&tagged=true');
  const frame = (n: number): string => `id: gen-1:${n}\ndata: {"type":"tick","n":${n}}\n\n`;
  assert.equal(await bodyPieces(response), [frame(1), frame(2), frame(3) + frame(4) + frame(5)]);
});

writes('a failure after ready events is in the same write, after them', async () => {
  const { app } = testApp();
  const response = await app.request('/api/plugins/test/ticks?count=4&tagged=true&fail_after=3&fail_code=UPSTREAM_FAILED');
  const frame = (n: number): string => `id: gen-1:${n}\ndata: {"type":"tick","n":${n}}\n\n`;
  assert.equal(await bodyPieces(response), [
    frame(1),
    frame(2),
    frame(3) + 'data: {"type":"error","code":"UPSTREAM_FAILED","message":"tick 4 failed"}\n\ndata: {"type":"end"}\n\n',
  ]);
});

writes('the first token is not held back by a burst that arrives with it: the opening event and the next go out alone', async () => {
  // A completion: `start` is ready at once; the provider's first token and the rest of its burst come together a
  // moment later. Grouping `start` with what follows used to hold the first token until the whole burst was relayed.
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const startThenBurst = defineStep<object, { type: 'tick'; n: number }>({
    path: 'plugins/test/start_then_burst',
    summary: 'One event at once, then a burst of four back to back: start, then a provider whose first token comes with more.',
    input: { type: 'object' },
    events: { type: 'object', properties: { type: { const: 'tick' }, n: { type: 'integer' } }, required: ['type', 'n'] },
    async *stream() {
      yield { type: 'tick' as const, n: 1 };
      await gate;
      for (let n = 2; n <= 5; n++) yield { type: 'tick' as const, n };
    },
  });
  const { logger } = recordingLogger();
  const app = createApp({ registry: testRegistry([startThenBurst]), logger });
  const response = await app.request('/api/plugins/test/start_then_burst');
  // The burst is released before the body is read at all: everything after tick 1 is ready when asked.
  openGate();
  const decoder = new TextDecoder();
  const pieces: number[][] = [];
  for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
    pieces.push([...decoder.decode(piece).matchAll(/"n":(\d)/g)].map((match) => Number(match[1])));
  }
  assert.equal(pieces, [[1], [2], [3, 4, 5]]);
});

writes('an event that had to be waited for goes out alone; the ones ready right after it go out together', async () => {
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const burstAfterPause = defineStep<object, { type: 'tick'; n: number }>({
    path: 'plugins/test/burst_after_pause',
    summary: 'One event at once, one after a pause, then three more at once: a provider that thinks, then streams.',
    input: { type: 'object' },
    events: { type: 'object', properties: { type: { const: 'tick' }, n: { type: 'integer' } }, required: ['type', 'n'] },
    async *stream() {
      yield { type: 'tick' as const, n: 1 };
      await gate;
      for (let n = 2; n <= 5; n++) yield { type: 'tick' as const, n };
    },
  });
  const { logger } = recordingLogger();
  const app = createApp({ registry: testRegistry([burstAfterPause]), logger });
  const reader = (await app.request('/api/plugins/test/burst_after_pause')).body!.getReader();
  const decoder = new TextDecoder();
  const ticksIn = (piece: ReadableStreamReadResult<Uint8Array>): number[] =>
    [...decoder.decode(piece.value).matchAll(/"n":(\d)/g)].map((match) => Number(match[1]));
  const pieces = [ticksIn(await reader.read())];
  // The stream is now waiting for tick 2; it comes, with three more right behind it.
  await new Promise((resolve) => setTimeout(resolve, 10));
  openGate();
  for (let piece = await reader.read(); !piece.done; piece = await reader.read()) pieces.push(ticksIn(piece));
  assert.equal(pieces, [[1], [2], [3, 4, 5]]);
});

writes('an event that has to wait goes out on its own, as soon as it comes', async () => {
  const hold: { latest?: HoldState } = {};
  const { logger } = recordingLogger();
  const app = createApp({ registry: testRegistry([holdStep(hold)]), logger, pingIntervalMs: 60_000 });
  // The client's connection, as Node reports it: its request signal aborts when it goes away.
  const connection = new AbortController();
  const response = await app.request('/api/plugins/test/hold', { signal: connection.signal });
  const reader = response.body!.getReader();
  const first = await reader.read();
  assert.match(new TextDecoder().decode(first.value), /^id: [^\n]+\ndata: \{"type":"held"\}\n\n$/);
  connection.abort();
  await reader.cancel();
  assert.is(await hold.latest?.aborted, true);
});

writes.run();
