/**
 * @module A config file nested thousands deep: loading it is INVALID_FILE naming the depth, and listing the
 * configs shows it with that error; it used to overflow the stack, and one such file made list_configs a 500.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmService } from '../../src/llm/llm-service.js';
import { capturingLogger, failure, tempRoot } from './llm-test-kit.js';

const test = suite('deeply nested config files');

const deep = `{"provider": "mock", "custom_params": {"x": ${'['.repeat(5000)}${']'.repeat(5000)}}}`;

test('loading it is INVALID_FILE naming the depth', async () => {
  const { root, remove } = await tempRoot({ 'data/llm_configs/deep.json': deep });
  try {
    const error = await failure(createLlmService({ root, logger: capturingLogger(), env: {} }).loadConfig('data/llm_configs/deep.json'));
    assert.is(error.code, 'INVALID_FILE');
    assert.match(error.message, 'config file data/llm_configs/deep.json nests deeper than 200 levels at /custom_params/x/0/0/');
  } finally {
    await remove();
  }
});

test('listing the configs shows it with its error and lists the others', async () => {
  const { root, remove } = await tempRoot({ 'data/llm_configs/deep.json': deep, 'data/llm_configs/mock.json': { provider: 'mock' } });
  try {
    const configs = await createLlmService({ root, logger: capturingLogger(), env: {} }).listConfigs();
    assert.equal(
      configs.map((config) => [config.file, config.error?.code]),
      [
        ['data/llm_configs/deep.json', 'INVALID_FILE'],
        ['data/llm_configs/mock.json', undefined],
      ],
    );
  } finally {
    await remove();
  }
});

test.run();
