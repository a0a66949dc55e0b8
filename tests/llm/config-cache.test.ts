import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ClientCache } from '../../src/llm/transport/client-cache.js';
import { connectionOf } from '../../src/llm/transport/connection.js';
import { createLlmService } from '../../src/llm/llm-service.js';
import { createOpenAiProvider } from '../../src/llm/providers/openai/openai-provider.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { capturingLogger, collect, failure, neverAborted, tempRoot } from './llm-test-kit.js';

const file = 'data/llm_configs/cached.json';
const keyed = { provider: 'openai', api_key: '${CACHE_TEST_KEY}', model: 'gpt-4' };
let fixture: Awaited<ReturnType<typeof tempRoot>>;

const test = suite('llm service: loaded configs are kept while nothing changes');

test.before.each(async () => {
  fixture = await tempRoot({ [file]: keyed });
});

test.after.each(() => fixture.remove());

const write = (value: unknown): Promise<void> => writeFile(join(fixture.root, file), JSON.stringify(value, null, 2));

test('an unchanged config is the same object, with the same adapter', async () => {
  const llm = createLlmService({ root: fixture.root, logger: silentLogger, env: { CACHE_TEST_KEY: 'sk-one' } });
  const first = await llm.loadConfig(file);
  const second = await llm.loadConfig(file);
  assert.is(second, first);
  assert.is(llm.provider(second), llm.provider(first));
});

test('a config edited by hand is seen by the next load, even at the same size and in the same instant', async () => {
  const llm = createLlmService({ root: fixture.root, logger: silentLogger, env: { CACHE_TEST_KEY: 'sk-one' } });
  assert.is((await llm.loadConfig(file)).config.model, 'gpt-4');
  await write({ ...keyed, model: 'gpt-5' });
  const edited = await llm.loadConfig(file);
  assert.equal(edited.config, { ...keyed, model: 'gpt-5', api_key: 'sk-one' });
  assert.is(llm.provider(edited).model, 'gpt-5');
});

test('a config replaced by a rename (how editors save) is seen by the next load', async () => {
  const llm = createLlmService({ root: fixture.root, logger: silentLogger, env: { CACHE_TEST_KEY: 'sk-one' } });
  await llm.loadConfig(file);
  await writeFile(join(fixture.root, 'data/llm_configs/.cached.json.tmp'), JSON.stringify({ ...keyed, model: 'gpt-4o' }));
  await rename(join(fixture.root, 'data/llm_configs/.cached.json.tmp'), join(fixture.root, file));
  assert.is((await llm.loadConfig(file)).config.model, 'gpt-4o');
});

test('a changed variable is seen by the next load; unset, it is the usual BAD_INPUT', async () => {
  const env: Record<string, string | undefined> = { CACHE_TEST_KEY: 'sk-one' };
  const llm = createLlmService({ root: fixture.root, logger: silentLogger, env });
  assert.is((await llm.loadConfig(file)).config.api_key, 'sk-one');
  env['CACHE_TEST_KEY'] = 'sk-two';
  assert.is((await llm.loadConfig(file)).config.api_key, 'sk-two');
  delete env['CACHE_TEST_KEY'];
  const error = await failure(llm.loadConfig(file));
  assert.is(error.code, 'BAD_INPUT');
  assert.match(error.message, 'needs the environment variable CACHE_TEST_KEY');
});

test('a file broken after a good load fails the next load, and loads again once fixed', async () => {
  const llm = createLlmService({ root: fixture.root, logger: silentLogger, env: { CACHE_TEST_KEY: 'sk-one' } });
  await llm.loadConfig(file);
  await writeFile(join(fixture.root, file), '{"provider": "openai",');
  assert.is((await failure(llm.loadConfig(file))).code, 'INVALID_FILE');
  await write({ ...keyed, temperature: 'hot' });
  assert.is((await failure(llm.loadConfig(file))).code, 'INVALID_FILE');
  await write(keyed);
  assert.is((await llm.loadConfig(file)).config.model, 'gpt-4');
});

test('a deleted config is NOT_FOUND on the next load', async () => {
  const llm = createLlmService({ root: fixture.root, logger: silentLogger, env: { CACHE_TEST_KEY: 'sk-one' } });
  await llm.loadConfig(file);
  await fixture.remove();
  assert.is((await failure(llm.loadConfig(file))).code, 'NOT_FOUND');
});

test('a kept config cannot be changed by one caller for the next', async () => {
  const llm = createLlmService({ root: fixture.root, logger: silentLogger, env: { CACHE_TEST_KEY: 'sk-one' } });
  const loaded = await llm.loadConfig(file);
  assert.throws(() => {
    (loaded.config as { model?: string }).model = 'changed';
  }, TypeError);
  assert.is((await llm.loadConfig(file)).config.model, 'gpt-4');
});

test('the key is in no log line, through loads, edits and a changed variable', async () => {
  const logger = capturingLogger();
  const env: Record<string, string | undefined> = { CACHE_TEST_KEY: 'sk-cache-secret-1' };
  const llm = createLlmService({ root: fixture.root, logger, env });
  await write({ ...keyed, colour: 'blue', enable_logging: true });
  await llm.loadConfig(file);
  env['CACHE_TEST_KEY'] = 'sk-cache-secret-2';
  const loaded = await llm.loadConfig(file);
  await llm.loadConfig(file);
  logger.info('cache state', { loaded, connection: connectionOf(loaded) });
  const lines = logger.lines.join('\n');
  assert.ok(logger.lines.length >= 2);
  assert.not.match(lines, 'sk-cache-secret-1');
  assert.not.match(lines, 'sk-cache-secret-2');
});

const clients = suite('client cache: one SDK client per adapter, base URL and key');
let server: FakeServer;

clients.before(async () => {
  server = await startFakeOpenAi();
});

clients.after(() => server.close());

clients('providers with the same base URL and key share one client; another key gets its own', async () => {
  const cache = new ClientCache();
  let built = 0;
  const create = (): object => ({ client: ++built });
  const first = cache.get('openai', { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-a' }, create);
  const again = cache.get('openai', { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-a' }, create);
  const otherKey = cache.get('openai', { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-b' }, create);
  const otherAdapter = cache.get('gemini', { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-a' }, create);
  assert.equal([first, again, otherKey, otherAdapter], [{ client: 1 }, { client: 1 }, { client: 2 }, { client: 3 }]);
  assert.is(again, first);
});

clients('the least recently used client goes first when the cache is full', () => {
  const cache = new ClientCache(2);
  const settings = (apiKey: string) => ({ baseUrl: undefined, apiKey });
  const a = cache.get('openai', settings('a'), () => ({ name: 'a' }));
  cache.get('openai', settings('b'), () => ({ name: 'b' }));
  assert.is(
    cache.get('openai', settings('a'), () => ({ name: 'a again' })),
    a,
  );
  cache.get('openai', settings('c'), () => ({ name: 'c' }));
  assert.equal(
    cache.get('openai', settings('b'), () => ({ name: 'b again' })),
    { name: 'b again' },
  );
  assert.is(cache.size, 2);
});

clients('two providers sharing a client both stream, each with its own model and sampling', async () => {
  const cache = new ClientCache();
  const llm = createLlmService({ root: '/nonexistent', logger: silentLogger, env: {} });
  const provider = (model: string, temperature: number) => {
    const loaded = llm.inlineConfig({ provider: 'openai_compatible', base_url: server.baseUrl, api_key: 'sk-shared', model, temperature });
    return createOpenAiProvider(connectionOf(loaded), loaded.config, silentLogger, cache);
  };
  server.enqueue({ chunks: ['Hel', 'lo'] });
  const first = await collect(provider('model-a', 0.1).stream({ messages: [{ role: 'user', content: 'Hi' }] }, { signal: neverAborted }));
  server.enqueue({ chunks: ['Hi'] });
  const second = await collect(provider('model-b', 0.9).stream({ messages: [{ role: 'user', content: 'Hi' }] }, { signal: neverAborted }));
  assert.is(cache.size, 1);
  assert.equal(
    first.filter((event) => event.type === 'text'),
    [
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
    ],
  );
  assert.equal(
    second.filter((event) => event.type === 'text'),
    [{ type: 'text', text: 'Hi' }],
  );
  assert.equal(
    server.requests.map((request) => {
      const body = request.body as Record<string, unknown>;
      return [body['model'], body['temperature'], request.headers['authorization']];
    }),
    [
      ['model-a', 0.1, 'Bearer sk-shared'],
      ['model-b', 0.9, 'Bearer sk-shared'],
    ],
  );
});

test.run();
clients.run();
