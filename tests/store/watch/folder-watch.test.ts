import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FolderWatch, isTransientEntry } from '../../../src/store/watch/folder-watch.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

const test = suite('folder watch');
let temp: TempRoot;
let outside: TempRoot;
let watch: FolderWatch;
let changed: string[];
let errors: unknown[];
let folder: string;

test.before.each(async () => {
  temp = createTempRoot();
  outside = createTempRoot();
  temp.writeConversation('demo', { roots: [], nodes: {}, active_path: [] });
  folder = temp.path('data/conversations');
  changed = [];
  errors = [];
  watch = new FolderWatch({ folder, changed: (path) => changed.push(path), error: (error) => errors.push(error) });
  await watch.start();
});
test.after.each(() => {
  watch.close();
  temp.cleanup();
  outside.cleanup();
});

/** Waits until the reports stop coming (fs.watch delivers asynchronously), then returns them, sorted and unique. */
async function reported(): Promise<string[]> {
  let count = -1;
  while (count !== changed.length) {
    count = changed.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return [...new Set(changed)].sort();
}

const conversationFile = (slug: string): string => temp.path(`data/conversations/${slug}/conversation.json`);

test("the engine's transient entries are ignored by name", () => {
  const transient = [
    'conversation.json.lock',
    'conversation.json.lock-gone-1a2b3c4d',
    'conversation.json.4821733091',
    'conversation.json.displaced',
    '.journal',
  ];
  const kept = ['conversation.json', 'settings.json', 'conversation.json~', '.conversation.json.swp', 'recovered-n1.json', 'locks'];
  assert.equal(
    transient.map(isTransientEntry),
    transient.map(() => true),
  );
  assert.equal(
    kept.map(isTransientEntry),
    kept.map(() => false),
  );
});

test("a save's lock, temp file, moved-aside file and journal report only the conversation file", async () => {
  const file = conversationFile('demo');
  mkdirSync(`${file}.lock`);
  writeFileSync(`${file}.lock/owner`, 'host 1 abc\n');
  mkdirSync(temp.path('data/conversations/demo/.journal'));
  writeFileSync(temp.path('data/conversations/demo/.journal/g1.jsonl'), '{}\n');
  writeFileSync(`${file}.1234567890`, '{"roots":[],"nodes":{},"active_path":[]}\n');
  renameSync(file, `${file}.displaced`);
  renameSync(`${file}.1234567890`, file);
  rmSync(`${file}.displaced`);
  rmSync(`${file}.lock`, { recursive: true });
  assert.equal(await reported(), [file]);
  assert.equal(errors, []);
});

test('a hand edit in place is reported', async () => {
  writeFileSync(conversationFile('demo'), '{}');
  assert.equal(await reported(), [conversationFile('demo')]);
});

test('a folder made after the start: the files in it are reported, and later edits too', async () => {
  temp.writeConversation('later', { roots: [], nodes: {}, active_path: [] }, { type: 'threaded' });
  assert.equal(await reported(), [conversationFile('later'), temp.path('data/conversations/later/settings.json')]);
  changed.length = 0;
  writeFileSync(conversationFile('later'), '{}');
  assert.equal(await reported(), [conversationFile('later')]);
});

test('a nested folder is watched too', async () => {
  mkdirSync(temp.path('data/conversations/demo/archive/2026'), { recursive: true });
  await reported();
  changed.length = 0;
  writeFileSync(temp.path('data/conversations/demo/archive/2026/conversation.json'), '{}');
  assert.equal(await reported(), [temp.path('data/conversations/demo/archive/2026/conversation.json')]);
});

test('a folder removed or moved out: its files are reported, to be found missing', async () => {
  temp.writeConversation('moved', { roots: [], nodes: {}, active_path: [] });
  await reported();
  changed.length = 0;
  renameSync(temp.path('data/conversations/moved'), outside.path('moved'));
  rmSync(temp.path('data/conversations/demo'), { recursive: true });
  assert.equal(await reported(), [conversationFile('demo'), conversationFile('moved')]);
  changed.length = 0;
  writeFileSync(outside.path('moved/conversation.json'), '{}');
  assert.equal(await reported(), [], 'a folder moved out is no longer watched');
});

test('a link to a folder outside is not followed', async () => {
  symlinkSync(outside.path('data'), join(folder, 'escape'));
  await reported();
  changed.length = 0;
  writeFileSync(outside.path('data/conversation.json'), '{}');
  assert.equal(await reported(), []);
});

test.run();
