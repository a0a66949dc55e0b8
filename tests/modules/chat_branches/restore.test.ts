/** modules/chat_branches/restore: kept nodes back under their parent, or the nearest surviving ancestor; bad input writes nothing. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { callError, createHarness, stamped, type Harness } from './setup.js';
import { linearTree } from '../../helpers/conversation-trees.js';

const test = suite('modules/chat_branches/restore');
let harness: Harness;
let file: string;
const recoveryFile = 'data/conversations/chat/recovered-removed-20261206T000000000Z-abcdef.json';

/** Two replies an outside write removed from under t2 (late1, and late2 under it), and a side reply under t1. */
function removedRecord(): object {
  return {
    kind: 'nodes_removed_externally',
    conversation_file: 'data/conversations/chat/conversation.json',
    reason: 'test',
    detected_at: '2026-12-06T00:00:00.000Z',
    node_ids: ['late1', 'late2', 'side'],
    nodes: {
      late1: { pid: 't2', role: 'assistant', content: 'First.', node_updated_at: '2026-12-06T00:00:00+00:00', meta: { model: 'm' } },
      late2: { pid: 'late1', role: 'user', content: 'Second.', x_kept: true },
      side: { pid: 't1', role: 'assistant', content: 'Side.' },
    },
    ancestors: { late1: ['t2', 't1', 's'], side: ['t1', 's'] },
    active_path: ['s', 't1', 't2', 'late1', 'late2'],
  };
}

test.before.each(() => {
  harness = createHarness();
  file = harness.temp.writeConversation('chat', linearTree(2));
  harness.temp.write(recoveryFile, removedRecord());
});

test.after.each(async () => {
  await harness.close();
});

test('every kept node goes back under its own parent; the active path follows the branch it was on', async () => {
  const result = await harness.api.call('modules/chat_branches/restore', { file, recovery_file: recoveryFile });
  assert.equal(stamped(result), {
    success: true,
    file,
    recovery_file: recoveryFile,
    restored: [
      { node_id: 'late1', placed: 'parent', parent_id: 't2' },
      { node_id: 'late2', placed: 'parent', parent_id: 'late1' },
      { node_id: 'side', placed: 'parent', parent_id: 't1' },
    ],
    already_present: [],
    fields: [],
    message: 'restored 3 node(s): late1, late2, side',
    updated_at: 'TIME',
  });
  assert.equal(stamped(harness.temp.readJson(file)), {
    roots: ['s'],
    nodes: {
      s: { pid: null, role: 'system', content: 'Be kind.' },
      t1: { pid: 's', role: 'user', content: 'turn 1' },
      t2: { pid: 't1', role: 'assistant', content: 'turn 2' },
      late1: { pid: 't2', role: 'assistant', content: 'First.', node_updated_at: 'TIME', meta: { model: 'm' } },
      late2: { pid: 'late1', role: 'user', content: 'Second.', x_kept: true },
      side: { pid: 't1', role: 'assistant', content: 'Side.' },
    },
    active_path: ['s', 't1', 't2', 'late1', 'late2'],
    children: { t2: ['late1'], late1: ['late2'], t1: ['t2', 'side'] },
    updated_at: 'TIME',
  });
});

test('a node whose parent is gone goes under the nearest surviving ancestor, and the reply says so', async () => {
  await harness.api.call('modules/chat_branches/delete_branch', { file, node_id: 't2', return_mode: 'none' });
  const result = await harness.api.call<Record<string, unknown>>('modules/chat_branches/restore', {
    file,
    recovery_file: recoveryFile,
    node_ids: ['late1'],
  });
  assert.equal(result['restored'], [
    {
      node_id: 'late1',
      placed: 'ancestor',
      parent_id: 't1',
      note: 'its parent t2 is gone; placed under its nearest surviving ancestor t1',
    },
    { node_id: 'late2', placed: 'parent', parent_id: 'late1' },
  ]);
  assert.is(
    result['message'],
    'restored 2 node(s): late1, late2; late1: its parent t2 is gone; placed under its nearest surviving ancestor t1',
  );
  const doc = harness.temp.readJson<{ nodes: Record<string, { pid: string | null }> }>(file);
  assert.equal(Object.keys(doc.nodes), ['s', 't1', 'late1', 'late2']);
  assert.is(doc.nodes['late1']!.pid, 't1');
});

test('node_ids picks some: only those (with what hangs under them) come back; a second restore changes nothing', async () => {
  const first = await harness.api.call<Record<string, unknown>>('modules/chat_branches/restore', {
    file,
    recovery_file: recoveryFile,
    node_ids: ['side'],
  });
  assert.equal(first['restored'], [{ node_id: 'side', placed: 'parent', parent_id: 't1' }]);
  assert.equal(Object.keys(harness.temp.readJson<{ nodes: object }>(file).nodes), ['s', 't1', 't2', 'side']);
  const bytes = harness.temp.readText(file);
  const again = await harness.api.call<Record<string, unknown>>('modules/chat_branches/restore', {
    file,
    recovery_file: recoveryFile,
    node_ids: ['side'],
  });
  assert.equal(
    [again['restored'], again['already_present'], again['message']],
    [[], ['side'], 'already in the conversation, left as they are: side'],
  );
  assert.is(harness.temp.readText(file), bytes);
});

test('a missing recovery file is NOT_FOUND naming it, and nothing is written', async () => {
  const bytes = harness.temp.readText(file);
  const missing = 'data/conversations/chat/recovered-nothing-here.json';
  const error = await callError(harness.api.call('modules/chat_branches/restore', { file, recovery_file: missing }));
  assert.equal([error.code, error.message], ['NOT_FOUND', `no recovery file ${missing}`]);
  assert.is(harness.temp.readText(file), bytes);
});

test('a node id the recovery file does not hold is NOT_FOUND naming it, and nothing is written', async () => {
  const bytes = harness.temp.readText(file);
  const error = await callError(
    harness.api.call('modules/chat_branches/restore', { file, recovery_file: recoveryFile, node_ids: ['late1', 'ghost'] }),
  );
  assert.equal(
    [error.code, error.message, error.details],
    ['NOT_FOUND', `${recoveryFile} holds no node ghost; nothing was written`, { node_ids: ['ghost'], recovery_file: recoveryFile }],
  );
  assert.is(harness.temp.readText(file), bytes);
});

test("a recovery file outside the conversation's folder is BAD_INPUT, and nothing is read or written", async () => {
  const bytes = harness.temp.readText(file);
  harness.temp.writeConversation('other', linearTree(1));
  harness.temp.write('data/conversations/other/recovered-x.json', removedRecord());
  for (const recovery of [
    'data/conversations/other/recovered-x.json',
    'data/conversations/chat/conversation.json',
    '../recovered-x.json',
  ]) {
    const error = await callError(harness.api.call('modules/chat_branches/restore', { file, recovery_file: recovery }));
    assert.is(error.code, 'BAD_INPUT', recovery);
    assert.match(error.message, 'recovery_file must be a recovered-*.json file in data/conversations/chat/');
  }
  assert.is(harness.temp.readText(file), bytes);
});

test('a bad node id in node_ids is refused by the schema, naming the field', async () => {
  const error = await callError(
    harness.api.call('modules/chat_branches/restore', { file, recovery_file: recoveryFile, node_ids: ['bad id'] }),
  );
  assert.is(error.code, 'BAD_INPUT');
  assert.match(JSON.stringify(error.details), '/node_ids/0');
});

test('a reply the engine could not save (its recovery file) can be restored too', async () => {
  const replyFile = 'data/conversations/chat/recovered-gen_1.json';
  harness.temp.write(replyFile, {
    conversation_file: file,
    generation_id: 'gen_1',
    parent_id: 't2',
    node_id: 'a_gen',
    role: 'assistant',
    content: 'Could not be saved then.',
    meta: { generation_id: 'gen_1' },
    reason: 'parent was gone',
    saved_at: '2026-12-06T00:00:00.000Z',
  });
  const result = await harness.api.call<Record<string, unknown>>('modules/chat_branches/restore', { file, recovery_file: replyFile });
  assert.equal(result['restored'], [{ node_id: 'a_gen', placed: 'parent', parent_id: 't2' }]);
  assert.equal(harness.temp.readJson<{ nodes: Record<string, unknown> }>(file).nodes['a_gen'], {
    pid: 't2',
    role: 'assistant',
    content: 'Could not be saved then.',
    meta: { generation_id: 'gen_1' },
  });
});

test.run();
