import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallError } from '../../../src/lib/call-error.js';
import { resolveInside, Sandbox, type SandboxedPath } from '../../../src/store/disk/safe-path.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

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
  const expected = {
    absolute: temp.path('data/conversations/demo/conversation.json'),
    relative: 'data/conversations/demo/conversation.json',
  };
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

const remembered = suite('sandboxed paths, folders remembered');
let root: TempRoot;
let away: TempRoot;
let sandbox: Sandbox;
const emptyTree = { roots: [], nodes: {}, active_path: [] };

remembered.before.each(() => {
  root = createTempRoot();
  away = createTempRoot();
  root.writeConversation('demo', emptyTree);
  away.writeConversation('demo', emptyTree);
  away.write('secret.json', '{}');
  sandbox = new Sandbox(root.root, 'data/conversations', { extension: '.json', what: 'conversation' });
});
remembered.after.each(() => {
  root.cleanup();
  away.cleanup();
});

async function outcome(file: string): Promise<SandboxedPath | string> {
  try {
    return await sandbox.resolve(file);
  } catch (error) {
    return (error as CallError).code;
  }
}

const demo = (): SandboxedPath => ({
  absolute: root.path('data/conversations/demo/conversation.json'),
  relative: 'data/conversations/demo/conversation.json',
});

/** Resolves once, so the folder is remembered, then changes the disk under it. */
async function resolvedThen(change: () => void): Promise<void> {
  assert.equal(await sandbox.resolve('data/conversations/demo/conversation.json'), demo());
  change();
}

remembered('a second resolution gives what the first gave, for every spelling', async () => {
  for (let round = 0; round < 2; round++) {
    assert.equal(await outcome('data/conversations/demo/conversation.json'), demo());
    assert.equal(await outcome('./data/conversations/x/../demo/conversation.json'), demo());
    assert.equal(await outcome(root.path('data/conversations/demo/conversation.json')), demo());
    assert.equal(await outcome('data/conversations/demo/new.json'), {
      absolute: root.path('data/conversations/demo/new.json'),
      relative: 'data/conversations/demo/new.json',
    });
    assert.is(await outcome('data/conversations/demo/notes.txt'), 'BAD_INPUT');
    assert.is(await outcome('data/conversations/../../x.json'), 'FORBIDDEN');
  }
});

remembered('a folder swapped for a link leading out after a resolution is FORBIDDEN', async () => {
  await resolvedThen(() => {
    rmSync(root.path('data/conversations/demo'), { recursive: true });
    symlinkSync(away.path('data/conversations/demo'), root.path('data/conversations/demo'));
  });
  assert.is(await outcome('data/conversations/demo/conversation.json'), 'FORBIDDEN');
});

remembered('a folder moved out and linked back after a resolution is FORBIDDEN', async () => {
  await resolvedThen(() => {
    renameSync(root.path('data/conversations/demo'), away.path('moved'));
    symlinkSync(away.path('moved'), root.path('data/conversations/demo'));
  });
  assert.is(await outcome('data/conversations/demo/conversation.json'), 'FORBIDDEN');
});

remembered('a folder swapped for a link to another conversation inside resolves to that one', async () => {
  root.writeConversation('other', emptyTree);
  await resolvedThen(() => {
    rmSync(root.path('data/conversations/demo'), { recursive: true });
    symlinkSync(root.path('data/conversations/other'), root.path('data/conversations/demo'));
  });
  assert.equal(await outcome('data/conversations/demo/conversation.json'), {
    absolute: root.path('data/conversations/other/conversation.json'),
    relative: 'data/conversations/other/conversation.json',
  });
});

remembered('a conversation file swapped for a link leading out after a resolution is FORBIDDEN', async () => {
  await resolvedThen(() => {
    rmSync(root.path('data/conversations/demo/conversation.json'));
    symlinkSync(away.path('secret.json'), root.path('data/conversations/demo/conversation.json'));
  });
  assert.is(await outcome('data/conversations/demo/conversation.json'), 'FORBIDDEN');
});

remembered('a folder removed, or removed and made again, after a resolution resolves as new', async () => {
  await resolvedThen(() => rmSync(root.path('data/conversations/demo'), { recursive: true }));
  assert.equal(await outcome('data/conversations/demo/conversation.json'), demo(), 'a path not made yet resolves as before');
  mkdirSync(root.path('data/conversations/demo'));
  writeFileSync(root.path('data/conversations/demo/conversation.json'), '{}');
  assert.equal(await outcome('data/conversations/demo/conversation.json'), demo());
});

remembered('a sandbox folder reached through a link: real paths, and a swap of the real folder is seen', async () => {
  const linkedRoot = join(away.root, 'linked-root');
  mkdirSync(linkedRoot);
  symlinkSync(root.path('data'), join(linkedRoot, 'data'));
  sandbox = new Sandbox(linkedRoot, 'data/conversations', { extension: '.json', what: 'conversation' });
  for (let round = 0; round < 2; round++) assert.equal(await outcome('data/conversations/demo/conversation.json'), demo());
  rmSync(root.path('data/conversations/demo'), { recursive: true });
  symlinkSync(away.path('data/conversations/demo'), root.path('data/conversations/demo'));
  assert.is(await outcome('data/conversations/demo/conversation.json'), 'FORBIDDEN');
});

remembered.run();
