/**
 * @module Short names over HTTP, as in the CLI: `demo` for data/conversations/demo/conversation.json, `quick` and
 * `quick.json` for data/llm_configs/quick.json; paths outside the folders stay 403 with the same message.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/engine.js';
import { createApp } from '../../src/http/index.js';
import { silentLogger } from '../../src/lib/logger.js';
import { branchyTree } from '../helpers/conversation-trees.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';

let root: TempRoot;
let engine: Engine;
let app: ReturnType<typeof createApp>;
const test = suite('http: short names');
test.before(async () => {
  root = createTempRoot('branchflow-short-names-');
  root.writeConversation('demo', branchyTree());
  root.writeLlmConfig('quick', { name: 'Quick', provider: 'mock', model: 'mock', mock: { chunk_size: 64, delay_ms: 0 } });
  engine = await createEngine({ root: root.root, env: {} });
  app = createApp({ registry: engine.api, logger: silentLogger });
});
test.after(async () => {
  await engine.close();
  root.cleanup();
});

const post = async (path: string, body: object): Promise<[number, unknown]> => {
  const response = await app.request(`/api/${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
  return [response.status, await response.json()];
};

test('a conversation by short name, in a GET query and a POST body', async () => {
  const expected = { success: true, node_id: 'a4', role: 'assistant', content: 'More.', depth: 5 };
  const response = await app.request('/api/modules/chat_branches/get_latest_message?conversation_file=demo');
  assert.equal([response.status, await response.json()], [200, expected]);
  assert.equal(await post('modules/chat_branches/get_latest_message', { conversation_file: 'demo' }), [200, expected]);
});

test('a config by short name, with or without .json', async () => {
  for (const config of ['quick', 'quick.json']) {
    const [status, body] = await post('modules/llm_api/chat', { messages: [{ role: 'user', content: 'Hi' }], config_file: config });
    assert.equal([status, (body as { content: string }).content], [200, 'Mock reply to: Hi']);
  }
});

test('paths outside the folders stay 403 with the same message', async () => {
  const [status, body] = await post('modules/chat_branches/get', { conversation_file: '../demo' });
  assert.equal(
    [status, (body as { error: { message: string } }).error.message],
    [403, '../demo is outside data/conversations/: conversation files must be inside it'],
  );
  const [configStatus, configBody] = await post('modules/llm_api/chat', {
    messages: [{ role: 'user', content: 'Hi' }],
    config_file: 'data/quick.json',
  });
  assert.equal(
    [configStatus, (configBody as { error: { message: string } }).error.message],
    [403, 'config file data/quick.json is outside data/llm_configs/; configs are only read from there'],
  );
});

test.run();
