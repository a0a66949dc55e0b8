import { chmodSync, existsSync, statSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../../src/lib/logger.js';
import { CallError } from '../../../src/lib/call-error.js';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { createFileStore, type FileStore } from '../../../src/store/file/file-store.js';
import { appendMessage, validateDoc } from '../../../src/store/tree/index.js';
import { branchyTree } from '../../helpers/conversation-trees.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';
import { failure } from '../../helpers/call-failure.js';

/** A plan appending one user node under `pid`. */
function appendPlan(nodeId: string, pid: string) {
  return (doc: ConversationDoc) => {
    const mutation = appendMessage(doc, { nodeId, pid, role: 'user', content: `text of ${nodeId}` }, { now: 'NOW', where: 'test' });
    return { changes: mutation.changes, result: (after: ConversationDoc) => Object.keys(after.nodes).length };
  };
}

/** Runs the same tests with writes on the main thread and on the writer thread. */
for (const [label, workerThreshold] of [
  ['main thread', Number.POSITIVE_INFINITY],
  ['writer thread', 0],
] as const) {
  const test = suite(`file store (${label})`);
  let temp: TempRoot;
  let store: FileStore;
  let file: string;

  test.before.each(() => {
    temp = createTempRoot();
    file = temp.writeConversation('demo', branchyTree());
    store = createFileStore({ root: temp.root, logger: silentLogger, workerThreshold });
  });
  test.after.each(async () => {
    await store.close();
    temp.cleanup();
  });

  test('unknown fields and key order survive a rewrite: 2-space JSON, UTF-8, trailing newline', async () => {
    const original = { ...branchyTree(), name: 'Gespräch 对话 🌊' };
    temp.writeConversation('demo', original);
    await store.commit(file, appendPlan('n1', 'a4'));
    const expected = {
      ...original,
      nodes: { ...original.nodes, n1: { pid: 'a4', role: 'user', content: 'text of n1', node_updated_at: 'NOW' } },
      children: { u1: ['a2', 'a1'], a4: ['n1'] },
      active_path: ['r1', 'u1', 'a1', 'u2', 'a4', 'n1'],
      updated_at: 'NOW',
    };
    assert.is(temp.readText(file), JSON.stringify(expected, null, 2) + '\n');
  });

  test('the file mode is kept', async () => {
    chmodSync(temp.path(file), 0o640);
    await store.commit(file, appendPlan('n1', 'a4'));
    assert.is(statSync(temp.path(file)).mode & 0o777, 0o640);
  });

  test('fifty concurrent changes all land, and the file stays valid', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, index) => store.commit(file, appendPlan(`c${index}`, 'a4'))));
    const written = temp.readJson<ConversationDoc>(file);
    assert.is(validateDoc(written), undefined);
    assert.is(Object.keys(written.nodes).length, 9 + 50);
    assert.equal(new Set(results.map(({ result }) => result)).size, 50, 'each change saw the ones before it');
    assert.equal(await store.read(file), written);
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
    assert.equal(
      Object.keys(temp.readJson<ConversationDoc>(file).nodes).filter((id) => id.startsWith('ok')),
      ['ok1', 'ok2'],
    );
  });

  test('update() edits a private copy; a throwing change writes nothing', async () => {
    const before = temp.readBytes(file);
    const error = await failure(
      store.update(file, (doc) => {
        doc.nodes['a1']!.content = 'half done';
        throw new CallError('CONFLICT', 'changed my mind');
      }),
    );
    assert.is(error.message, 'changed my mind');
    assert.ok(temp.readBytes(file).equals(before));
    assert.is((await store.read(file)).nodes['a1']!.content, 'Hello.');
    const { result } = await store.update(file, (doc) => {
      doc.nodes['a1']!.content = 'Edited';
      return 'done';
    });
    assert.is(result, 'done');
    assert.is(temp.readJson<ConversationDoc>(file).nodes['a1']!.content, 'Edited');
  });

  test('a change that would make the tree invalid is refused and writes nothing', async () => {
    const before = temp.readBytes(file);
    const error = await failure(
      store.update(file, (doc) => {
        doc.nodes['a1']!.role = 'tool' as never;
      }),
    );
    assert.is(error.code, 'BAD_INPUT');
    assert.match(error.message, /would make data\/conversations\/demo\/conversation.json invalid at \/nodes\/a1\/role/);
    assert.ok(temp.readBytes(file).equals(before));
  });

  test('a hand edit is seen by the next read and the next change (cache keyed by the file version)', async () => {
    assert.is((await store.read(file)).nodes['a1']!.content, 'Hello.');
    const edited = branchyTree();
    edited.nodes['a1']!.content = 'Edited by hand';
    temp.writeConversation('demo', edited);
    assert.is((await store.read(file)).nodes['a1']!.content, 'Edited by hand');
    await store.commit(file, appendPlan('n1', 'a4'));
    assert.is(temp.readJson<ConversationDoc>(file).nodes['a1']!.content, 'Edited by hand');
  });

  test('a read never shows changes that are not on disk, and its tree never changes afterwards', async () => {
    let writing = true;
    const mismatches: string[] = [];
    const reader = (async () => {
      while (writing) {
        const doc = await store.read(file);
        const seen = Object.keys(doc.nodes).join();
        // Every node read is on disk already (the file may be a write ahead: the read is a snapshot).
        const onDisk = new Set(Object.keys(temp.readJson<ConversationDoc>(file).nodes));
        const ahead = Object.keys(doc.nodes).filter((id) => !onDisk.has(id));
        if (ahead.length > 0) mismatches.push(`read ${ahead.join()} before it was on disk`);
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

  test.run();
}

const broken = suite('file store: files it cannot use');
let temp: TempRoot;
let store: FileStore;

broken.before.each(() => {
  temp = createTempRoot();
  store = createFileStore({ root: temp.root, logger: silentLogger });
});
broken.after.each(async () => {
  await store.close();
  temp.cleanup();
});

broken('a file that does not parse: INVALID_FILE with line and column, and it is never written', async () => {
  const file = temp.writeConversation('demo', '{\n  "roots": [],\n  "nodes": {,\n}\n');
  const before = temp.readBytes(file);
  const error = await failure(store.read(file));
  assert.is(error.code, 'INVALID_FILE');
  assert.match(error.message, /^data\/conversations\/demo\/conversation.json \(line 3, column 13\) is not valid JSON/);
  assert.equal((error.details as { line: number }).line, 3);
  assert.is((await failure(store.commit(file, appendPlan('n1', 'r1')))).code, 'INVALID_FILE');
  assert.ok(temp.readBytes(file).equals(before));
});

broken('a file that does not validate: INVALID_FILE naming the JSON pointer, file untouched', async () => {
  const doc = branchyTree();
  (doc.nodes['a1'] as Record<string, unknown>)['role'] = 'robot';
  const file = temp.writeConversation('demo', doc);
  const before = temp.readBytes(file);
  const error = await failure(store.update(file, (tree) => void (tree.nodes['u1']!.content = 'x')));
  assert.is(error.code, 'INVALID_FILE');
  assert.match(error.message, /^data\/conversations\/demo\/conversation.json at \/nodes\/a1\/role must be "system", "user" or "assistant"/);
  assert.equal(error.details, { file, pointer: '/nodes/a1/role', message: 'must be "system", "user" or "assistant"' });
  assert.ok(temp.readBytes(file).equals(before));
});

broken('a missing file is NOT_FOUND; paths outside are FORBIDDEN', async () => {
  assert.is((await failure(store.read('data/conversations/none/conversation.json'))).code, 'NOT_FOUND');
  assert.is((await failure(store.commit('data/conversations/none/conversation.json', appendPlan('x', 'y')))).code, 'NOT_FOUND');
  assert.is((await failure(store.read('../../etc/passwd.json'))).code, 'FORBIDDEN');
  assert.is((await failure(store.read('data/llm_configs/mock.json'))).code, 'FORBIDDEN');
  assert.ok(!existsSync(temp.path('data/conversations/none')), 'nothing was created');
});

const create = suite('file store: create, settings, list');

create.before.each(() => {
  temp = createTempRoot();
  store = createFileStore({ root: temp.root, logger: silentLogger });
});
create.after.each(async () => {
  await store.close();
  temp.cleanup();
});

create('create writes the tree and settings, each naming its schema first; the folder must be new', async () => {
  temp.writeLlmConfig('mock', { provider: 'mock' });
  const file = 'data/conversations/new/conversation.json';
  await store.create(file, branchyTree(), { type: 'threaded', llm_config: 'data/llm_configs/mock.json' });
  const schema = (name: string): string => temp.schemaReference('data/conversations/new', name);
  const settings = { $schema: schema('settings.schema.json'), type: 'threaded', llm_config: 'data/llm_configs/mock.json' };
  assert.is(temp.readText(file), JSON.stringify({ $schema: schema('conversation.schema.json'), ...branchyTree() }, null, 2) + '\n');
  assert.is(temp.readText('data/conversations/new/settings.json'), JSON.stringify(settings, null, 2) + '\n');
  assert.equal(await store.readSettings(file), settings);
  assert.is((await failure(store.create(file, branchyTree(), {}))).code, 'CONFLICT');
});

create('create refuses an LLM config outside data/llm_configs/ or missing, and creates nothing', async () => {
  const file = 'data/conversations/new/conversation.json';
  assert.is((await failure(store.create(file, branchyTree(), { llm_config: '../secrets.json' }))).code, 'FORBIDDEN');
  assert.is((await failure(store.create(file, branchyTree(), { llm_config: 'data/llm_configs/none.json' }))).code, 'NOT_FOUND');
  assert.is((await failure(store.create(file, { roots: 'x' } as never, {}))).code, 'BAD_INPUT');
  assert.ok(!existsSync(temp.path('data/conversations/new')));
});

create('settings: {} when absent, INVALID_FILE when broken', async () => {
  const file = temp.writeConversation('demo', branchyTree());
  assert.equal(await store.readSettings(file), {});
  temp.write('data/conversations/demo/settings.json', '{"llm_config": 5}');
  const error = await failure(store.readSettings(file));
  assert.equal([error.code, (error.details as { pointer: string }).pointer], ['INVALID_FILE', '/llm_config']);
});

create('list: most recent first; a broken conversation is listed with its error', async () => {
  temp.writeConversation('old', { ...branchyTree(), updated_at: '2024-01-01T00:00:00+00:00' });
  temp.writeConversation('new', { roots: [], nodes: {}, active_path: [], updated_at: '2025-06-01T00:00:00+00:00' });
  temp.writeConversation('broken', '{');
  temp.write('data/conversations/stray.json', '{}');
  const listed = await store.list();
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

create('status: the watcher is off until asked for', async () => {
  assert.equal(store.status(), { watching: false });
  await store.watcherReady();
  assert.equal(store.status(), { watching: true });
});

broken.run();
create.run();
