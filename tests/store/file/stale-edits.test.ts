/**
 * Nothing the engine saved vanishes silently: an outside write that removes nodes it saved recently (a stale copy
 * saved by rename or in place, a deletion by hand) is kept in a recovery file and announced on the watch stream;
 * an in-place edit written into a version a save had moved aside is found and kept the same way.
 */
import { closeSync, ftruncateSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { WatchEvent } from '../../../src/store/watch/watch-event.js';
import { createHarness, stamped, type Harness } from '../../modules/chat_branches/setup.js';
import { linearTree } from '../../helpers/conversation-trees.js';

const test = suite('stale edits are kept');

interface Watching {
  events: WatchEvent[];
  next(type: WatchEvent['type'], timeoutMs?: number): Promise<WatchEvent>;
  stop(): void;
}

function watching(harness: Harness): Watching {
  const controller = new AbortController();
  const events: WatchEvent[] = [];
  void (async () => {
    for await (const event of harness.store.watch(controller.signal)) events.push(event);
  })();
  return {
    events,
    async next(type, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find((event) => event.type === type);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${type} event within ${timeoutMs} ms; seen ${JSON.stringify(events)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: () => controller.abort(),
  };
}

async function started(options: Parameters<typeof createHarness>[0] = {}): Promise<{ harness: Harness; file: string; watch: Watching }> {
  const harness = createHarness({ watch: true, settleMs: 50, asideCheckDelaysMs: [100, 600], ...options });
  const file = harness.temp.writeConversation('chat', linearTree(2));
  await harness.store.watcherReady();
  return { harness, file, watch: watching(harness) };
}

async function reply(harness: Harness, file: string, pid: string, nodeId: string, content: string): Promise<void> {
  await harness.api.call('modules/chat_branches/append_message', {
    file,
    pid,
    node_id: nodeId,
    role: 'assistant',
    content,
    return_mode: 'none',
  });
}

function recoveryFiles(harness: Harness): string[] {
  return readdirSync(harness.temp.path('data/conversations/chat')).filter((name) => name.startsWith('recovered-'));
}

/** The recovery file as written, with its detection time and the engine's timestamps made comparable. */
function recordOf(harness: Harness, recoveryFile: string): Record<string, unknown> {
  const record = stamped(harness.temp.readJson<Record<string, unknown>>(recoveryFile));
  assert.match(String(record['detected_at']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  return { ...record, detected_at: 'DETECTED' };
}

const removedReason =
  'a write from outside the engine removed 2 node(s) the engine had saved within the last 10 min (an editor saving a copy read ' +
  'before they were saved, or a deletion by hand); they are kept here and are not put back unless restored with ' +
  'modules/chat_branches/restore';

test('a stale copy saved by rename over the file: the replies it dropped are kept and announced', async () => {
  const { harness, file, watch } = await started();
  try {
    const stale = harness.temp.readText(file);
    await reply(harness, file, 't2', 'late1', 'First late reply.');
    await reply(harness, file, 'late1', 'late2', 'Under it.');
    writeFileSync(harness.temp.path(`${file}.swp`), stale);
    renameSync(harness.temp.path(`${file}.swp`), harness.temp.path(file));
    const event = await watch.next('nodes_removed_externally');
    const [name] = recoveryFiles(harness);
    const recoveryFile = `data/conversations/chat/${name}`;
    assert.equal(event, {
      type: 'nodes_removed_externally',
      file,
      origin: 'external',
      node_ids: ['late1', 'late2'],
      recovery_file: recoveryFile,
    });
    assert.match(name!, /^recovered-removed-\d{8}T\d{9}Z-[0-9a-f]{6}\.json$/);
    assert.equal(recordOf(harness, recoveryFile), {
      kind: 'nodes_removed_externally',
      conversation_file: file,
      reason: removedReason,
      detected_at: 'DETECTED',
      node_ids: ['late1', 'late2'],
      nodes: {
        late1: { pid: 't2', role: 'assistant', content: 'First late reply.', node_updated_at: 'TIME' },
        late2: { pid: 'late1', role: 'assistant', content: 'Under it.', node_updated_at: 'TIME' },
      },
      ancestors: { late1: ['t2', 't1', 's'] },
      active_path: ['s', 't1', 't2', 'late1', 'late2'],
    });
    // Kept, shown, and never put back on its own: the file stays as the editor left it.
    assert.is(harness.temp.readText(file), stale);
  } finally {
    watch.stop();
    await harness.close();
  }
});

test('a stale copy written in place (truncated and rewritten) is caught the same way', async () => {
  const { harness, file, watch } = await started();
  try {
    const stale = harness.temp.readText(file);
    await reply(harness, file, 't2', 'late1', 'First late reply.');
    const descriptor = openSync(harness.temp.path(file), 'r+');
    ftruncateSync(descriptor, 0);
    writeSync(descriptor, stale, 0);
    closeSync(descriptor);
    const event = await watch.next('nodes_removed_externally');
    assert.equal((event as { node_ids: string[] }).node_ids, ['late1']);
    assert.equal(recoveryFiles(harness).length, 1);
  } finally {
    watch.stop();
    await harness.close();
  }
});

test('a stale copy the engine saves on top of before the watcher looks is still caught', async () => {
  const { harness, file, watch } = await started({ settleMs: 2000 });
  try {
    const stale = harness.temp.readText(file);
    await reply(harness, file, 't2', 'late1', 'Lost to the editor.');
    writeFileSync(harness.temp.path(`${file}.swp`), stale);
    renameSync(harness.temp.path(`${file}.swp`), harness.temp.path(file));
    // The next save reads the editor's version and writes over it at once: the watcher never sees that version.
    await reply(harness, file, 't2', 'next', 'Saved after the stale write.');
    const event = await watch.next('nodes_removed_externally');
    assert.equal((event as { node_ids: string[] }).node_ids, ['late1']);
    assert.equal(Object.keys(harness.temp.readJson<{ nodes: object }>(file).nodes), ['s', 't1', 't2', 'next']);
  } finally {
    watch.stop();
    await harness.close();
  }
});

test('delete-and-create with a stale copy: caught when the file is back', async () => {
  const { harness, file, watch } = await started();
  try {
    const stale = harness.temp.readText(file);
    await reply(harness, file, 't2', 'late1', 'Gone with the old file.');
    rmSync(harness.temp.path(file));
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(harness.temp.path(file), stale);
    const event = await watch.next('nodes_removed_externally');
    assert.equal((event as { node_ids: string[] }).node_ids, ['late1']);
  } finally {
    watch.stop();
    await harness.close();
  }
});

test('a deletion by hand keeps what the engine saved recently, and only that', async () => {
  const { harness, file, watch } = await started();
  try {
    await reply(harness, file, 't2', 'late1', 'Recent.');
    const doc = harness.temp.readJson<{ nodes: Record<string, unknown>; active_path: string[] }>(file);
    delete doc.nodes['t2'];
    delete doc.nodes['late1'];
    doc.active_path = ['s', 't1'];
    harness.temp.write(file, doc);
    // t2 is older than the engine's saves and is the user's to delete; the reply under it is kept.
    const event = await watch.next('nodes_removed_externally');
    assert.equal((event as { node_ids: string[] }).node_ids, ['late1']);
    // A later deletion of old nodes only: nothing of the engine's recent saves is in it, so nothing is kept.
    const quiet = harness.temp.readJson<{ nodes: Record<string, unknown>; active_path: string[] }>(file);
    delete quiet.nodes['t1'];
    quiet.active_path = ['s'];
    harness.temp.write(file, quiet);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(recoveryFiles(harness).length, 1);
  } finally {
    watch.stop();
    await harness.close();
  }
});

test('with the window at 0 nothing is kept', async () => {
  const { harness, file, watch } = await started({ keepRemovedMs: 0 });
  try {
    const stale = harness.temp.readText(file);
    await reply(harness, file, 't2', 'late1', 'Not watched.');
    harness.temp.write(file, stale);
    await watch.next('changed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(recoveryFiles(harness), []);
  } finally {
    watch.stop();
    await harness.close();
  }
});

test('an in-place edit written into the version a save moved aside is found, kept and announced', async () => {
  const { harness, file, watch } = await started();
  try {
    const before = harness.temp.readText(file);
    // The editor opened the file before the save and writes after it: into the version the save replaced.
    const descriptor = openSync(harness.temp.path(file), 'r+');
    await reply(harness, file, 't2', 'late1', 'Saved meanwhile.');
    const edited = JSON.parse(before) as { nodes: Record<string, object>; x_edit?: number };
    edited.nodes['hand'] = { pid: 't1', role: 'user', content: 'typed by hand' };
    edited.x_edit = 1;
    ftruncateSync(descriptor, 0);
    writeSync(descriptor, JSON.stringify(edited, null, 2) + '\n', 0);
    closeSync(descriptor);
    const event = await watch.next('edit_written_aside');
    const [name] = recoveryFiles(harness);
    const recoveryFile = `data/conversations/chat/${name}`;
    assert.equal(event, {
      type: 'edit_written_aside',
      file,
      origin: 'external',
      node_ids: ['hand'],
      fields: ['x_edit'],
      recovery_file: recoveryFile,
    });
    assert.equal(recordOf(harness, recoveryFile), {
      kind: 'edit_written_aside',
      conversation_file: file,
      reason:
        'an in-place edit was written into the version of the file a save had just replaced, so it is not in the file; ' +
        'what it changed is kept here (restore with modules/chat_branches/restore), with the edited version whole',
      detected_at: 'DETECTED',
      node_ids: ['hand'],
      nodes: { hand: { pid: 't1', role: 'user', content: 'typed by hand' } },
      deleted_node_ids: [],
      fields: { x_edit: 1 },
      removed_fields: [],
      conflicts: [],
      edited_version: edited,
    });
    // The file holds the save; the edit is only in the recovery file, until restored.
    const restored = await harness.api.call<{ message: string }>('modules/chat_branches/restore', { file, recovery_file: recoveryFile });
    assert.is(restored.message, 'restored 1 node(s): hand; restored field(s) x_edit');
    const now = harness.temp.readJson<{ nodes: Record<string, unknown>; x_edit: number }>(file);
    assert.equal([Object.keys(now.nodes), now.x_edit], [['s', 't1', 't2', 'late1', 'hand'], 1]);
  } finally {
    watch.stop();
    await harness.close();
  }
});

test('a version moved aside and left untouched is closed without a word', async () => {
  const { harness, file, watch } = await started();
  try {
    await reply(harness, file, 't2', 'late1', 'Plain save.');
    await new Promise((resolve) => setTimeout(resolve, 900));
    assert.equal(recoveryFiles(harness), []);
    assert.equal(
      watch.events.filter((event) => event.type !== 'changed'),
      [],
    );
  } finally {
    watch.stop();
    await harness.close();
  }
});

test.run();
