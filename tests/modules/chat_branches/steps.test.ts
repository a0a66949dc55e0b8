import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import type { WatchEvent } from '../../../src/store/watch/watch-event.js';
import { branchyTree } from '../../helpers/conversation-trees.js';
import { callError, createHarness, stamped, type Harness } from './setup.js';

let harness: Harness;
let file: string;
const activePath = ['r1', 'u1', 'a1', 'u2', 'a4'];

function setUp(test: ReturnType<typeof suite>): void {
  test.before.each(() => {
    harness = createHarness();
    file = harness.temp.writeConversation('demo', branchyTree());
  });
  test.after.each(() => harness.close());
}

const call = <Output = Record<string, unknown>>(step: string, input: object): Promise<Output> =>
  harness.api.call<Output>(`modules/chat_branches/${step}`, input);
const onDisk = (): ConversationDoc => harness.temp.readJson<ConversationDoc>(file);

const views = suite('chat_branches: views');
setUp(views);

views('openai_messages from a file, from a doc, and up to a node', async () => {
  const messages = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello.' },
    { role: 'user', content: 'Tell me more' },
    { role: 'assistant', content: 'More.' },
  ];
  assert.equal(await call('openai_messages', { file }), { success: true, messages, path: activePath });
  assert.equal(await call('openai_messages', { doc: branchyTree() }), { success: true, messages, path: activePath });
  assert.equal(await call('openai_messages', { file, node_id: 'a3' }), {
    success: true,
    messages: messages.slice(0, 2),
    path: ['r1', 'u1', 'a3'],
  });
});

views('file and doc together, neither, or an invalid doc are BAD_INPUT', async () => {
  assert.is(
    (await callError(call('openai_messages', { file, doc: branchyTree() }))).message,
    'give either `conversation_file` or `doc`, not both',
  );
  assert.is(
    (await callError(call('branch_table', {}))).message,
    'give `conversation_file` (a short name or a conversation path) or `doc` (a conversation tree)',
  );
  const doc = branchyTree();
  doc.nodes['a1']!.role = 'robot' as never;
  const error = await callError(call('get_latest_message', { doc }));
  assert.equal([error.code, error.message], ['BAD_INPUT', 'doc is invalid at /nodes/a1/role: must be "system", "user" or "assistant"']);
});

views('conversation_file, its deprecated alias file, and a short name all name the same conversation', async () => {
  const expected = { success: true, node_id: 'a4', role: 'assistant', content: 'More.', depth: 5 };
  assert.equal(await call('get_latest_message', { conversation_file: file }), expected);
  assert.equal(await call('get_latest_message', { file }), expected);
  assert.equal(await call('get_latest_message', { conversation_file: 'demo' }), expected);
  assert.equal(await call('get_latest_message', { conversation_file: file, file }), expected);
  const both = await callError(call('get', { conversation_file: 'demo', file: 'other' }));
  assert.equal([both.code, both.message], ['BAD_INPUT', '`file` is a deprecated alias of `conversation_file`: give one of them, not both']);
  const neither = await callError(call('update_message', { node_id: 'a4', content: 'x' }));
  assert.equal(
    [neither.code, neither.message],
    ['BAD_INPUT', 'input is invalid: /conversation_file is required (a short name such as branch_demo, or a path)'],
  );
  const outside = await callError(call('get', { conversation_file: '../demo' }));
  assert.equal(
    [outside.code, outside.message],
    ['FORBIDDEN', '../demo is outside data/conversations/: conversation files must be inside it'],
  );
  const updated = await call<{ node_id: string }>('update_message', {
    conversation_file: 'demo',
    node_id: 'a4',
    content: 'Changed.',
    return_mode: 'none',
  });
  assert.is(updated.node_id, 'a4');
  assert.is(onDisk().nodes['a4']?.content, 'Changed.');
});

views('branch_table, get_latest_message and get', async () => {
  assert.equal(await call('branch_table', { file }), {
    success: true,
    latest: { depth: 5, node_id: 'a4', j: 1, n: 1 },
    levels: [
      { depth: 1, node_id: 'r1', j: 1, n: 2 },
      { depth: 2, node_id: 'u1', j: 1, n: 1 },
      { depth: 3, node_id: 'a1', j: 2, n: 3 },
      { depth: 4, node_id: 'u2', j: 1, n: 1 },
      { depth: 5, node_id: 'a4', j: 1, n: 1 },
    ],
  });
  assert.equal(await call('get_latest_message', { file }), { success: true, node_id: 'a4', role: 'assistant', content: 'More.', depth: 5 });
  assert.equal(await call('get', { file: './data/conversations/demo/../demo/conversation.json' }), {
    success: true,
    file,
    doc: branchyTree(),
  });
});

views.run();

const append = suite('chat_branches: append_message');
setUp(append);

append('path mode: SmartTavern shape; the path follows a leaf append', async () => {
  const output = await call('append_message', { file, node_id: 'n1', pid: 'a4', role: 'user', content: 'Next', return_mode: 'path' });
  assert.equal(stamped(output), {
    success: true,
    node_id: 'n1',
    appended_node_id: 'n1',
    active_path: [...activePath, 'n1'],
    latest: { depth: 6, node_id: 'n1', j: 1, n: 1 },
    node_updated_at: 'TIME',
    updated_at: 'TIME',
  });
  assert.equal(stamped(onDisk().nodes['n1']), { pid: 'a4', role: 'user', content: 'Next', node_updated_at: 'TIME' });
});

append('with placeholder: true the empty assistant child is the leaf and, as in SmartTavern, the node_id', async () => {
  const output = await call<Record<string, string>>('append_message', {
    file,
    pid: 'a4',
    role: 'user',
    content: 'Q',
    placeholder: true,
    return_mode: 'none',
  });
  assert.match(output['appended_node_id']!, /^n_user\d+_[0-9a-f]{6}$/);
  assert.match(output['placeholder_id']!, /^n_append_ass\d+_[0-9a-f]{6}$/);
  assert.is(output['node_id'], output['placeholder_id']);
  const doc = onDisk();
  assert.equal(stamped(doc.nodes[output['placeholder_id']!]), {
    pid: output['appended_node_id'],
    role: 'assistant',
    content: '',
    node_updated_at: 'TIME',
  });
  assert.equal(doc.active_path, [...activePath, output['appended_node_id'], output['placeholder_id']]);
});

append('node mode with meta; a side branch leaves the active path', async () => {
  const meta = {
    generation_id: 'g1',
    provider: 'mock',
    model: 'm',
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    finish_reason: 'stop',
  };
  const output = await call('append_message', {
    file,
    node_id: 'n1',
    pid: 'u1',
    role: 'assistant',
    content: 'Alt',
    meta,
    return_mode: 'node',
  });
  assert.equal(stamped(output), {
    success: true,
    node: { node_id: 'n1', pid: 'u1', role: 'assistant', content: 'Alt', node_updated_at: 'TIME', meta },
    active_path: activePath,
    latest: { depth: 5, node_id: 'a4', j: 1, n: 1 },
    updated_at: 'TIME',
    appended_node_id: 'n1',
  });
});

append('doc mode (the default): the whole tree with success, active_path and latest', async () => {
  const output = await call('append_message', { file, node_id: 'n1', pid: 'a4', role: 'user', content: 'Next' });
  assert.equal(
    stamped(output),
    stamped({ ...onDisk(), success: true, latest: { depth: 6, node_id: 'n1', j: 1, n: 1 }, node_id: 'n1', appended_node_id: 'n1' }),
  );
});

append.run();

const edit = suite('chat_branches: update, delete, truncate, retry, switch');
setUp(edit);

edit('update_message: each return mode; meta replaced; compare-and-set', async () => {
  assert.equal(stamped(await call('update_message', { file, node_id: 'a1', content: 'Hi there.', return_mode: 'none' })), {
    success: true,
    node_id: 'a1',
    node_updated_at: 'TIME',
    updated_at: 'TIME',
  });
  assert.equal(stamped(await call('update_message', { file, node_id: 'a4', meta: { partial: true }, return_mode: 'node' })), {
    success: true,
    node: { node_id: 'a4', pid: 'u2', role: 'assistant', content: 'More.', meta: { partial: true }, node_updated_at: 'TIME' },
    updated_at: 'TIME',
  });
  assert.equal(
    stamped(await call('update_message', { file, node_id: 'a3', content: 'Filled', expected_content: '' })),
    stamped({ ...onDisk(), success: true, latest: { depth: 5, node_id: 'a4', j: 1, n: 1 } }),
  );
  assert.is(onDisk().nodes['a3']!.content, 'Filled');
  assert.is((await callError(call('update_message', { file, node_id: 'a3', content: 'again', expected_content: '' }))).code, 'CONFLICT');
  assert.is(
    (await callError(call('update_message', { file, node_id: 'a3' }))).message,
    'update_message of node a3 needs `content`, `reasoning`, `tool_steps` or `meta`',
  );
});

edit('delete_branch: path and none modes name what was deleted and where the path went', async () => {
  assert.equal(stamped(await call('delete_branch', { file, node_id: 'u2', return_mode: 'path' })), {
    success: true,
    active_path: ['r1', 'u1', 'a1'],
    latest: { depth: 3, node_id: 'a1', j: 2, n: 3 },
    deleted: ['u2', 'a4'],
    switched_to: 'a1',
    updated_at: 'TIME',
  });
  assert.equal(stamped(await call('delete_branch', { file, node_id: 'a1', return_mode: 'none' })), {
    success: true,
    node_id: 'a1',
    active_path: ['r1', 'u1', 'a3'],
    latest: { depth: 3, node_id: 'a3', j: 2, n: 2 },
    deleted: ['a1'],
    switched_to: 'a3',
    updated_at: 'TIME',
  });
});

edit('truncate_after keeps the node', async () => {
  assert.equal(stamped(await call('truncate_after', { file, node_id: 'a1', return_mode: 'path' })), {
    success: true,
    active_path: ['r1', 'u1', 'a1'],
    latest: { depth: 3, node_id: 'a1', j: 2, n: 3 },
    deleted: ['u2', 'a4'],
    updated_at: 'TIME',
  });
  assert.ok('a1' in onDisk().nodes);
});

edit('retry_branch: a generated id, the role of the retried node, empty content by default', async () => {
  const output = await call<Record<string, unknown>>('retry_branch', { file, retry_node_id: 'a1', return_mode: 'path' });
  const newNodeId = output['new_node_id'] as string;
  assert.match(newNodeId, /^n_ass\d+_[0-9a-f]{6}$/);
  assert.equal(stamped(output), {
    success: true,
    active_path: ['r1', 'u1', newNodeId],
    latest: { depth: 3, node_id: newNodeId, j: 4, n: 4 },
    new_node_id: newNodeId,
    node_updated_at: 'TIME',
    updated_at: 'TIME',
  });
  assert.equal(stamped(onDisk().nodes[newNodeId]), { pid: 'u1', role: 'assistant', content: '', node_updated_at: 'TIME' });
});

edit('switch_branch: by depth and back, in node, path and doc modes', async () => {
  assert.equal(stamped(await call('switch_branch', { file, depth: 3, target_j: 1, return_mode: 'node' })), {
    success: true,
    node: { node_id: 'a2', j: 1, n: 3 },
    active_path: ['r1', 'u1', 'a2'],
    latest: { depth: 3, node_id: 'a2', j: 1, n: 3 },
    updated_at: 'TIME',
  });
  assert.equal(stamped(await call('switch_branch', { file, node_id: 'a2', target_j: 2, return_mode: 'path' })), {
    success: true,
    active_path: activePath,
    latest: { depth: 5, node_id: 'a4', j: 1, n: 1 },
    node_id: 'a1',
    updated_at: 'TIME',
  });
  const output = await call<Record<string, unknown>>('switch_branch', { file, depth: 1, target_j: 2 });
  assert.equal(
    stamped(output),
    stamped({
      doc: onDisk(),
      node: { node_id: 'r2', j: 2, n: 2 },
      active_path: ['r2', 'u3'],
      latest: { depth: 2, node_id: 'u3', j: 1, n: 1 },
      success: true,
    }),
  );
  assert.is((await callError(call('switch_branch', { file, depth: 1, node_id: 'r1', target_j: 1 }))).code, 'BAD_INPUT');
});

edit.run();

const conversations = suite('chat_branches: create, list, watch');
setUp(conversations);

conversations('create_conversation: slug, files, settings with the LLM config; a taken slug gets -2', async () => {
  harness.temp.writeLlmConfig('mock', { provider: 'mock' });
  const input = {
    name: 'Sea stories',
    description: 'Tales',
    system_prompt: 'Tell sea stories.',
    greeting: 'Ahoy!',
    llm_config: 'data/llm_configs/mock.json',
  };
  assert.equal(stamped(await call('create_conversation', input)), {
    success: true,
    file: 'data/conversations/Sea stories/conversation.json',
    settings_file: 'data/conversations/Sea stories/settings.json',
    slug: 'Sea stories',
    name: 'Sea stories',
    type: 'threaded',
    root_node_id: 'n_root1',
    nodes_count: 2,
    updated_at: 'TIME',
  });
  const schema = (name: string): string => harness.temp.schemaReference('data/conversations/Sea stories', name);
  assert.equal(stamped(harness.temp.readJson('data/conversations/Sea stories/conversation.json')), {
    $schema: schema('conversation.schema.json'),
    name: 'Sea stories',
    description: 'Tales',
    roots: ['n_root1'],
    nodes: {
      n_root1: { pid: null, role: 'system', content: 'Tell sea stories.', node_updated_at: 'TIME' },
      n_greeting1: { pid: 'n_root1', role: 'assistant', content: 'Ahoy!', node_updated_at: 'TIME' },
    },
    children: { n_root1: ['n_greeting1'] },
    active_path: ['n_root1', 'n_greeting1'],
    updated_at: 'TIME',
  });
  assert.equal(harness.temp.readJson('data/conversations/Sea stories/settings.json'), {
    $schema: schema('settings.schema.json'),
    type: 'threaded',
    llm_config: 'data/llm_configs/mock.json',
  });
  const second = await call('create_conversation', { name: 'Sea stories' });
  assert.equal([second['slug'], second['root_node_id'], second['nodes_count']], ['Sea stories-2', null, 0]);
});

conversations('list_conversations', async () => {
  assert.equal(await call('list_conversations', {}), {
    success: true,
    conversations: [{ file, name: 'Branchy', nodes_count: 9, updated_at: '2025-01-01T00:00:00+00:00' }],
  });
});

conversations('watch streams changes to one file, engine and external', async () => {
  await harness.store.watcherReady();
  const events: WatchEvent[] = [];
  const iterator = harness.api.stream<WatchEvent>('modules/chat_branches/watch', { file })[Symbol.asyncIterator]();
  // The first next() starts the step, which subscribes before anything else; the change after it is delivered.
  const first = iterator.next();
  await call('update_message', { file, node_id: 'a1', content: 'engine', return_mode: 'none' });
  events.push((await first).value as WatchEvent);
  harness.temp.write(file, harness.temp.readText(file).replace('"engine"', '"by hand"'));
  events.push((await iterator.next()).value as WatchEvent);
  await iterator.return?.();
  assert.equal(events, [
    { type: 'changed', file, origin: 'engine' },
    { type: 'changed', file, origin: 'external' },
  ]);
});

conversations.run();
