import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { estimateCost } from '../../src/llm/cost.js';
import { createLlmService } from '../../src/llm/llm-service.js';
import type { ChatRequest, ProviderEvent } from '../../src/llm/provider.js';
import { retryTiming } from '../../src/llm/transport/upstream-failure.js';
import { fakeSignature, startFakeAnthropic, type FakeServer } from '../helpers/fake-anthropic.js';
import { capturingLogger, collect, collectUntilFailure, failure, neverAborted, userSaysHi, type CapturingLogger } from './llm-test-kit.js';

const key = 'sk-ant-test-key-0001';
let server: FakeServer;
let logger: CapturingLogger;

function provider(extra: Record<string, unknown> = {}) {
  const llm = createLlmService({ root: process.cwd(), logger, env: {} });
  return llm.provider(llm.inlineConfig({ provider: 'anthropic', base_url: server.baseUrl, model: 'claude-test', api_key: key, ...extra }));
}
const stream = (extra: Record<string, unknown> = {}, request: ChatRequest = userSaysHi) =>
  provider(extra).stream(request, { signal: neverAborted });
const bodyOf = (index = 0) => server.requests[index]?.body as Record<string, unknown>;

const conversation: ChatRequest = {
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'system', content: 'Answer in English.' },
    { role: 'user', content: 'What is 2+2?' },
    { role: 'assistant', content: '4', reasoning: 'Two and two.' },
    { role: 'user', content: 'And 3+3?' },
    { role: 'user', content: 'Quickly.' },
  ],
};

const test = suite('anthropic provider');

test.before(async () => {
  server = await startFakeAnthropic();
  retryTiming.baseDelayMs = 20;
});
test.before.each(() => {
  server.reset();
  logger = capturingLogger();
});
test.after(() => server.close());

test('streams thinking as reasoning (then the whole block with its signature), text, one finish, usage with cache reads and writes', async () => {
  server.defaultReply = {
    reasoningChunks: ['Let me', ' think.'],
    chunks: ['Hel', 'lo'],
    usage: { prompt: 100, completion: 30, cacheRead: 60, cacheWrite: 10 },
  };
  assert.equal(await collect(stream()), [
    { type: 'model', model: 'claude-test' },
    { type: 'reasoning', text: 'Let me' },
    { type: 'reasoning', text: ' think.' },
    { type: 'reasoning_block', block: { type: 'thinking', thinking: 'Let me think.', signature: fakeSignature } },
    { type: 'text', text: 'Hel' },
    { type: 'text', text: 'lo' },
    { type: 'finish', reason: 'stop' },
    {
      type: 'usage',
      usage: { prompt_tokens: 100, completion_tokens: 30, total_tokens: 130, cache_read_tokens: 60, cache_write_tokens: 10 },
    },
  ] satisfies ProviderEvent[]);
});

test('the request: system prompt top-level, turns of one role merged, max_tokens defaulted, no reasoning sent back', async () => {
  await collect(stream({ temperature: 0.5, presence_penalty: 1, custom_params: { top_k: 5, metadata: { user_id: 'u1' } } }, conversation));
  assert.equal(bodyOf(), {
    model: 'claude-test',
    max_tokens: 4096,
    messages: [
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '4' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'And 3+3?' },
          { type: 'text', text: 'Quickly.' },
        ],
      },
    ],
    system: 'You are terse.\n\nAnswer in English.',
    stream: true,
    temperature: 0.5,
    top_k: 5,
    metadata: { user_id: 'u1' },
  });
  const headers = server.requests[0]!.headers;
  // This SDK major sends the key as a bearer token.
  assert.is(headers.authorization, `Bearer ${key}`);
  assert.type(headers['anthropic-version'], 'string');
});

test('thinking.budget_tokens enables extended thinking, with max_tokens room above the budget', async () => {
  await collect(stream({ thinking: { budget_tokens: 2048 } }));
  assert.equal([bodyOf()['thinking'], bodyOf()['max_tokens']], [{ type: 'enabled', budget_tokens: 2048 }, 4096 + 2048]);
  await collect(stream({ max_tokens: 3000, thinking: { budget_tokens: 1024 } }));
  assert.equal([bodyOf(1)['thinking'], bodyOf(1)['max_tokens']], [{ type: 'enabled', budget_tokens: 1024 }, 3000]);
});

test('configs the API would refuse are BAD_INPUT naming the field, and nothing is sent', async () => {
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [{ max_tokens: null }, '/max_tokens', 'anthropic requires max_tokens'],
    [{ custom_params: { max_tokens: null } }, '/custom_params/max_tokens', 'anthropic requires max_tokens'],
    [{ thinking: { budget_tokens: 500 } }, '/thinking/budget_tokens', 'thinking.budget_tokens is 500; Anthropic needs at least 1024'],
    [
      { max_tokens: 2000, thinking: { budget_tokens: 2000 } },
      '/thinking/budget_tokens',
      'thinking.budget_tokens (2000) must be below max_tokens (2000)',
    ],
  ];
  for (const [extra, field, words] of cases) {
    const error = await failure(Promise.resolve().then(() => provider(extra)));
    assert.is(error.code, 'BAD_INPUT');
    assert.match(error.message, 'inline config: ');
    assert.match(error.message, words);
    assert.equal(error.details, { field });
  }
  assert.is(server.requests.length, 0);
});

test('a lone system prompt is sent as the user turn (the API needs one message)', async () => {
  await collect(stream({}, { messages: [{ role: 'system', content: 'Introduce yourself.' }] }));
  assert.equal(bodyOf()['messages'], [{ role: 'user', content: 'Introduce yourself.' }]);
  assert.is(bodyOf()['system'], undefined);
});

test('stop reasons are normalised', async () => {
  const finishOf = async (finishReason: string) => {
    server.defaultReply = { chunks: ['x'], finishReason };
    return (await collect(stream())).find((event) => event.type === 'finish');
  };
  assert.equal(await finishOf('max_tokens'), { type: 'finish', reason: 'length' });
  assert.equal(await finishOf('stop_sequence'), { type: 'finish', reason: 'stop' });
  assert.equal(await finishOf('refusal'), { type: 'finish', reason: 'content_filter' });
  assert.equal(await finishOf('tool_use'), { type: 'finish', reason: 'tool_calls' });
});

test('complete() answers the whole message, thinking apart from the text', async () => {
  server.defaultReply = { reasoningChunks: ['Sum.'], text: 'Four', usage: { prompt: 5, completion: 7 }, model: 'claude-test-001' };
  assert.equal(await provider().complete(userSaysHi, { signal: neverAborted }), {
    content: 'Four',
    reasoning: 'Sum.',
    reasoning_blocks: [{ type: 'thinking', thinking: 'Sum.', signature: fakeSignature }],
    tool_calls: [],
    usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    finish_reason: 'stop',
    model: 'claude-test-001',
  });
  assert.is(bodyOf()['stream'], false);
});

test('an error event mid-reply fails the stream after the text already given; the partial text stands', async () => {
  server.defaultReply = { chunks: ['One', 'Two', 'Three'], errorEventAfterChunks: 2 };
  const { events, error } = await collectUntilFailure(stream());
  assert.equal(
    events.filter((event) => event.type === 'text'),
    [
      { type: 'text', text: 'One' },
      { type: 'text', text: 'Two' },
    ],
  );
  assert.is(error.code, 'UPSTREAM_FAILED');
  assert.is(error.message, 'anthropic answered 529 (inline config): overloaded_error: Overloaded');
  assert.is(server.requests.length, 1);
});

test('an error event before the first token is retried like a 529', async () => {
  server.enqueue({ chunks: ['x'], errorEventAfterChunks: 0 });
  server.defaultReply = { chunks: ['Fine'], usage: null };
  const events = await collect(stream());
  assert.equal(
    events.filter((event) => event.type === 'text'),
    [{ type: 'text', text: 'Fine' }],
  );
  assert.is(server.requests.length, 2);
});

test('401: the key was rejected; the key is in no error and no log line', async () => {
  server.defaultReply = { status: 401, errorMessage: `invalid x-api-key ${key}` };
  const { error } = await collectUntilFailure(stream({ enable_logging: true }));
  assert.is(error.code, 'UPSTREAM_FAILED');
  assert.is(error.message, 'the API key was rejected by anthropic (inline config): 401 authentication_error: invalid x-api-key ***');
  assert.not.match(JSON.stringify({ message: error.message, details: error.details, lines: logger.lines }), key);
});

test('429 with retry-after is retried, then RATE_LIMITED', async () => {
  server.defaultReply = { status: 429, headers: { 'retry-after': '0' } };
  const error = await failure(collect(stream({ max_retries: 1 })));
  assert.is(error.code, 'RATE_LIMITED');
  assert.is(server.requests.length, 2);
});

test('a keyless proxy gets no key header; the official host needs a key', async () => {
  await collect(stream({ api_key: null }));
  assert.equal([server.requests[0]?.headers['x-api-key'], server.requests[0]?.headers.authorization], [undefined, undefined]);
  const error = await failure(Promise.resolve().then(() => provider({ api_key: null, base_url: null })));
  assert.is(error.code, 'BAD_INPUT');
  assert.match(error.message, 'api.anthropic.com needs one');
});

test('cost counts cache reads and writes at their own prices', () => {
  const usage = { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, cache_read_tokens: 600, cache_write_tokens: 200 };
  const pricing = { input_per_million: 3, output_per_million: 15, cache_read_per_million: 0.3, cache_write_per_million: 3.75 };
  // 200 plain at 3, 600 read at 0.3, 200 written at 3.75, 100 out at 15.
  assert.is(estimateCost(usage, pricing), (200 * 3 + 600 * 0.3 + 200 * 3.75 + 100 * 15) / 1_000_000);
  assert.is(estimateCost(usage, { input_per_million: 3, output_per_million: 15 }), (1000 * 3 + 100 * 15) / 1_000_000);
});

test.run();
