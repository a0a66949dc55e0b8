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

test.run();
