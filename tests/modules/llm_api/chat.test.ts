import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeOpenAi, type FakeServer } from '../../helpers/fake-openai.js';
import { failure, tempRoot } from '../../llm/llm-test-kit.js';
import { llmApiRegistry } from './llm-api-kit.js';

let fixture: Awaited<ReturnType<typeof tempRoot>>;
let server: FakeServer;
const hi = [{ role: 'user', content: 'Hi' }];

const test = suite('modules/llm_api/chat');

test.before(async () => {
  server = await startFakeOpenAi();
  fixture = await tempRoot({
    'data/llm_configs/priced_mock.json': {
      provider: 'mock',
      mock: { text: 'Priced.' },
      pricing: { input_per_million: 1000, output_per_million: 2000 },
    },
    'data/llm_configs/keyed.json': { provider: 'openai', api_key: '${CHAT_TEST_KEY}' },
    'data/llm_configs/broken.json': '{ "provider": ',
    'data/elsewhere.json': { provider: 'mock' },
  });
});
test.before.each(() => server.reset());
test.after(async () => {
  await server.close();
  await fixture.remove();
});

const call = (input: unknown, env: Record<string, string> = {}) => llmApiRegistry(fixture.root, env).call('modules/llm_api/chat', input);

test('answers from a config file, with usage, cost and timing', async () => {
  const output = (await call({ messages: hi, config_file: 'data/llm_configs/priced_mock.json' })) as Record<string, unknown>;
  assert.type(output['response_time'], 'number');
  assert.equal(
    { ...output, response_time: 0 },
    {
      success: true,
      content: 'Priced.',
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      finish_reason: 'stop',
      model_used: 'mock',
      provider: 'mock',
      response_time: 0,
      cost: 0.005,
    },
  );
});

test('answers through an inline config; only role and content go upstream', async () => {
  server.defaultReply = { text: 'From upstream', model: 'gpt-served' };
  const output = (await call({
    messages: [{ role: 'user', content: 'Hi', node_id: 'n1', extra: true }],
    config: { provider: 'openai_compatible', base_url: server.baseUrl, model: 'gpt-asked' },
  })) as Record<string, unknown>;
  assert.is(output['content'], 'From upstream');
  assert.is(output['model_used'], 'gpt-served');
  assert.equal((server.requests[0]?.body as { messages: unknown }).messages, [{ role: 'user', content: 'Hi' }]);
});

test('no config at all: the embedded mock answers', async () => {
  const output = (await call({ messages: hi })) as Record<string, unknown>;
  assert.is(output['content'], 'Mock reply to: Hi');
});

test('empty messages, a bad role, an extra field: BAD_INPUT naming the field', async () => {
  const fieldsOf = async (input: unknown) => ((await failure(call(input))).details as { field: string }[]).map((detail) => detail.field);
  assert.equal(await fieldsOf({ messages: [] }), ['/messages']);
  assert.equal(await fieldsOf({ messages: [{ role: 'robot', content: 'x' }] }), ['/messages/0/role']);
  assert.equal(await fieldsOf({ messages: hi, temperature: 1 }), ['/temperature']);
});

test('config_file and config together are BAD_INPUT', async () => {
  const error = await failure(call({ messages: hi, config_file: 'data/llm_configs/priced_mock.json', config: { provider: 'mock' } }));
  assert.equal([error.code, error.message], ['BAD_INPUT', 'give either config_file or config, not both']);
});

test('config problems keep their codes: 400 unknown provider, 400 missing variable, 403 outside, 404 missing, 422 invalid', async () => {
  const codeOf = async (input: Record<string, unknown>) => {
    const error = await failure(call({ messages: hi, ...input }));
    return [error.code, error.message];
  };
  assert.equal(await codeOf({ config: { provider: 'custom' } }), [
    'BAD_INPUT',
    'inline config: provider "custom" is not supported; use one of openai, openai_compatible, gemini, anthropic, mock',
  ]);
  assert.match(
    (await codeOf({ config_file: 'data/llm_configs/keyed.json' })).join(' '),
    'BAD_INPUT config data/llm_configs/keyed.json needs the environment variable CHAT_TEST_KEY',
  );
  assert.equal((await codeOf({ config_file: 'data/elsewhere.json' }))[0], 'FORBIDDEN');
  assert.equal((await codeOf({ config_file: 'data/llm_configs/none.json' }))[0], 'NOT_FOUND');
  assert.equal((await codeOf({ config_file: 'data/llm_configs/broken.json' }))[0], 'INVALID_FILE');
});

test('an upstream failure is thrown with its code', async () => {
  server.defaultReply = { status: 429, headers: { 'retry-after': '60' } };
  const error = await failure(call({ messages: hi, config: { provider: 'openai_compatible', base_url: server.baseUrl, model: 'm' } }));
  assert.is(error.code, 'RATE_LIMITED');
  assert.is(error.path, 'modules/llm_api/chat');
});

test.run();
