import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { estimateCost } from '../../src/llm/cost.js';
import type { ProviderEvent } from '../../src/llm/provider.js';
import { mapGeminiFinishReason } from '../../src/llm/providers/gemini/map-gemini-finish-reason.js';
import { mapOpenAiFinishReason } from '../../src/llm/providers/openai/map-openai-finish-reason.js';
import { ReplyState } from '../../src/llm/transport/reply-state.js';
import { clean, isRetryable, parseRetryAfter, retryDelayMs, retryTiming } from '../../src/llm/transport/upstream-failure.js';

const test = suite('policy and mapping');

test('cost comes from usage and per-million pricing; unknown when either is missing', () => {
  const usage = { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 };
  assert.is(estimateCost(usage, { input_per_million: 2.5, output_per_million: 10 }), 0.0075);
  assert.is(estimateCost(null, { input_per_million: 1, output_per_million: 1 }), undefined);
  assert.is(estimateCost(usage, undefined), undefined);
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  assert.is(parseRetryAfter('3'), 3000);
  assert.is(parseRetryAfter('0.5'), 500);
  assert.is(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
  assert.is(parseRetryAfter('soon'), undefined);
  assert.is(parseRetryAfter(null), undefined);
});

test('retries: 429, 5xx and dropped connections only; backoff doubles; a long Retry-After is not waited out', () => {
  assert.ok(isRetryable({ kind: 'status', status: 429, message: '' }));
  assert.ok(isRetryable({ kind: 'status', status: 503, message: '' }));
  assert.ok(isRetryable({ kind: 'reset', message: '' }));
  assert.not.ok(isRetryable({ kind: 'status', status: 401, message: '' }));
  assert.not.ok(isRetryable({ kind: 'connection', message: 'ECONNREFUSED' }));
  assert.not.ok(isRetryable({ kind: 'malformed', message: '' }));
  const base = retryTiming.baseDelayMs;
  const second = retryDelayMs(1, { kind: 'status', status: 500, message: '' }) ?? 0;
  assert.ok(second >= base * 2 && second <= base * 2 * 1.2 + 1);
  assert.is(retryDelayMs(0, { kind: 'status', status: 429, message: '', retryAfterMs: 1500 }), 1500);
  assert.is(retryDelayMs(0, { kind: 'status', status: 429, message: '', retryAfterMs: retryTiming.maxRetryAfterMs + 1 }), undefined);
});

test('messages are masked and cut short', () => {
  assert.is(clean('bad key sk-abc123 here', ['sk-abc123']), 'bad key *** here');
  assert.is(clean('  two\n\nlines  ', []), 'two lines');
  assert.is(clean('x'.repeat(600), []).length, 501);
});

test('OpenAI-style finish reasons', () => {
  assert.equal(['stop', 'length', 'content_filter', 'tool_calls', 'function_call', 'eos', 'something_new'].map(mapOpenAiFinishReason), [
    'stop',
    'length',
    'content_filter',
    'tool_calls',
    'tool_calls',
    'stop',
    'stop',
  ]);
  assert.is(mapOpenAiFinishReason(null), undefined);
});

test('Gemini finish reasons', () => {
  assert.equal(['STOP', 'MAX_TOKENS', 'SAFETY', 'PROHIBITED_CONTENT', 'MALFORMED_FUNCTION_CALL', 'OTHER'].map(mapGeminiFinishReason), [
    'stop',
    'length',
    'content_filter',
    'content_filter',
    'error',
    'error',
  ]);
  assert.is(mapGeminiFinishReason(undefined), undefined);
});

test('a reply is well formed: one model, no empty text, one finish, the latest usage last', () => {
  const reply = new ReplyState();
  const usage = (total: number) => ({ prompt_tokens: 1, completion_tokens: total - 1, total_tokens: total });
  const raw: ProviderEvent[] = [
    { type: 'model', model: 'm' },
    { type: 'text', text: '' },
    { type: 'usage', usage: usage(2) },
    { type: 'model', model: 'm' },
    { type: 'text', text: 'a' },
    { type: 'finish', reason: 'stop' },
    { type: 'finish', reason: 'stop' },
    { type: 'usage', usage: usage(3) },
  ];
  const out = [...raw.flatMap((event) => [...reply.accept(event)]), ...reply.end(() => assert.unreachable())];
  assert.equal(out, [
    { type: 'model', model: 'm' },
    { type: 'text', text: 'a' },
    { type: 'finish', reason: 'stop' },
    { type: 'usage', usage: usage(3) },
  ]);
});

test('a stream that ends without a finish reason gets one, and says so', () => {
  const reply = new ReplyState();
  let warned = false;
  const out = [...reply.accept({ type: 'text', text: 'x' }), ...reply.end(() => (warned = true))];
  assert.equal(out, [
    { type: 'text', text: 'x' },
    { type: 'finish', reason: 'stop' },
  ]);
  assert.ok(warned);
});

test.run();
