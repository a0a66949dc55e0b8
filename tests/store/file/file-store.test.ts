import { chmodSync, closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../../src/lib/logger.js';
import { createFileStore, type FileStore } from '../../../src/store/file/file-store.js';
import { branchyTree } from '../../helpers/conversation-trees.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';
import { failure } from '../../helpers/call-failure.js';
import { appendPlan, storeContractSuite, type StoreWorld } from '../store-suite.js';

/** The contract, with writes on the main thread and on the writer thread. */
for (const [label, workerThreshold] of [
  ['file store, main thread', Number.POSITIVE_INFINITY],
  ['file store, writer thread', 0],
] as const) {
  storeContractSuite(label, () => {
    const temp = createTempRoot();
    const open = (): FileStore => createFileStore({ root: temp.root, logger: silentLogger, workerThreshold, settleMs: 50 });
    const store = open();
    const world: StoreWorld = {
      store,
      temp,
      put: (slug, doc, settings) => {
        const file = temp.writeConversation(slug, doc);
        if (settings !== undefined) temp.write(`data/conversations/${slug}/settings.json`, settings);
        return Promise.resolve(file);
      },
      storedText: (file) => Promise.resolve(temp.readText(file)),
      storedSettings: (file) => {
        try {
          return Promise.resolve(readFileSync(temp.path(file.replace(/[^/]+$/, 'settings.json')), 'utf8'));
        } catch {
          return Promise.resolve(undefined);
        }
      },
      schemaOf: (name) => temp.schemaReference('data/conversations/new', name),
      otherStore: () => Promise.resolve(open()),
      async cleanup() {
        await store.close();
        temp.cleanup();
      },
    };
    return Promise.resolve(world);
  });
}

const files = suite('file store: what only files have');
let temp: TempRoot;
let store: FileStore;

files.before.each(() => {
  temp = createTempRoot();
  store = createFileStore({ root: temp.root, logger: silentLogger });
});
files.after.each(async () => {
  await store.close();
  temp.cleanup();
});

files('the file mode is kept', async () => {
  const file = temp.writeConversation('demo', branchyTree());
  chmodSync(temp.path(file), 0o640);
  await store.commit(file, appendPlan('n1', 'a4'));
  assert.is(statSync(temp.path(file)).mode & 0o777, 0o640);
});

files('a file that does not parse: INVALID_FILE with line and column, and it is never written', async () => {
  const file = temp.writeConversation('demo', '{\n  "roots": [],\n  "nodes": {,\n}\n');
  const before = temp.readBytes(file);
  const error = await failure(store.read(file));
  assert.is(error.code, 'INVALID_FILE');
  assert.match(error.message, /^data\/conversations\/demo\/conversation.json \(line 3, column 13\) is not valid JSON/);
  assert.equal((error.details as { line: number }).line, 3);
  assert.is((await failure(store.commit(file, appendPlan('n1', 'r1')))).code, 'INVALID_FILE');
  assert.ok(temp.readBytes(file).equals(before));
});

files('list skips stray files beside the conversation folders', async () => {
  temp.writeConversation('demo', branchyTree());
  temp.write('data/conversations/stray.json', '{}');
  assert.equal(
    (await store.list()).map((summary) => summary.file),
    ['data/conversations/demo/conversation.json'],
  );
});

files('status: the watcher is off until asked for', async () => {
  assert.equal(store.status(), { watching: false });
  await store.watcherReady();
  assert.equal(store.status(), { watching: true });
});

files("descriptors the writer thread hands over are the main thread's: the thread's exit closes none of them", async () => {
  // A save on the writer thread keeps the version it moved aside open and hands that descriptor over; the main
  // thread closes it later, and the number is free again for the main thread's own files.
  const writer = createFileStore({ root: temp.root, logger: silentLogger, workerThreshold: 0, asideCheckDelaysMs: [1] });
  const file = temp.writeConversation('aside', branchyTree());
  await writer.commit(file, appendPlan('n1', 'a4'));
  await writer.commit(file, appendPlan('n2', 'n1'));
  await sleep(100);
  const mine = Array.from({ length: 16 }, () => openSync(temp.path(file), 'r'));
  await writer.close();
  await sleep(50);
  const closed = mine.filter((fd) => {
    try {
      fstatSync(fd);
      closeSync(fd);
      return false;
    } catch {
      return true;
    }
  });
  assert.equal(closed, [], 'the writer thread closed descriptors of the main thread when it stopped');
});

files.run();
