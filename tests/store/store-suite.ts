import { existsSync, rmSync, writeFileSync } from 'node:fs';
/**
 * @module The ConversationStore contract as tests, run against every back end (the file store, the PostgreSQL
 * store): a back end hands in a factory for a fresh world (an empty store, a way to put a conversation there as a
 * person would, and a way to read back the exact stored text), and the same tests run on it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CallError } from '../../src/lib/call-error.js';
import type { ConversationStore } from '../../src/store/conversation-store.js';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import type { WatchEvent } from '../../src/store/watch/watch-event.js';
import { appendMessage, validateDoc } from '../../src/store/tree/index.js';
import { branchyTree } from '../helpers/conversation-trees.js';
import { failure } from '../helpers/call-failure.js';
import type { TempRoot } from '../helpers/temp-root.js';

export interface StoreWorld {
  store: ConversationStore;
  /** The project root (LLM configs stay files under it with every back end). */
  temp: TempRoot;
  /** Puts a conversation there as a person would (by hand: an editor, psql); returns its file parameter. */
  put(slug: string, doc: object | string, settings?: object | string): Promise<string>;
  /** The stored text of a conversation, exactly. */
  storedText(file: string): Promise<string>;
  /** The stored text of the settings beside a conversation, or undefined when there are none. */
  storedSettings(file: string): Promise<string | undefined>;
  /**
   * The `$schema` a created conversation and its settings start with (files name the schemas beside them, for
   * editors); undefined where the back end keeps no such key.
   */
  schemaOf?: (file: 'conversation.schema.json' | 'settings.schema.json') => string;
  /** A second store on the same storage (another process, another server). */
  otherStore(): Promise<ConversationStore>;
  cleanup(): Promise<void>;
}

/** A plan appending one user node under `pid`. */
export function appendPlan(nodeId: string, pid: string) {
  return (doc: ConversationDoc) => {
    const mutation = appendMessage(doc, { nodeId, pid, role: 'user', content: `text of ${nodeId}` }, { now: 'NOW', where: 'test' });
    return { changes: mutation.changes, result: (after: ConversationDoc) => Object.keys(after.nodes).length };
  };
}

/** Collects watch events of a store until stopped; `next` waits (generously) for one that matches. */
async function collect(store: ConversationStore, signal: AbortSignal, seen: WatchEvent[]): Promise<void> {
  for await (const event of store.watch(signal)) seen.push(event);
}

async function eventually(seen: WatchEvent[], match: (event: WatchEvent) => boolean, timeoutMs = 15_000): Promise<WatchEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = seen.find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching watch event within ${timeoutMs} ms; seen: ${JSON.stringify(seen)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function storeContractSuite(label: string, createWorld: () => Promise<StoreWorld>): void {
  const test = suite(`conversation store contract (${label})`);
  let world: StoreWorld;
  let store: ConversationStore;
  let file: string;

  test.before.each(async () => {
    world = await createWorld();
    store = world.store;
    file = await world.put('demo', branchyTree());
  });
  test.after.each(async () => {
    await world.cleanup();
  });

  test('unknown fields and key order survive a rewrite: 2-space JSON, UTF-8, trailing newline', async () => {
    const original = { ...branchyTree(), name: 'Gespräch 对话 🌊' };
    await world.put('demo', original);
    await store.commit(file, appendPlan('n1', 'a4'));
    const expected = {
      ...original,
      nodes: { ...original.nodes, n1: { pid: 'a4', role: 'user', content: 'text of n1', node_updated_at: 'NOW' } },
      children: { u1: ['a2', 'a1'], a4: ['n1'] },
      active_path: ['r1', 'u1', 'a1', 'u2', 'a4', 'n1'],
      updated_at: 'NOW',
    };
    assert.is(await world.storedText(file), JSON.stringify(expected, null, 2) + '\n');
  });

  test('fifty concurrent changes all land, and the tree stays valid', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, index) => store.commit(file, appendPlan(`c${index}`, 'a4'))));
    const written = JSON.parse(await world.storedText(file)) as ConversationDoc;
    assert.is(validateDoc(written), undefined);
    assert.is(Object.keys(written.nodes).length, 9 + 50);
    assert.equal(new Set(results.map(({ result }) => result)).size, 50, 'each change saw the ones before it');
    assert.equal(await store.read(file), written);
  });

  test('two stores changing one conversation at once lose no update', async () => {
    const other = await world.otherStore();
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? store : other).commit(file, appendPlan(`both${index}`, 'a4'))),
      );
      const written = JSON.parse(await world.storedText(file)) as ConversationDoc;
      assert.equal(
        Object.keys(written.nodes)
          .filter((id) => id.startsWith('both'))
          .sort(),
        Array.from({ length: 20 }, (_, index) => `both${index}`).sort(),
      );
    } finally {
      await other.close();
    }
  });

  test('a plan that throws is rejected alone; the rest of its batch lands', async () => {
    const outcomes = await Promise.allSettled([
      store.commit(file, appendPlan('ok1', 'a4')),
      store.commit(file, appendPlan('bad', 'no_such_parent')),
      store.commit(file, appendPlan('ok2', 'a4')),
    ]);
    assert.equal(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const written = JSON.parse(await world.storedText(file)) as ConversationDoc;
    assert.equal(
      Object.keys(written.nodes).filter((id) => id.startsWith('ok')),
      ['ok1', 'ok2'],
    );
  });

  test('update() edits a private copy; a throwing change writes nothing', async () => {
    const before = await world.storedText(file);
    const error = await failure(
      store.update(file, (doc) => {
        doc.nodes['a1']!.content = 'half done';
        throw new CallError('CONFLICT', 'changed my mind');
      }),
    );
    assert.is(error.message, 'changed my mind');
    assert.is(await world.storedText(file), before);
    assert.is((await store.read(file)).nodes['a1']!.content, 'Hello.');
    const { result } = await store.update(file, (doc) => {
      doc.nodes['a1']!.content = 'Edited';
      return 'done';
    });
    assert.is(result, 'done');
    assert.is((JSON.parse(await world.storedText(file)) as ConversationDoc).nodes['a1']!.content, 'Edited');
  });

  test('a change that would make the tree invalid is refused and writes nothing', async () => {
    const before = await world.storedText(file);
    const error = await failure(
      store.update(file, (doc) => {
        doc.nodes['a1']!.role = 'tool' as never;
      }),
    );
    assert.is(error.code, 'BAD_INPUT');
    assert.match(error.message, /would make data\/conversations\/demo\/conversation.json invalid at \/nodes\/a1\/role/);
    assert.is(await world.storedText(file), before);
  });

  test('a hand edit is seen by the next read and the next change', async () => {
    assert.is((await store.read(file)).nodes['a1']!.content, 'Hello.');
    const edited = branchyTree();
    edited.nodes['a1']!.content = 'Edited by hand';
    await world.put('demo', edited);
    assert.is((await store.read(file)).nodes['a1']!.content, 'Edited by hand');
    await store.commit(file, appendPlan('n1', 'a4'));
    assert.is((JSON.parse(await world.storedText(file)) as ConversationDoc).nodes['a1']!.content, 'Edited by hand');
  });

  test('a read never shows changes that are not stored, and its tree never changes afterwards', async () => {
    let writing = true;
    const mismatches: string[] = [];
    const reader = (async () => {
      while (writing) {
        const doc = await store.read(file);
        const seen = Object.keys(doc.nodes).join();
        const stored = new Set(Object.keys((JSON.parse(await world.storedText(file)) as ConversationDoc).nodes));
        const ahead = Object.keys(doc.nodes).filter((id) => !stored.has(id));
        if (ahead.length > 0) mismatches.push(`read ${ahead.join()} before it was stored`);
        await new Promise((resolve) => setImmediate(resolve));
        if (Object.keys(doc.nodes).join() !== seen) mismatches.push('a tree already read changed afterwards');
      }
    })();
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 5 }, (_, index) => store.commit(file, appendPlan(`r${round}_${index}`, 'a4'))));
    }
    writing = false;
    await reader;
    assert.equal(mismatches, []);
  });

  test('a plan may read its own file without waiting for its own batch', async () => {
    const { result } = await store.update(file, async (doc) => {
      doc.nodes['a1']!.content = 'x';
      return (await store.read(file)).nodes['a1']!.content;
    });
    assert.is(result, 'Hello.', 'the tree as it was when the batch began: its changes are not applied until the plan returns');
  });

  test('nodes of a read tree are frozen: a careless reader cannot change the cache', async () => {
    const doc = await store.read(file);
    assert.throws(() => {
      doc.nodes['a1']!.content = 'x';
    }, TypeError);
  });

  test('a tree that does not validate: INVALID_FILE naming the JSON pointer, left untouched', async () => {
    const doc = branchyTree();
    (doc.nodes['a1'] as Record<string, unknown>)['role'] = 'robot';
    await world.put('demo', doc);
    const before = await world.storedText(file);
    const error = await failure(store.update(file, (tree) => void (tree.nodes['u1']!.content = 'x')));
    assert.is(error.code, 'INVALID_FILE');
    assert.match(
      error.message,
      /^data\/conversations\/demo\/conversation.json at \/nodes\/a1\/role must be "system", "user" or "assistant"/,
    );
    assert.equal(error.details, { file, pointer: '/nodes/a1/role', message: 'must be "system", "user" or "assistant"' });
    assert.is(await world.storedText(file), before);
  });

  test('a missing conversation is NOT_FOUND; paths outside are FORBIDDEN', async () => {
    assert.is((await failure(store.read('data/conversations/none/conversation.json'))).code, 'NOT_FOUND');
    assert.is((await failure(store.commit('data/conversations/none/conversation.json', appendPlan('x', 'y')))).code, 'NOT_FOUND');
    assert.is((await failure(store.read('../../etc/passwd.json'))).code, 'FORBIDDEN');
    assert.is((await failure(store.read('data/llm_configs/mock.json'))).code, 'FORBIDDEN');
    assert.equal(
      (await store.list()).map((summary) => summary.file),
      [file],
      'nothing was created',
    );
  });

  test('create stores the tree and settings; the conversation must be new', async () => {
    world.temp.writeLlmConfig('mock', { provider: 'mock' });
    const created = 'data/conversations/new/conversation.json';
    await store.create(created, branchyTree(), { type: 'threaded', llm_config: 'data/llm_configs/mock.json' });
    const schema = (name: 'conversation.schema.json' | 'settings.schema.json') => (world.schemaOf ? { $schema: world.schemaOf(name) } : {});
    const settings = { ...schema('settings.schema.json'), type: 'threaded', llm_config: 'data/llm_configs/mock.json' };
    assert.is(await world.storedText(created), JSON.stringify({ ...schema('conversation.schema.json'), ...branchyTree() }, null, 2) + '\n');
    assert.equal(JSON.parse((await world.storedSettings(created))!), settings);
    assert.equal(await store.readSettings(created), settings);
    assert.is((await failure(store.create(created, branchyTree(), {}))).code, 'CONFLICT');
  });

  test('create refuses an LLM config outside data/llm_configs/ or missing, and a bad tree; creates nothing', async () => {
    const created = 'data/conversations/new/conversation.json';
    assert.is((await failure(store.create(created, branchyTree(), { llm_config: '../secrets.json' }))).code, 'FORBIDDEN');
    assert.is((await failure(store.create(created, branchyTree(), { llm_config: 'data/llm_configs/none.json' }))).code, 'NOT_FOUND');
    assert.is((await failure(store.create(created, { roots: 'x' } as never, {}))).code, 'BAD_INPUT');
    assert.is((await failure(store.read(created))).code, 'NOT_FOUND');
  });

  test('settings: {} when absent, INVALID_FILE when broken', async () => {
    assert.equal(await store.readSettings(file), {});
    await world.put('demo', branchyTree(), '{"llm_config": 5}');
    const error = await failure(store.readSettings(file));
    assert.equal([error.code, (error.details as { pointer: string }).pointer], ['INVALID_FILE', '/llm_config']);
  });

  test('list: most recent first; a broken conversation is listed with its error', async () => {
    await world.put('old', { ...branchyTree(), updated_at: '2024-01-01T00:00:00+00:00' });
    await world.put('new', { roots: [], nodes: {}, active_path: [], updated_at: '2025-06-01T00:00:00+00:00' });
    await world.put('broken', '{"roots": "x"}\n');
    const listed = (await store.list()).filter((summary) => !summary.file.includes('/demo/'));
    assert.equal(
      listed.map(({ file, name, nodes_count, updated_at }) => ({ file, name, nodes_count, updated_at })),
      [
        { file: 'data/conversations/new/conversation.json', name: 'new', nodes_count: 0, updated_at: '2025-06-01T00:00:00+00:00' },
        { file: 'data/conversations/old/conversation.json', name: 'Branchy', nodes_count: 9, updated_at: '2024-01-01T00:00:00+00:00' },
        { file: 'data/conversations/broken/conversation.json', name: 'broken', nodes_count: 0, updated_at: undefined },
      ],
    );
    assert.is(listed[2]!.error?.code, 'INVALID_FILE');
  });

  test('watch: a change saved by another store is a changed event; a hand edit is external', async () => {
    const other = await world.otherStore();
    const controller = new AbortController();
    const seen: WatchEvent[] = [];
    const watching = collect(store, controller.signal, seen);
    try {
      await eventuallyWatching(store);
      await other.commit(file, appendPlan('from_other', 'a4'));
      // Its origin depends on the back end: a file store cannot tell another process from an editor.
      const fromOther = await eventually(seen, (event) => event.file === file);
      assert.equal([fromOther.type, fromOther.file], ['changed', file]);
      assert.is((await store.read(file)).nodes['from_other']?.content, 'text of from_other');
      seen.length = 0;
      const edited = branchyTree();
      edited.nodes['a1']!.content = 'Edited by hand';
      await world.put('demo', edited);
      assert.equal(await eventually(seen, (event) => event.file === file), { type: 'changed', file, origin: 'external' });
      assert.is((await store.read(file)).nodes['a1']!.content, 'Edited by hand');
    } finally {
      controller.abort();
      await watching;
      await other.close();
    }
  });

  test('watch: an LLM config edited by hand is changed, a broken one invalid, a deleted one removed', async () => {
    const config = world.temp.writeLlmConfig('watched', { provider: 'mock' });
    const controller = new AbortController();
    const seen: WatchEvent[] = [];
    const watching = collect(store, controller.signal, seen);
    try {
      await eventuallyWatching(store);
      world.temp.writeLlmConfig('watched', { provider: 'mock', model: 'changed' });
      assert.equal(await eventually(seen, (event) => event.file === config), { type: 'changed', file: config, origin: 'external' });
      seen.length = 0;
      writeFileSync(world.temp.path(config), '{"provider": ');
      const broken = await eventually(seen, (event) => event.file === config);
      assert.equal(
        [broken.type, broken.origin, broken.type === 'invalid' ? broken.error?.code : undefined],
        ['invalid', 'external', 'INVALID_FILE'],
      );
      seen.length = 0;
      rmSync(world.temp.path(config));
      assert.equal(await eventually(seen, (event) => event.file === config), { type: 'removed', file: config, origin: 'external' });
    } finally {
      controller.abort();
      await watching;
    }
  });

  /** A real PNG's first bytes: enough for the store, which does not check types (the steps do). */
  const image = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

  test('remove deletes the conversation with its attachments; removing it again is NOT_FOUND', async () => {
    const reference = await store.writeAttachment(file, image, 'png');
    await store.remove(file);
    assert.is((await failure(store.read(file))).code, 'NOT_FOUND');
    assert.equal(
      (await store.list()).map((summary) => summary.file),
      [],
    );
    assert.not.ok(existsSync(world.temp.path(`data/conversations/demo/${reference}`)), 'the attachment went with it');
    assert.not.ok(existsSync(world.temp.path('data/conversations/demo')), 'the folder went');
    const again = await failure(store.remove(file));
    assert.equal([again.code, again.message], ['NOT_FOUND', 'no conversation at data/conversations/demo/conversation.json']);
  });

  test('remove waits for the changes queued before it', async () => {
    const queued = store.commit(file, appendPlan('late', 'a4'));
    await store.remove(file);
    assert.is((await queued).result, 10);
    assert.is((await failure(store.read(file))).code, 'NOT_FOUND');
  });

  test('rename moves the conversation, its text unchanged, with its attachments; the old name is gone', async () => {
    const text = await world.storedText(file);
    const reference = await store.writeAttachment(file, image, 'png');
    const moved = await store.rename(file, 'data/conversations/trip/conversation.json');
    assert.is(moved, 'data/conversations/trip/conversation.json');
    assert.is(await world.storedText(moved), text);
    assert.equal(await store.read(moved), JSON.parse(text));
    assert.equal(await store.readAttachment(moved, reference, 'the test'), image);
    assert.is((await failure(store.read(file))).code, 'NOT_FOUND');
    assert.equal(
      (await store.list()).map((summary) => summary.file),
      [moved],
    );
    await store.commit(moved, appendPlan('after', 'a4'));
    assert.is((await store.read(moved)).nodes['after']?.content, 'text of after');
  });

  test('rename to a taken name is CONFLICT naming it, and nothing moves; a missing conversation is NOT_FOUND', async () => {
    const other = await world.put('other', { ...branchyTree(), name: 'Other' });
    const [ownText, otherText] = [await world.storedText(file), await world.storedText(other)];
    const taken = await failure(store.rename(file, other));
    assert.equal([taken.code, taken.message], ['CONFLICT', 'data/conversations/other/ already exists']);
    assert.equal([await world.storedText(file), await world.storedText(other)], [ownText, otherText]);
    const missing = await failure(store.rename('data/conversations/nowhere/conversation.json', 'data/conversations/x/conversation.json'));
    assert.equal([missing.code, missing.message], ['NOT_FOUND', 'no conversation at data/conversations/nowhere/conversation.json']);
  });

  test.run();
}

async function eventuallyWatching(store: ConversationStore, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!store.status().watching) {
    if (Date.now() > deadline) throw new Error('the store did not start watching');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
