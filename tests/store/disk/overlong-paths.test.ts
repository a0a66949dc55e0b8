/**
 * @module File parameters (conversations, LLM configs) too long for the file system, or of hundreds of folders: the first used to end as a 500
 * (ENAMETOOLONG from realpath), the second took seconds of realpath calls to be found missing. Now BAD_INPUT at once.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmService } from '../../../src/llm/llm-service.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { createFileStore, type FileStore } from '../../../src/store/file/file-store.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';
import { failure } from '../../helpers/call-failure.js';

const test = suite('overlong file parameters');
let temp: TempRoot;
let store: FileStore;

test.before(() => {
  temp = createTempRoot();
  store = createFileStore({ root: temp.root, logger: silentLogger });
});
test.after(async () => {
  await store.close();
  temp.cleanup();
});

test('a file name longer than the file system allows is BAD_INPUT, not ENAMETOOLONG', async () => {
  const path = `data/conversations/${'a'.repeat(5000)}/conversation.json`;
  const error = await failure(store.read(path));
  assert.is(error.code, 'BAD_INPUT');
  assert.match(error.message, `is ${path.length} characters long; a path here is at most 1024`);
});

test('a path of hundreds of folders is refused at once instead of being walked', async () => {
  const started = performance.now();
  const error = await failure(store.read(`data/conversations/${'b/'.repeat(400)}conversation.json`));
  assert.is(error.code, 'BAD_INPUT');
  assert.match(error.message, 'levels deep; a path here has at most 32');
  assert.ok(performance.now() - started < 500, 'refusing it took too long');
});

test('a single name over 255 bytes is BAD_INPUT', async () => {
  const error = await failure(store.read(`data/conversations/${'é'.repeat(200)}/conversation.json`));
  assert.is(error.code, 'BAD_INPUT');
  assert.match(error.message, 'longer than 255 bytes');
});

test('an LLM config path too long for the file system is BAD_INPUT too', async () => {
  const llm = createLlmService({ root: temp.root, logger: silentLogger, env: {} });
  const error = await failure(llm.loadConfig(`data/llm_configs/${'c'.repeat(300)}.json`));
  assert.is(error.code, 'BAD_INPUT');
  assert.match(error.message, 'longer than 255 bytes');
});

test.run();
