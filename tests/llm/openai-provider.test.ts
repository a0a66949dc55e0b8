import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmService } from '../../src/llm/llm-service.js';
import type { ProviderEvent } from '../../src/llm/provider.js';
import { retryTiming } from '../../src/llm/transport/upstream-failure.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { capturingLogger, collect, collectUntilFailure, failure, neverAborted, userSaysHi, type CapturingLogger } from './llm-test-kit.js';

const key = 'sk-test-key-0001';
let server: FakeServer;
let logger: CapturingLogger;

function provider(extra: Record<string, unknown> = {}) {
  const llm = createLlmService({ root: process.cwd(), logger, env: {} });
  return llm.provider(
    llm.inlineConfig({ provider: 'openai_compatible', base_url: server.baseUrl, model: 'gpt-test', api_key: key, ...extra }),
  );
}

const stream = (extra: Record<string, unknown> = {}, signal = neverAborted) => provider(extra).stream(userSaysHi, { signal });

const usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };

const test = suite('openai provider');

test.before(async () => {
  server = await startFakeOpenAi();
  retryTiming.baseDelayMs = 20;
});
test.before.each(() => {
  server.reset();
  logger = capturingLogger();
});
test.after(() => server.close());

test('streams text, one finish and the usage from the final chunk', async () => {
  server.defaultReply = { chunks: ['Hel', 'lo', '!'] };
  assert.equal(await collect(stream()), [
    { type: 'model', model: 'gpt-test' },
    { type: 'text', text: 'Hel' },
    { type: 'text', text: 'lo' },
    { type: 'text', text: '!' },
    { type: 'finish', reason: 'stop' },
    { type: 'usage', usage },
  ] satisfies ProviderEvent[]);
});

test('the streamed request asks for usage and carries the sampling fields and custom_params', async () => {
  await collect(
    stream({
      temperature: 0.3,
      max_tokens: 50,
      top_p: 0.9,
      custom_params: { seed: 7, top_p: 0.5, stream_options: { extra: 1 }, stream: false },
    }),
  );
  assert.equal(server.requests[0]?.body, {
    model: 'gpt-test',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
    temperature: 0.3,
    max_tokens: 50,
    top_p: 0.5,
    stream_options: { include_usage: true, extra: 1 },
    seed: 7,
  });
  assert.is(server.requests[0]?.headers.authorization, `Bearer ${key}`);
});

test('a null in custom_params removes the field from the request', async () => {
  await collect(stream({ max_tokens: 50, custom_params: { max_tokens: null, max_completion_tokens: 50 } }));
  const body = server.requests[0]?.body as Record<string, unknown>;
  assert.is(body['max_tokens'], undefined);
  assert.is(body['max_completion_tokens'], 50);
});

test('a keyless local server gets no Authorization header', async () => {
  await collect(stream({ api_key: null }));
  assert.is(server.requests[0]?.headers.authorization, undefined);
});

test('finish reasons are normalised and the reported model kept', async () => {
  server.enqueue(
    { chunks: ['a'], finishReason: 'length', model: 'gpt-test-2024' },
    { chunks: ['b'], finishReason: 'content_filter' },
    { chunks: ['c'], finishReason: 'eos' },
  );
  const first = await collect(stream());
  assert.equal(first.slice(0, 3), [
    { type: 'model', model: 'gpt-test-2024' },
    { type: 'text', text: 'a' },
    { type: 'finish', reason: 'length' },
  ]);
  assert.equal(
    (await collect(stream())).find((event) => event.type === 'finish'),
    { type: 'finish', reason: 'content_filter' },
  );
  assert.equal(
    (await collect(stream())).find((event) => event.type === 'finish'),
    { type: 'finish', reason: 'stop' },
  );
});

test('no usage reported: no usage event', async () => {
  server.defaultReply = { chunks: ['x'], usage: null };
  assert.equal(
    (await collect(stream())).map((event) => event.type),
    ['model', 'text', 'finish'],
  );
});

test('complete() returns the whole answer', async () => {
  server.defaultReply = { text: 'All at once', finishReason: 'length', usage: { prompt: 4, completion: 3 } };
  const completion = await provider({ temperature: 1, custom_params: { user: 'u1' } }).complete(userSaysHi, { signal: neverAborted });
  assert.equal(completion, {
    content: 'All at once',
    reasoning: '',
    reasoning_blocks: [],
    tool_calls: [],
    usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 },
    finish_reason: 'length',
    model: 'gpt-test',
  });
  assert.equal(server.requests[0]?.body, {
    model: 'gpt-test',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: false,
    temperature: 1,
    user: 'u1',
  });
});

test('401: the key was rejected, and the key never appears in the error or the logs', async () => {
  server.defaultReply = { status: 401 };
  const { error } = await collectUntilFailure(stream());
  assert.is(error.code, 'UPSTREAM_FAILED');
  assert.is(error.message, 'the API key was rejected by openai_compatible (inline config): 401 Incorrect API key provided: ***.');
  assert.equal(error.details, { provider: 'openai_compatible', status: 401 });
  assert.is(server.requests.length, 1);
  assert.not.match(JSON.stringify({ error, details: error.details, lines: logger.lines }), key);
});

test('429 is RATE_LIMITED, retried before the first token, honouring Retry-After', async () => {
  server.enqueue({ status: 429, headers: { 'retry-after': '0' } });
  server.defaultReply = { chunks: ['ok'] };
  const events = await collect(stream());
  assert.equal(events[1], { type: 'text', text: 'ok' });
  assert.is(server.requests.length, 2);
  server.reset();
  server.defaultReply = { status: 429, headers: { 'retry-after': '0' } };
  const error = await failure(collect(stream()));
  assert.is(error.code, 'RATE_LIMITED');
  assert.is(
    error.message,
    'openai_compatible is rate-limiting requests (inline config): 429 Rate limit reached for requests; it asks to wait 0 s (after 2 retries)',
  );
  assert.is(server.requests.length, 3);
});

test('a Retry-After longer than the cap is not waited out: RATE_LIMITED at once, saying how long', async () => {
  server.defaultReply = { status: 429, headers: { 'retry-after': '120' } };
  const error = await failure(collect(stream()));
  assert.is(error.code, 'RATE_LIMITED');
  assert.equal(error.details, { provider: 'openai_compatible', status: 429, retry_after: 120 });
  assert.is(server.requests.length, 1);
});

test('5xx is retried with backoff, then UPSTREAM_FAILED with the status and the message', async () => {
  server.defaultReply = { status: 503, errorMessage: 'overloaded, try later' };
  const error = await failure(collect(stream({ max_retries: 1 })));
  assert.is(error.code, 'UPSTREAM_FAILED');
  assert.is(error.message, 'openai_compatible answered 503 (inline config): overloaded, try later (after 1 retry)');
  assert.is(server.requests.length, 2);
});

test('4xx other than 401/403/429 is not retried', async () => {
  server.defaultReply = { status: 400, errorMessage: 'bad model' };
  const error = await failure(collect(stream()));
  assert.is(error.message, 'openai_compatible answered 400 (inline config): bad model');
  assert.is(server.requests.length, 1);
});

test('a non-JSON error body is quoted, cut short', async () => {
  server.defaultReply = { status: 502, rawBody: `<html>${'x'.repeat(2000)}</html>` };
  const error = await failure(collect(stream({ max_retries: 0 })));
  assert.match(error.message, /^openai_compatible answered 502 \(inline config\): <html>x+…$/);
  assert.ok(error.message.length < 600);
});

test('a connection dropped before the first token is retried', async () => {
  server.enqueue({ dropAfterChunks: 0 });
  server.defaultReply = { chunks: ['fine'] };
  assert.equal(
    (await collect(stream())).map((event) => event.type),
    ['model', 'text', 'finish', 'usage'],
  );
  assert.is(server.requests.length, 2);
});

test('a connection dropped mid-reply keeps the partial text and is not retried', async () => {
  server.defaultReply = { chunks: ['one ', 'two ', 'three'], dropAfterChunks: 2 };
  const { events, error } = await collectUntilFailure(stream());
  assert.equal(events, [
    { type: 'model', model: 'gpt-test' },
    { type: 'text', text: 'one ' },
    { type: 'text', text: 'two ' },
  ]);
  assert.is(error.code, 'UPSTREAM_FAILED');
  assert.match(error.message, /^the connection to openai_compatible was lost mid-reply \(inline config\): /);
  assert.is(server.requests.length, 1);
});

test('a malformed SSE frame is UPSTREAM_FAILED after the chunks before it', async () => {
  server.defaultReply = { chunks: ['a', 'b'], malformedAfterChunks: 1 };
  const { events, error } = await collectUntilFailure(stream());
  assert.equal(
    events.map((event) => event.type),
    ['model', 'text'],
  );
  assert.match(error.message, 'openai_compatible sent a response that could not be read (inline config)');
});

test('a non-JSON 200 answer to complete() is UPSTREAM_FAILED', async () => {
  server.defaultReply = { rawBody: 'I am not an API' };
  const error = await failure(provider().complete(userSaysHi, { signal: neverAborted }));
  assert.is(error.code, 'UPSTREAM_FAILED');
  assert.match(error.message, 'openai_compatible sent a response that could not be read (inline config)');
});

test('an unreachable server is UPSTREAM_FAILED naming the provider', async () => {
  const error = await failure(collect(stream({ base_url: 'http://127.0.0.1:9/v1' })));
  assert.is(error.code, 'UPSTREAM_FAILED');
  assert.match(error.message, 'could not connect to openai_compatible (inline config)');
});

test.run();
