/**
 * @module Conversation and settings files nested thousands deep: they used to end as 500s (a RangeError from the
 * recursive validation); now INVALID_FILE naming where and how deep.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../../src/lib/logger.js';
import { createFileStore, type FileStore } from '../../../src/store/file/file-store.js';
import { parseTree } from '../../../src/store/tree/parse-tree.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';
import { failure } from '../../helpers/call-failure.js';

const test = suite('deeply nested conversation files');
let temp: TempRoot;
let store: FileStore;

const deepArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

test.before(() => {
  temp = createTempRoot();
  temp.write(
    'data/conversations/deep/conversation.json',
    `{"roots": ["s"], "nodes": {"s": {"pid": null, "role": "user", "content": "x", "x_deep": ${deepArray(5000)}}}, "active_path": ["s"]}`,
  );
  temp.write('data/conversations/deep/settings.json', `{"x": ${deepArray(5000)}}`);
  store = createFileStore({ root: temp.root, logger: silentLogger });
});
test.after(async () => {
  await store.close();
  temp.cleanup();
});

test('a conversation file nested 5,000 deep is INVALID_FILE naming the depth, not a stack overflow', async () => {
  const error = await failure(store.read('data/conversations/deep/conversation.json'));
  assert.is(error.code, 'INVALID_FILE');
  assert.match(error.message, 'data/conversations/deep/conversation.json at /nodes/s/x_deep/0/0/0/0/0/0/0/0/0/… (');
  assert.match(error.message, 'nests deeper than 200 levels');
});

test('parseTree reports the depth as the file problem', () => {
  const parsed = parseTree(`{"roots": [], "nodes": {}, "active_path": [], "x": ${deepArray(300)}}`);
  assert.is(parsed.problem?.message, 'nests deeper than 200 levels');
});

test('a settings.json nested 5,000 deep is INVALID_FILE', async () => {
  const error = await failure(store.readSettings('data/conversations/deep/conversation.json'));
  assert.is(error.code, 'INVALID_FILE');
  assert.match(error.message, 'data/conversations/deep/settings.json');
});

test.run();
