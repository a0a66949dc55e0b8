/**
 * @module A streamed answer with nothing in it: a 200 body that is not an event stream (plain text, a proxy's
 * page) used to end as an empty reply with finish "stop" and no error; it is a response that could not be read.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmService } from '../../src/llm/llm-service.js';
import { startFakeGemini } from '../helpers/fake-gemini.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { capturingLogger, collect, collectUntilFailure, neverAborted, userSaysHi } from './llm-test-kit.js';

const test = suite('an answer with no events');
let openAi: FakeServer;
let gemini: FakeServer;

function stream(config: Record<string, unknown>) {
  const llm = createLlmService({ root: process.cwd(), logger: capturingLogger(), env: {} });
  return llm.provider(llm.inlineConfig({ api_key: 'sk-test', max_retries: 0, ...config })).stream(userSaysHi, { signal: neverAborted });
}

test.before(async () => {
  [openAi, gemini] = await Promise.all([startFakeOpenAi(), startFakeGemini()]);
});
test.after(async () => {
  await Promise.all([openAi.close(), gemini.close()]);
});

test('a 200 body that is not an event stream is UPSTREAM_FAILED, not an empty reply (OpenAI-compatible)', async () => {
  openAi.defaultReply = { rawBody: 'this is not JSON at all' };
  const { events, error } = await collectUntilFailure(
    stream({ provider: 'openai_compatible', base_url: openAi.baseUrl, model: 'gpt-test' }),
  );
  assert.equal(events, []);
  assert.is(error.code, 'UPSTREAM_FAILED');
  assert.is(
    error.message,
    'openai_compatible sent a response that could not be read (inline config): the answer held no events at all (no text, no finish reason)',
  );
});

test('the same from Gemini is UPSTREAM_FAILED too', async () => {
  gemini.defaultReply = { rawBody: 'this is not JSON at all' };
  const { error } = await collectUntilFailure(stream({ provider: 'gemini', base_url: gemini.baseUrl, model: 'gemini-test' }));
  assert.is(error.code, 'UPSTREAM_FAILED');
});

test('an empty reply that ends with a finish reason is still a reply (no text, finish, no error)', async () => {
  openAi.defaultReply = { chunks: [] };
  const events = await collect(stream({ provider: 'openai_compatible', base_url: openAi.baseUrl, model: 'gpt-test' }));
  assert.equal(
    events.filter((event) => event.type !== 'usage'),
    [
      { type: 'model', model: 'gpt-test' },
      { type: 'finish', reason: 'stop' },
    ],
  );
});

test.run();
