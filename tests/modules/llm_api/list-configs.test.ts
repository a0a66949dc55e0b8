import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempRoot } from '../../llm/llm-test-kit.js';
import { llmApiRegistry } from './llm-api-kit.js';

let fixture: Awaited<ReturnType<typeof tempRoot>>;
const secret = 'sk-listed-never-shown';

const test = suite('modules/llm_api/list_configs');

test.before(async () => {
  fixture = await tempRoot({
    'data/llm_configs/a_mock.json': { name: 'Mock', provider: 'mock' },
    'data/llm_configs/b_openai.json': { name: 'OpenAI', provider: 'openai', api_key: '${LIST_TEST_KEY}', colour: 'green' },
    'data/llm_configs/c_ollama.json': { provider: 'openai_compatible', base_url: 'http://127.0.0.1:11434/v1', model: 'llama3.2' },
    'data/llm_configs/d_broken.json': '{ nope',
    'data/llm_configs/e_custom.json': { provider: 'custom', model: 'm' },
    'data/llm_configs/f_gemini/llm_config.json': { provider: 'gemini', api_key: '', model: 'gemini-pro' },
    'data/llm_configs/notes.txt': 'not a config',
    'data/private.json': { provider: 'mock' },
  });
  await symlink(join(fixture.root, 'data/private.json'), join(fixture.root, 'data/llm_configs/g_link.json'));
});
test.after(() => fixture.remove());

const list = async (env: Record<string, string> = {}) =>
  llmApiRegistry(fixture.root, env).call<{ success: boolean; configs: Record<string, unknown>[] }>('modules/llm_api/list_configs', {});

test('lists every config with provider, model, whether its key resolves, and what is wrong', async () => {
  const output = await list();
  assert.is(output.success, true);
  const rows = output.configs.map(({ error, ...row }) => ({ ...row, ...(error ? { error: (error as { code: string }).code } : {}) }));
  assert.equal(rows, [
    { file: 'data/llm_configs/a_mock.json', name: 'Mock', provider: 'mock', model: 'mock', key_resolves: true },
    { file: 'data/llm_configs/b_openai.json', name: 'OpenAI', provider: 'openai', model: null, key_resolves: false, error: 'BAD_INPUT' },
    { file: 'data/llm_configs/c_ollama.json', name: 'c_ollama', provider: 'openai_compatible', model: 'llama3.2', key_resolves: true },
    { file: 'data/llm_configs/d_broken.json', name: 'd_broken', provider: null, model: null, key_resolves: false, error: 'INVALID_FILE' },
    { file: 'data/llm_configs/e_custom.json', name: 'e_custom', provider: 'custom', model: 'm', key_resolves: true, error: 'BAD_INPUT' },
    {
      file: 'data/llm_configs/f_gemini/llm_config.json',
      name: 'f_gemini',
      provider: 'gemini',
      model: 'gemini-pro',
      key_resolves: false,
      error: 'BAD_INPUT',
    },
    { file: 'data/llm_configs/g_link.json', name: 'g_link', provider: null, model: null, key_resolves: false, error: 'FORBIDDEN' },
  ]);
  assert.match(JSON.stringify(output.configs[1]?.['error']), 'needs the environment variable LIST_TEST_KEY');
});

test('with the variable set the key resolves, and the key itself is never listed', async () => {
  const output = await list({ LIST_TEST_KEY: secret });
  assert.equal(output.configs[1], {
    file: 'data/llm_configs/b_openai.json',
    name: 'OpenAI',
    provider: 'openai',
    model: 'gpt-4o-mini',
    key_resolves: true,
    unknown_fields: ['colour'],
  });
  assert.not.match(JSON.stringify(output), secret);
});

test.run();
