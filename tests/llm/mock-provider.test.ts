import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmService } from '../../src/llm/llm-service.js';
import { silentLogger } from '../../src/lib/logger.js';
import { collect, collectUntilFailure, failure, neverAborted } from './llm-test-kit.js';

const llm = createLlmService({ root: process.cwd(), logger: silentLogger, env: {} });
const mock = (options: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  llm.provider(llm.inlineConfig({ provider: 'mock', mock: options, ...extra }));
const messages = [
  { role: 'system' as const, content: 'You are a test.' },
  { role: 'user' as const, content: 'What is two plus two?' },
];
const run = (options: Record<string, unknown> = {}, signal = neverAborted) => mock(options).stream({ messages }, { signal });

const test = suite('mock provider');

test('by default it answers the last user message, in chunks of 8 characters, with estimated usage', async () => {
  assert.equal(await collect(run()), [
    { type: 'model', model: 'mock' },
    { type: 'text', text: 'Mock rep' },
    { type: 'text', text: 'ly to: W' },
    { type: 'text', text: 'hat is t' },
    { type: 'text', text: 'wo plus ' },
    { type: 'text', text: 'two?' },
    { type: 'finish', reason: 'stop' },
    { type: 'usage', usage: { prompt_tokens: 10, completion_tokens: 9, total_tokens: 19 } },
  ]);
});

test('text, chunk size, finish reason, usage and model are settable', async () => {
  const events = await collect(
    mock(
      { text: 'Fixed answer', chunk_size: 5, finish_reason: 'length', usage: { prompt_tokens: 1, completion_tokens: 2 } },
      { model: 'mock-large' },
    ).stream({ messages }, { signal: neverAborted }),
  );
  assert.equal(events, [
    { type: 'model', model: 'mock-large' },
    { type: 'text', text: 'Fixed' },
    { type: 'text', text: ' answ' },
    { type: 'text', text: 'er' },
    { type: 'finish', reason: 'length' },
    { type: 'usage', usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } },
  ]);
});

test('usage null reports none', async () => {
  assert.equal(
    (await collect(run({ text: 'x', usage: null }))).map((event) => event.type),
    ['model', 'text', 'finish'],
  );
});

test('chunks are cut by characters, never inside an emoji', async () => {
  const texts = (await collect(run({ text: '👋🏽 hi 🌍', chunk_size: 2 }))).flatMap((event) => (event.type === 'text' ? [event.text] : []));
  assert.equal(texts, ['👋🏽', ' h', 'i ', '🌍']);
});

test('delay_ms spaces the chunks', async () => {
  const started = performance.now();
  await collect(run({ text: 'abcdef', chunk_size: 2, delay_ms: 60 }));
  assert.ok(performance.now() - started >= 170);
});

test('fail_after_chunks fails after that many chunks, with the code asked for', async () => {
  const { events, error } = await collectUntilFailure(
    run({ text: 'abcdef', chunk_size: 2, fail_after_chunks: 2, fail_code: 'RATE_LIMITED' }),
  );
  assert.equal(
    events.filter((event) => event.type === 'text'),
    [
      { type: 'text', text: 'ab' },
      { type: 'text', text: 'cd' },
    ],
  );
  assert.is(error.code, 'RATE_LIMITED');
  assert.is(error.message, 'the mock provider failed after 2 chunks, as configured (inline config)');
  const before = await collectUntilFailure(run({ fail_after_chunks: 0, fail_message: 'down' }));
  assert.equal(
    before.events.map((event) => event.type),
    ['model'],
  );
  assert.equal([before.error.code, before.error.message], ['UPSTREAM_FAILED', 'down']);
});

test('fail_after_chunks at the chunk count fails after the whole text, before finish', async () => {
  const { events } = await collectUntilFailure(run({ text: 'abcd', chunk_size: 2, fail_after_chunks: 2 }));
  assert.equal(
    events.map((event) => event.type),
    ['model', 'text', 'text'],
  );
});

test('aborting during a delay is ABORTED at once', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 30);
  const started = performance.now();
  const error = await failure(collect(run({ delay_ms: 10_000 }, controller.signal)));
  assert.is(error.code, 'ABORTED');
  assert.ok(performance.now() - started < 2000);
});

test('complete() gathers the reply', async () => {
  assert.equal(await mock({ text: 'All of it' }).complete({ messages }, { signal: neverAborted }), {
    content: 'All of it',
    reasoning: '',
    reasoning_blocks: [],
    tool_calls: [],
    usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
    finish_reason: 'stop',
    model: 'mock',
  });
});

const offered = [{ name: 'current_time', description: 'The time.', parameters: { type: 'object' } }];
const toolCalls = [
  { name: 'modules/tools/current_time', arguments: { time_zone: 'Asia/Tokyo' } },
  { name: 'add', arguments: '{"a": 1,' },
];

test('tool_calls: offered tools and a user message last: the calls (ids call_mock_N, names as configured), then tool_calls', async () => {
  const events = await collect(
    mock({ tool_calls: toolCalls, reasoning: 'Hm.' }).stream({ messages, tools: offered }, { signal: neverAborted }),
  );
  assert.equal(events, [
    { type: 'model', model: 'mock' },
    { type: 'reasoning', text: 'Hm.' },
    { type: 'tool_call', call: { id: 'call_mock_1', name: 'modules/tools/current_time', arguments: '{"time_zone":"Asia/Tokyo"}' } },
    { type: 'tool_call', call: { id: 'call_mock_2', name: 'add', arguments: '{"a": 1,' } },
    { type: 'finish', reason: 'tool_calls' },
    { type: 'usage', usage: { prompt_tokens: 10, completion_tokens: 9, total_tokens: 19 } },
  ]);
});

test('tool_calls: after the results it answers naming each; with no tools offered, or tool_choice none, it just answers', async () => {
  const loop = [
    ...messages,
    {
      role: 'assistant' as const,
      content: '',
      tool_calls: [
        { id: 'call_mock_1', name: 'modules/tools/current_time', arguments: '{}' },
        { id: 'call_mock_2', name: 'add', arguments: '{"a": 1,' },
      ],
    },
    { role: 'tool' as const, content: '{"time":"14:02"}', tool_call_id: 'call_mock_1', tool_name: 'modules/tools/current_time' },
    { role: 'tool' as const, content: 'arguments are not valid JSON', tool_call_id: 'call_mock_2', tool_name: 'add', is_error: true },
  ];
  const answer = await mock({ tool_calls: toolCalls }).complete({ messages: loop, tools: offered }, { signal: neverAborted });
  assert.equal(answer, {
    content:
      'Mock reply to: What is two plus two? (tool modules/tools/current_time: {"time":"14:02"}) (tool add: arguments are not valid JSON)',
    reasoning: '',
    reasoning_blocks: [],
    tool_calls: [],
    usage: { prompt_tokens: 24, completion_tokens: 33, total_tokens: 57 },
    finish_reason: 'stop',
    model: 'mock',
  });
  const plain = { content: 'Mock reply to: What is two plus two?', finish_reason: 'stop', tool_calls: [] };
  for (const request of [{ messages }, { messages, tools: offered, tool_choice: 'none' as const }]) {
    const { content, finish_reason, tool_calls } = await mock({ tool_calls: toolCalls }).complete(request, { signal: neverAborted });
    assert.equal({ content, finish_reason, tool_calls }, plain);
  }
});

test('tool_calls: a failure configured for the answer leaves the call step alone', async () => {
  const events = await collect(
    mock({ tool_calls: toolCalls, fail_after_chunks: 0, usage: null }).stream({ messages, tools: offered }, { signal: neverAborted }),
  );
  assert.equal(
    events.map((event) => event.type),
    ['model', 'tool_call', 'tool_call', 'finish'],
  );
  const { error } = await collectUntilFailure(
    mock({ tool_calls: toolCalls, fail_after_chunks: 0 }).stream(
      { messages: [...messages, { role: 'tool', content: 'x', tool_call_id: 'call_mock_1', tool_name: 'add' }], tools: offered },
      { signal: neverAborted },
    ),
  );
  assert.is(error.code, 'UPSTREAM_FAILED');
});

test.run();
