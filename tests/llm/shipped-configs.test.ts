import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmService } from '../../src/llm/llm-service.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createTempRoot } from '../helpers/temp-root.js';
import { collect, failure, neverAborted, userSaysHi } from './llm-test-kit.js';

// The configs shipped in examples/, in a root as `branchflow init` sets one up.
const temp = createTempRoot('branchflow-shipped-');
temp.copyExamples();
const root = temp.root;
const keys = { OPENAI_API_KEY: 'sk-shipped', GEMINI_API_KEY: 'gm-shipped', DEEPSEEK_API_KEY: 'ds-shipped' };

const test = suite('shipped configs');

test('every shipped config loads and builds its provider when its key is set', async () => {
  const llm = createLlmService({ root, logger: silentLogger, env: keys });
  const built: Record<string, [string, string]> = {};
  for (const name of ['mock', 'openai_gpt4', 'gemini_pro', 'deepseek', 'ollama']) {
    const provider = llm.provider(await llm.loadConfig(`data/llm_configs/${name}.json`));
    built[name] = [provider.name, provider.model];
  }
  assert.equal(built, {
    mock: ['mock', 'mock'],
    openai_gpt4: ['openai', 'gpt-4'],
    gemini_pro: ['gemini', 'gemini-2.5-pro'],
    deepseek: ['openai_compatible', 'deepseek-chat'],
    ollama: ['openai_compatible', 'llama3.2'],
  });
});

test('without keys, the keyed configs name their variable', async () => {
  const llm = createLlmService({ root, logger: silentLogger, env: {} });
  for (const [name, variable] of [
    ['openai_gpt4', 'OPENAI_API_KEY'],
    ['gemini_pro', 'GEMINI_API_KEY'],
    ['deepseek', 'DEEPSEEK_API_KEY'],
  ]) {
    const error = await failure(llm.loadConfig(`data/llm_configs/${name}.json`));
    assert.is(error.code, 'BAD_INPUT');
    assert.match(error.message, `needs the environment variable ${variable}`);
  }
  const ollama = await llm.loadConfig('data/llm_configs/ollama.json');
  assert.is(ollama.config.base_url, 'http://127.0.0.1:11434/v1');
});

test('the default config is the shipped mock, and it answers with no key and no network', async () => {
  const llm = createLlmService({ root, logger: silentLogger, env: {} });
  const loaded = await llm.loadConfig();
  assert.is(loaded.file, 'data/llm_configs/mock.json');
  const events = await collect(llm.provider(loaded).stream(userSaysHi, { signal: neverAborted }));
  assert.is(events.flatMap((event) => (event.type === 'text' ? [event.text] : [])).join(''), 'Mock reply to: Hi');
});

test.after(() => temp.cleanup());

test.run();
