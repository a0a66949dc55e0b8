import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmService } from '../../src/llm/llm-service.js';
import type { ChatMessage } from '../../src/llm/provider.js';
import { splitBaseUrl } from '../../src/llm/providers/gemini/gemini-provider.js';
import { retryTiming } from '../../src/llm/transport/upstream-failure.js';
import { startFakeGemini, type FakeServer } from '../helpers/fake-gemini.js';
import { capturingLogger, collect, collectUntilFailure, failure, neverAborted, userSaysHi, type CapturingLogger } from './llm-test-kit.js';

const key = 'gm-test-key-0002';
let server: FakeServer;
let logger: CapturingLogger;

function provider(extra: Record<string, unknown> = {}) {
  const llm = createLlmService({ root: process.cwd(), logger, env: {} });
  return llm.provider(llm.inlineConfig({ provider: 'gemini', base_url: server.baseUrl, model: 'gemini-test', api_key: key, ...extra }));
}
const stream = (extra: Record<string, unknown> = {}) => provider(extra).stream(userSaysHi, { signal: neverAborted });

const conversation: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'system', content: 'Be kind.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!' },
  { role: 'user', content: 'How are you?' },
  { role: 'user', content: 'Answer please.' },
];

const test = suite('gemini provider');

test.before(async () => {
  server = await startFakeGemini();
  retryTiming.baseDelayMs = 20;
});
test.before.each(() => {
  server.reset();
  logger = capturingLogger();
});
test.after(() => server.close());

test('streams through streamGenerateContent?alt=sse: text, one finish, the final usage', async () => {
  server.defaultReply = { chunks: ['Hel', 'lo', '!'], usage: { prompt: 9, completion: 3 } };
  assert.equal(await collect(stream()), [
    { type: 'model', model: 'gemini-test' },
    { type: 'text', text: 'Hel' },
    { type: 'text', text: 'lo' },
    { type: 'text', text: '!' },
    { type: 'finish', reason: 'stop' },
    { type: 'usage', usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } },
  ]);
  assert.is(server.requests[0]?.url, '/v1beta/models/gemini-test:streamGenerateContent?alt=sse');
});

test('the key travels in x-goog-api-key, never in the URL', async () => {
  await collect(stream());
  assert.is(server.requests[0]?.headers['x-goog-api-key'], key);
  assert.not.match(server.requests[0]?.url ?? '', key);
});

test('system messages become the system instruction, assistant the model role, sampling the generation config', async () => {
  const safety = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }];
  const configured = provider({
    temperature: 0.2,
    top_p: 0.8,
    max_tokens: 100,
    presence_penalty: 0.1,
    safety_settings: safety,
    custom_params: { topK: 5, stop_sequences: ['END'], cachedContent: 'cachedContents/abc', generationConfig: { seed: 3 } },
  });
  await collect(configured.stream({ messages: conversation }, { signal: neverAborted }));
  assert.equal(server.requests[0]?.body, {
    contents: [
      { role: 'user', parts: [{ text: 'Hi' }] },
      { role: 'model', parts: [{ text: 'Hello!' }] },
      { role: 'user', parts: [{ text: 'How are you?' }, { text: 'Answer please.' }] },
    ],
    systemInstruction: { parts: [{ text: 'Be brief.\n\nBe kind.' }] },
    generationConfig: {
      temperature: 0.2,
      topP: 0.8,
      maxOutputTokens: 100,
      presencePenalty: 0.1,
      topK: 5,
      stop_sequences: ['END'],
      seed: 3,
    },
    safetySettings: safety,
    cachedContent: 'cachedContents/abc',
  });
});

test('a base_url with the version, as SmartTavern configs write it, is split for the SDK', () => {
  assert.equal(splitBaseUrl('https://generativelanguage.googleapis.com/v1beta'), {
    baseUrl: 'https://generativelanguage.googleapis.com',
    apiVersion: 'v1beta',
  });
  assert.equal(splitBaseUrl('https://proxy.example/gemini'), { baseUrl: 'https://proxy.example/gemini', apiVersion: 'v1beta' });
  assert.equal(splitBaseUrl('http://127.0.0.1:1/v1'), { baseUrl: 'http://127.0.0.1:1', apiVersion: 'v1' });
});

test('finish reasons are normalised', async () => {
  const finishOf = async (finishReason: string) => {
    server.defaultReply = { chunks: ['x'], finishReason };
    return (await collect(stream())).find((event) => event.type === 'finish');
  };
  assert.equal(await finishOf('MAX_TOKENS'), { type: 'finish', reason: 'length' });
  assert.equal(await finishOf('SAFETY'), { type: 'finish', reason: 'content_filter' });
  assert.equal(await finishOf('RECITATION'), { type: 'finish', reason: 'content_filter' });
  assert.equal(await finishOf('OTHER'), { type: 'finish', reason: 'error' });
});

test('complete() uses generateContent and returns the whole answer', async () => {
  server.defaultReply = { text: 'Whole answer', usage: { prompt: 2, completion: 2 }, model: 'gemini-test-001' };
  assert.equal(await provider().complete(userSaysHi, { signal: neverAborted }), {
    content: 'Whole answer',
    reasoning: '',
    reasoning_blocks: [],
    tool_calls: [],
    usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 },
    finish_reason: 'stop',
    model: 'gemini-test-001',
  });
  assert.is(server.requests[0]?.url, '/v1beta/models/gemini-test:generateContent');
});

test('401: the key was rejected; the key is in no error and no log line', async () => {
  server.defaultReply = { status: 401, errorMessage: `API key ${key} not valid.` };
  const { error } = await collectUntilFailure(stream());
  assert.is(error.code, 'UPSTREAM_FAILED');
  assert.is(error.message, 'the API key was rejected by gemini (inline config): 401 API key *** not valid.');
  assert.not.match(JSON.stringify({ message: error.message, details: error.details, lines: logger.lines }), key);
});

test('400 API_KEY_INVALID, as Google answers a bad key, also reads as a rejected key', async () => {
  const errorInfo = { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' };
  const body = {
    error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [errorInfo] },
  };
  server.defaultReply = { status: 400, headers: { 'content-type': 'application/json' }, rawBody: JSON.stringify(body) };
  const error = await failure(collect(stream()));
  assert.is(error.message, 'the API key was rejected by gemini (inline config): 400 API key not valid. Please pass a valid API key.');
});

test('429 with RetryInfo is retried before the first token', async () => {
  const retryInfo = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.05s' };
  server.enqueue({ status: 429, errorMessage: 'quota' });
  server.enqueue({
    status: 429,
    headers: { 'content-type': 'application/json' },
    rawBody: JSON.stringify({ error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED', details: [retryInfo] } }),
  });
  server.defaultReply = { chunks: ['ok'] };
  assert.equal(
    (await collect(stream())).map((event) => event.type),
    ['model', 'text', 'finish', 'usage'],
  );
  assert.is(server.requests.length, 3);
});

test('429 after the retries is RATE_LIMITED', async () => {
  server.defaultReply = { status: 429, headers: { 'retry-after': '0' } };
  const error = await failure(collect(stream({ max_retries: 1 })));
  assert.is(error.code, 'RATE_LIMITED');
  assert.is(server.requests.length, 2);
});

test('500 is UPSTREAM_FAILED with the status and the message', async () => {
  server.defaultReply = { status: 500 };
  const error = await failure(collect(stream({ max_retries: 0 })));
  assert.is(error.message, 'gemini answered 500 (inline config): An internal error has occurred.');
});

test('a dropped connection mid-reply keeps the partial text, with no retry', async () => {
  server.defaultReply = { chunks: ['one ', 'two ', 'three'], dropAfterChunks: 2 };
  const { events, error } = await collectUntilFailure(stream());
  assert.equal(
    events.filter((event) => event.type === 'text'),
    [
      { type: 'text', text: 'one ' },
      { type: 'text', text: 'two ' },
    ],
  );
  assert.is(error.code, 'UPSTREAM_FAILED');
  assert.match(error.message, 'the connection to gemini was lost mid-reply (inline config)');
  assert.is(server.requests.length, 1);
});

test('a malformed SSE frame is UPSTREAM_FAILED', async () => {
  server.defaultReply = { chunks: ['a', 'b'], malformedAfterChunks: 1 };
  const { events, error } = await collectUntilFailure(stream());
  assert.equal(
    events.map((event) => event.type),
    ['model', 'text'],
  );
  assert.match(error.message, 'gemini sent a response that could not be read (inline config)');
});

test.run();
