import { symlinkSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallError } from '../../src/registry/call-error.js';
import { resolveInside } from '../../src/store/safe-path.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';

const test = suite('sandboxed paths');
let temp: TempRoot;
let outside: TempRoot;

test.before(() => {
  temp = createTempRoot();
  outside = createTempRoot();
  temp.writeConversation('demo', { roots: [], nodes: {}, active_path: [] });
  outside.write('secret.json', '{}');
  symlinkSync(outside.path('secret.json'), temp.path('data/conversations/demo/link.json'));
  symlinkSync(outside.path('data'), temp.path('data/conversations/escape'));
  symlinkSync(temp.path('data/conversations/demo'), temp.path('data/conversations/alias'));
});
test.after(() => {
  temp.cleanup();
  outside.cleanup();
});

const resolve = (file: string) => resolveInside(temp.root, file, 'data/conversations', { extension: '.json', what: 'conversation' });

async function code(file: string): Promise<string> {
  try {
    await resolve(file);
  } catch (error) {
    return (error as CallError).code;
  }
  return 'resolved';
}

test('root-relative and absolute paths inside resolve to one canonical form', async () => {
  const expected = { absolute: temp.path('data/conversations/demo/conversation.json'), relative: 'data/conversations/demo/conversation.json' };
  assert.equal(await resolve('data/conversations/demo/conversation.json'), expected);
  assert.equal(await resolve('./data/conversations/x/../demo/conversation.json'), expected);
  assert.equal(await resolve(temp.path('data/conversations/demo/conversation.json')), expected);
  assert.equal(await resolve('data/conversations/alias/conversation.json'), expected, 'a link inside is followed');
  assert.equal((await resolve('data/conversations/new/conversation.json')).relative, 'data/conversations/new/conversation.json');
});

test('../, absolute paths elsewhere and links leading out are FORBIDDEN', async () => {
  assert.is(await code('../outside.json'), 'FORBIDDEN');
  assert.is(await code('data/conversations/../../x.json'), 'FORBIDDEN');
  assert.is(await code('data/conversations'), 'FORBIDDEN');
  assert.is(await code(outside.path('secret.json')), 'FORBIDDEN');
  assert.is(await code('/etc/passwd'), 'FORBIDDEN');
  assert.is(await code('data/conversations/demo/link.json'), 'FORBIDDEN');
  assert.is(await code('data/conversations/escape/conversations/x.json'), 'FORBIDDEN');
});

test('malformed paths are BAD_INPUT', async () => {
  assert.is(await code(''), 'BAD_INPUT');
  assert.is(await code('data/conversations/demo/a\0.json'), 'BAD_INPUT');
  assert.is(await code('data/conversations/demo/notes.txt'), 'BAD_INPUT');
});

test.run();
