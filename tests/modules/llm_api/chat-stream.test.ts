import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatStreamEvent } from '../../../src/modules/llm_api/chat-stream.js';
import { startFakeGemini } from '../../helpers/fake-gemini.js';
import { startFakeOpenAi, type FakeServer } from '../../helpers/fake-openai.js';
import { capturingLogger, collect, failure, tempRoot } from '../../llm/llm-test-kit.js';
import { llmApiRegistry } from './llm-api-kit.js';

let fixture: Awaited<ReturnType<typeof tempRoot>>;
let openai: FakeServer;
let gemini: FakeServer;
const hi = [{ role: 'user', content: 'Hi' }];
const key = 'sk-stream-secret-77';

const test = suite('modules/llm_api/chat_stream');

test.before(async () => {
  [openai, gemini] = await Promise.all([startFakeOpenAi(), startFakeGemini()]);
  fixture = await tempRoot({
    'data/llm_configs/mock.json': {
      provider: 'mock',
      mock: { text: 'Streamed reply', chunk_size: 6 },
      pricing: { input_per_million: 1, output_per_million: 1 },
    },
    'data/llm_configs/keyed.json': {
      provider: 'openai_compatible',
      base_url: 'http://127.0.0.1:9/v1',
      model: 'x',
      api_key: '${STREAM_TEST_KEY}',
    },
    'data/llm_configs/openai_fake.json': { provider: 'openai_compatible', base_url: openai.baseUrl, model: 'gpt-test', api_key: key },
    'data/outside.json': { provider: 'mock' },
  });
});
test.before.each(() => {
  openai.reset();
  gemini.reset();
});
test.after(async () => {
  await Promise.all([openai.close(), gemini.close(), fixture.remove()]);
});

const stream = (input: unknown, registry = llmApiRegistry(fixture.root)) =>
  registry.stream<ChatStreamEvent>('modules/llm_api/chat_stream', input);

/** The events with their timings replaced by 0, so whole lists can be compared. */
function untimed(events: ChatStreamEvent[]): ChatStreamEvent[] {
  return events.map((event) => {
    if (event.type !== 'end') return event;
    assert.type(event.response_time, 'number');
    return { ...event, response_time: 0, ...(event.ttft === undefined ? {} : { ttft: 0 }) };
  });
}

test('a mock reply: start, chunks, one finish, usage with cost, end', async () => {
  assert.equal(untimed(await collect(stream({ messages: hi }))), [
    { type: 'start', provider: 'mock', model: 'mock' },
    { type: 'chunk', content: 'Stream' },
    { type: 'chunk', content: 'ed rep' },
    { type: 'chunk', content: 'ly' },
    { type: 'finish', finish_reason: 'stop' },
    { type: 'usage', usage: { prompt_tokens: 1, completion_tokens: 4, total_tokens: 5 }, cost: 0.000005 },
    { type: 'end', model_used: 'mock', response_time: 0, ttft: 0 },
  ]);
});

test('through the OpenAI SDK: the reported model is model_used', async () => {
  openai.defaultReply = { chunks: ['Hi', ' there'], model: 'gpt-test-0613' };
  assert.equal(untimed(await collect(stream({ messages: hi, config_file: 'data/llm_configs/openai_fake.json' }))), [
    { type: 'start', provider: 'openai_compatible', model: 'gpt-test' },
    { type: 'chunk', content: 'Hi' },
    { type: 'chunk', content: ' there' },
    { type: 'finish', finish_reason: 'stop' },
    { type: 'usage', usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } },
    { type: 'end', model_used: 'gpt-test-0613', response_time: 0, ttft: 0 },
  ]);
});

test('through the Gemini SDK', async () => {
  gemini.defaultReply = { chunks: ['Bon', 'jour'], finishReason: 'MAX_TOKENS', usage: null };
  const config = { provider: 'gemini', base_url: gemini.baseUrl, model: 'gemini-test', api_key: 'gm-k' };
  assert.equal(untimed(await collect(stream({ messages: hi, config }))), [
    { type: 'start', provider: 'gemini', model: 'gemini-test' },
    { type: 'chunk', content: 'Bon' },
    { type: 'chunk', content: 'jour' },
    { type: 'finish', finish_reason: 'length' },
    { type: 'end', model_used: 'gemini-test', response_time: 0, ttft: 0 },
  ]);
});

test('a failure mid-stream comes after the chunks already sent, then end; nothing is thrown', async () => {
  openai.defaultReply = { chunks: ['partial ', 'text ', 'lost'], dropAfterChunks: 2 };
  const events = untimed(await collect(stream({ messages: hi, config_file: 'data/llm_configs/openai_fake.json' })));
  const error = events.find((event) => event.type === 'error');
  assert.equal(events, [
    { type: 'start', provider: 'openai_compatible', model: 'gpt-test' },
    { type: 'chunk', content: 'partial ' },
    { type: 'chunk', content: 'text ' },
    { type: 'finish', finish_reason: 'error' },
    { type: 'error', code: 'UPSTREAM_FAILED', message: error?.type === 'error' ? error.message : '' },
    { type: 'end', model_used: 'gpt-test', response_time: 0, ttft: 0 },
  ]);
  assert.match(error?.type === 'error' ? error.message : '', /^the connection to openai_compatible was lost mid-reply/);
});

test('an upstream rejection after start is an error event, and the key is in no event and no log line', async () => {
  openai.defaultReply = { status: 401 };
  const logger = capturingLogger();
  const events = untimed(
    await collect(stream({ messages: hi, config_file: 'data/llm_configs/openai_fake.json' }, llmApiRegistry(fixture.root, {}, logger))),
  );
  assert.equal(events, [
    { type: 'start', provider: 'openai_compatible', model: 'gpt-test' },
    { type: 'finish', finish_reason: 'error' },
    {
      type: 'error',
      code: 'UPSTREAM_FAILED',
      message:
        'the API key was rejected by openai_compatible (config data/llm_configs/openai_fake.json): 401 Incorrect API key provided: ***.',
    },
    { type: 'end', model_used: 'gpt-test', response_time: 0 },
  ]);
  assert.not.match(JSON.stringify(events) + logger.lines.join('\n'), key);
});

test('config problems are thrown before the first event', async () => {
  const firstFailure = async (input: Record<string, unknown>) => {
    const iterator = stream({ messages: hi, ...input })[Symbol.asyncIterator]();
    const error = await failure(iterator.next());
    return error.code;
  };
  assert.is(await firstFailure({ config_file: 'data/llm_configs/keyed.json' }), 'BAD_INPUT');
  assert.is(await firstFailure({ config_file: 'data/outside.json' }), 'FORBIDDEN');
  assert.is(await firstFailure({ config: { provider: 'nope' } }), 'BAD_INPUT');
  assert.is(await firstFailure({ config: { provider: 'openai' } }), 'BAD_INPUT');
  assert.is(await firstFailure({ messages: [] }), 'BAD_INPUT');
});

test('a consumer that leaves closes the upstream request', async () => {
  openai.defaultReply = { chunks: ['one', 'two', 'three'], chunkDelayMs: 300 };
  for await (const event of stream({ messages: hi, config_file: 'data/llm_configs/openai_fake.json' })) {
    if (event.type === 'chunk') break;
  }
  const request = openai.requests[0];
  const outcome = await Promise.race([request?.done.then(() => 'closed'), sleep(5000, undefined, { ref: false }).then(() => 'open')]);
  assert.is(outcome, 'closed');
  assert.ok(request?.clientClosed);
});

test('the request leaves before start is read on: the provider works while the caller sets up', async () => {
  openai.defaultReply = { chunks: ['Early'] };
  const iterator = stream({ messages: hi, config_file: 'data/llm_configs/openai_fake.json' })[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.value, { type: 'start', provider: 'openai_compatible', model: 'gpt-test' });
  // Nothing more is read from the stream, yet the provider receives the request.
  const deadline = Date.now() + 5000;
  while (openai.requests.length === 0 && Date.now() < deadline) await sleep(5);
  assert.equal((openai.requests[0]?.body as { messages?: unknown } | undefined)?.messages, hi);
  assert.equal(untimed(await collect({ [Symbol.asyncIterator]: () => iterator })), [
    { type: 'chunk', content: 'Early' },
    { type: 'finish', finish_reason: 'stop' },
    { type: 'usage', usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } },
    { type: 'end', model_used: 'gpt-test', response_time: 0, ttft: 0 },
  ]);
});

test('a consumer that leaves right after start closes the request already on its way', async () => {
  openai.defaultReply = { chunks: ['never read'], headersDelayMs: 300 };
  const iterator = stream({ messages: hi, config_file: 'data/llm_configs/openai_fake.json' })[Symbol.asyncIterator]();
  assert.is((await iterator.next()).value?.type, 'start');
  while (openai.requests.length === 0) await sleep(5);
  assert.equal(await iterator.return?.(), { done: true, value: undefined });
  const request = openai.requests[0];
  const outcome = await Promise.race([request?.done.then(() => 'closed'), sleep(5000, undefined, { ref: false }).then(() => 'open')]);
  assert.is(outcome, 'closed');
  assert.ok(request?.clientClosed);
});

test.run();
