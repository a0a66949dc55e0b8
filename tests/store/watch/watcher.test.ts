import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../../src/lib/logger.js';
import type { FileChanged, WatchEvent } from '../../../src/store/watch/watch-event.js';
import { createFileStore, type FileStore } from '../../../src/store/file/file-store.js';
import { branchyTree } from '../../helpers/conversation-trees.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

/** Collects watch events; `next` waits (generously: a loaded machine is slow) for one matching a predicate. */
class Events {
  readonly seen: WatchEvent[] = [];
  #waiters: (() => void)[] = [];

  push(event: WatchEvent): void {
    this.seen.push(event);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async next(match: (event: WatchEvent) => boolean, from = 0, timeoutMs = 15_000): Promise<WatchEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.seen.slice(from).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching watch event within ${timeoutMs} ms; seen: ${JSON.stringify(this.seen)}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  for(file: string, from = 0): WatchEvent[] {
    return this.seen.slice(from).filter((event) => event.file === file);
  }
}

const settleMs = 100;
const test = suite('watcher');
let temp: TempRoot;
let store: FileStore;
let events: Events;
const controller = new AbortController();
let collecting: Promise<void>;

test.before(async () => {
  temp = createTempRoot();
  for (const slug of ['engine', 'hand', 'rename', 'backup', 'truncate', 'broken', 'removed']) temp.writeConversation(slug, branchyTree());
  temp.writeLlmConfig('mock', { provider: 'mock' });
  store = createFileStore({ root: temp.root, logger: silentLogger, watch: true, settleMs });
  await store.watcherReady();
  events = new Events();
  collecting = (async () => {
    for await (const event of store.watch(controller.signal)) events.push(event);
  })();
});

test.after(async () => {
  controller.abort();
  await collecting;
  await store.close();
  temp.cleanup();
});

const conversation = (slug: string): string => `data/conversations/${slug}/conversation.json`;
const quietPeriod = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, settleMs * 6));

test('the watcher reports itself running', () => {
  assert.equal(store.status(), { watching: true });
});

test("the engine's own writes are reported as engine, never as external", async () => {
  const file = conversation('engine');
  const from = events.seen.length;
  await store.update(file, (doc) => void (doc.nodes['a4']!.content = 'by the engine'));
  assert.equal(await events.next((event) => event.file === file, from), { type: 'changed', file, origin: 'engine' });
  await quietPeriod();
  assert.equal(events.for(file, from), [{ type: 'changed', file, origin: 'engine' }]);
});

test('a hand edit is reported as external and invalidates the cache', async () => {
  const file = conversation('hand');
  assert.is((await store.read(file)).nodes['a1']!.content, 'Hello.');
  const from = events.seen.length;
  temp.write(file, temp.readText(file).replace('"Hello."', '"Edited by hand"'));
  assert.equal(await events.next((event) => event.file === file, from), { type: 'changed', file, origin: 'external' });
  assert.is((await store.read(file)).nodes['a1']!.content, 'Edited by hand');
});

test('an editor saving by temp file and rename: one change, no invalid, no removed', async () => {
  const file = conversation('rename');
  const from = events.seen.length;
  const text = temp.readText(file).replace('"Hey."', '"Saved by rename"');
  temp.write('data/conversations/rename/.conversation.json.swp', text);
  renameSync(temp.path('data/conversations/rename/.conversation.json.swp'), temp.path(file));
  await events.next((event) => event.file === file, from);
  await quietPeriod();
  assert.equal(events.for(file, from), [{ type: 'changed', file, origin: 'external' }]);
});

test('an editor moving the old file aside and writing a new one: a change, not a removal', async () => {
  const file = conversation('backup');
  const from = events.seen.length;
  const text = temp.readText(file);
  renameSync(temp.path(file), temp.path(`${file}~`));
  temp.write(file, text.replace('"Hey."', '"Saved after backup"'));
  await events.next((event) => event.file === file, from);
  await quietPeriod();
  assert.equal(events.for(file, from), [{ type: 'changed', file, origin: 'external' }]);
});

test('an editor truncating then writing in two parts: no invalid for the half-written moment', async () => {
  const file = conversation('truncate');
  const from = events.seen.length;
  const text = temp.readText(file).replace('"Hi"', '"Written in two parts"');
  const descriptor = openSync(temp.path(file), 'w');
  writeSync(descriptor, text.slice(0, 200));
  await new Promise((resolve) => setTimeout(resolve, settleMs / 2));
  writeSync(descriptor, text.slice(200));
  closeSync(descriptor);
  await events.next((event) => event.file === file, from);
  await quietPeriod();
  assert.equal(events.for(file, from), [{ type: 'changed', file, origin: 'external' }]);
});

test('a file left invalid is reported with the problem (after a second look)', async () => {
  const file = conversation('broken');
  const from = events.seen.length;
  temp.write(file, temp.readText(file).replace('"role": "user"', '"role": "robot"'));
  const event = (await events.next((candidate) => candidate.file === file, from)) as FileChanged;
  assert.equal([event.type, event.origin, event.error?.code], ['invalid', 'external', 'INVALID_FILE']);
  assert.match(event.error!.message, /data\/conversations\/broken\/conversation.json at \/nodes\/u1\/role must be/);
});

test('a deleted file is reported as removed', async () => {
  const file = conversation('removed');
  const from = events.seen.length;
  unlinkSync(temp.path(file));
  assert.equal(await events.next((event) => event.file === file, from), { type: 'removed', file, origin: 'external' });
});

test("a conversation created after the watcher started: its creation is the engine's, a hand edit external", async () => {
  const file = conversation('created-later');
  const from = events.seen.length;
  await store.create(file, branchyTree(), { type: 'threaded' });
  assert.equal(await events.next((event) => event.file === file, from), { type: 'changed', file, origin: 'engine' });
  await quietPeriod();
  const edited = events.seen.length;
  temp.write(file, temp.readText(file).replace('"Hello."', '"Edited by hand"'));
  assert.equal(await events.next((event) => event.file === file, edited), { type: 'changed', file, origin: 'external' });
});

test('LLM config edits are reported too', async () => {
  const file = 'data/llm_configs/mock.json';
  const from = events.seen.length;
  temp.writeLlmConfig('mock', { provider: 'mock', model: 'changed' });
  assert.equal(await events.next((event) => event.file === file, from), { type: 'changed', file, origin: 'external' });
});

test.run();
