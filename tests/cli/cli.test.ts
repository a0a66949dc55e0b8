import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../src/store/index.js';
import { branchyTree } from '../helpers/conversation-trees.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';
import { runIn } from './cli-kit.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
let root: TempRoot;
const test = suite('cli');
test.before.each(() => {
  root = createTempRoot('branchflow-cli-');
  root.writeConversation('demo', branchyTree());
  root.writeLlmConfig('quick', { name: 'Quick', provider: 'mock', model: 'mock', mock: { chunk_size: 64, delay_ms: 0 } });
});
test.after.each(() => root.cleanup());

test('--version prints the version and exits 0', async () => {
  assert.equal(await runIn(root, ['--version']), { code: 0, stdout: `${version}\n`, stderr: '' });
});

test('usage errors exit 2 with one line and a hint, and no stack', async () => {
  assert.equal(await runIn(root, ['--bogus']), {
    code: 2,
    stdout: '',
    stderr: "branchflow: unknown option '--bogus'\nsee: branchflow --help\n",
  });
  assert.equal(await runIn(root, ['show']), {
    code: 2,
    stdout: '',
    stderr: "branchflow: missing required argument 'conversation'\nsee: branchflow show --help\n",
  });
  assert.equal(await runIn(root, ['lsit']), {
    code: 2,
    stdout: '',
    stderr: "branchflow: unknown command 'lsit' (Did you mean list?)\nsee: branchflow --help\n",
  });
  assert.equal(await runIn(root, ['switch', 'demo', 'zero']), {
    code: 2,
    stdout: '',
    stderr: 'branchflow: <j> must be a whole number from 1; got "zero"\nsee: branchflow switch --help\n',
  });
});

test('a failed call exits 1 with its code and message on one line', async () => {
  assert.equal(await runIn(root, ['show', 'nothing_here']), {
    code: 1,
    stdout: '',
    stderr: 'error NOT_FOUND: no conversation at data/conversations/nothing_here/conversation.json\n',
  });
});

test('list names each conversation by its short name; --json gives the listing', async () => {
  const listed = await runIn(root, ['list']);
  assert.equal(listed, { code: 0, stdout: 'demo  Branchy  (9 nodes, updated 2025-01-01T00:00:00+00:00)\n', stderr: '' });
  const json = await runIn(root, ['--json', 'list']);
  assert.equal(JSON.parse(json.stdout), [
    { file: 'data/conversations/demo/conversation.json', name: 'Branchy', updated_at: '2025-01-01T00:00:00+00:00', nodes_count: 9 },
  ]);
});

test('tree marks the active path and the siblings of each node', async () => {
  const { code, stdout } = await runIn(root, ['tree', 'demo']);
  assert.is(code, 0);
  assert.is(
    stdout,
    [
      'Branchy  (data/conversations/demo/conversation.json)',
      '* r1 system ‹1/2›: You are terse.',
      '  * u1 user: Hi',
      '      a2 assistant ‹1/3›: Hey.',
      '    * a1 assistant ‹2/3›: Hello.',
      '      * u2 user: Tell me more',
      '        * a4 assistant: More.',
      '      a3 assistant ‹3/3›: ',
      '  r2 assistant ‹2/2›: Another start',
      '    u3 user: Go',
      '',
    ].join('\n'),
  );
});

test('send appends a user turn and its reply, prints the reply and a one-line summary (not the tree)', async () => {
  const { code, stdout, stderr } = await runIn(root, ['send', 'demo', 'How are you?', '--config', 'quick']);
  assert.is(stderr, '');
  assert.is(code, 0);
  const doc = root.readJson<ConversationDoc>('data/conversations/demo/conversation.json');
  const [user, reply] = doc.active_path.slice(-2);
  assert.equal([doc.nodes[user!]?.content, doc.nodes[reply!]?.content], ['How are you?', 'Mock reply to: How are you?']);
  assert.match(stdout, new RegExp(`^Mock reply to: How are you\\?\\n\\nsaved as node ${reply}; \\d+ \\+ \\d+ tokens\\n$`));
});

test('send reads the message from standard input with "-"; --json prints every event as one JSON line', async () => {
  const { code, stdout } = await runIn(root, ['--json', 'send', 'demo', '-', '-c', 'quick.json'], 'From stdin\n');
  assert.is(code, 0);
  const types = stdout
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { type: string }).type);
  assert.equal(types, ['start', 'chunk', 'finish', 'usage', 'saved', 'end']);
});

test('send prints each tool call and its result on stderr, the answer on stdout; --no-tools offers none', async () => {
  root.writeLlmConfig('tools', {
    provider: 'mock',
    model: 'mock',
    mock: { chunk_size: 64, tool_calls: [{ name: 'modules/tools/current_time', arguments: { time_zone: 'Nowhere/Atlantis' } }] },
    tools: ['modules/tools/current_time'],
  });
  const { code, stdout, stderr } = await runIn(root, ['send', 'demo', 'What time is it?', '-c', 'tools']);
  assert.is(code, 0);
  const problem = 'time_zone Nowhere/Atlantis is not an IANA time zone (e.g. Europe/Paris)';
  const lines = stderr.replace(/in \d+ ms/, 'in N ms').split('\n');
  assert.equal(lines, ['→ modules/tools/current_time {"time_zone":"Nowhere/Atlantis"}', `← error in N ms: ${problem}`, '']);
  const nodeId = /saved as node (\S+);/.exec(stdout)![1]!;
  assert.is(
    stdout,
    `Mock reply to: What time is it? (tool modules/tools/current_time: ${problem})\n\nsaved as node ${nodeId}; ${/; (\d+ \+ \d+) tokens/.exec(stdout)![1]} tokens\n`,
  );

  const plain = await runIn(root, ['send', 'demo', 'Again?', '-c', 'tools', '--no-tools']);
  assert.is(plain.code, 0);
  assert.is(plain.stderr, '');
  assert.match(plain.stdout, /^Mock reply to: Again\?\n/);
});

test('switch, edit and delete change the file; regenerate adds a sibling reply', async () => {
  const file = 'data/conversations/demo/conversation.json';
  assert.is((await runIn(root, ['switch', 'demo', '1', '--node', 'a1'])).code, 0);
  assert.equal(root.readJson<ConversationDoc>(file).active_path, ['r1', 'u1', 'a2']);
  assert.equal(await runIn(root, ['edit', 'demo', 'a2', 'Edited.']), { code: 0, stdout: 'updated a2\n', stderr: '' });
  assert.is(root.readJson<ConversationDoc>(file).nodes['a2']?.content, 'Edited.');
  const regenerated = await runIn(root, ['regenerate', 'demo', '--config', 'quick']);
  assert.is(regenerated.code, 0);
  const after = root.readJson<ConversationDoc>(file);
  const newReply = after.active_path.at(-1)!;
  assert.equal([after.nodes[newReply]?.pid, after.nodes[newReply]?.content], ['u1', 'Mock reply to: Hi']);
  assert.equal(await runIn(root, ['delete', 'demo', 'r2']), { code: 0, stdout: 'deleted 2 nodes: r2, u3\n', stderr: '' });
  assert.equal(root.readJson<ConversationDoc>(file).roots, ['r1']);
});

test('mv renames a whole conversation; rm deletes one, only with --yes', async () => {
  root.writeConversation('movable', { roots: ['s'], nodes: { s: { pid: null, role: 'system', content: 'Hi.' } }, active_path: ['s'] });
  assert.equal(await runIn(root, ['mv', 'movable', 'Moved here']), {
    code: 0,
    stdout: 'renamed to Moved here (data/conversations/Moved here/conversation.json)\n',
    stderr: '',
  });
  assert.is(root.readJson<ConversationDoc>('data/conversations/Moved here/conversation.json').name, 'Moved here');
  const refused = await runIn(root, ['rm', 'Moved here']);
  assert.equal([refused.code, refused.stdout], [2, '']);
  assert.match(refused.stderr, /rm deletes Moved here for good; add --yes/);
  assert.ok(existsSync(root.path('data/conversations/Moved here')));
  assert.equal(await runIn(root, ['rm', 'Moved here', '--yes']), {
    code: 0,
    stdout: 'deleted data/conversations/Moved here/conversation.json\n',
    stderr: '',
  });
  assert.not.ok(existsSync(root.path('data/conversations/Moved here')));
});

test('new creates a conversation and prints its short name', async () => {
  const { code, stdout } = await runIn(root, ['new', 'Trip plans', '--system', 'Be brief.', '--config', 'quick']);
  assert.is(code, 0);
  assert.is(stdout, `created data/conversations/Trip plans/conversation.json\nnext: branchflow send 'Trip plans' "Hello"\n`);
});

test('configs lists each config and the whole reason one is unusable', async () => {
  root.writeLlmConfig('keyed', { name: 'Keyed', provider: 'openai', model: 'gpt-test', api_key: '${CLI_TEST_KEY}' });
  const { code, stdout } = await runIn(root, ['configs']);
  assert.is(code, 0);
  assert.is(
    stdout,
    '✗ keyed  Keyed  (openai / gpt-test)\n' +
      '    unusable: config data/llm_configs/keyed.json needs the environment variable CLI_TEST_KEY (${CLI_TEST_KEY} at /api_key), ' +
      'which is not set; set it in the environment or in .env at the root, or give a default with ${NAME:-default}\n' +
      '✓ quick  Quick  (mock / mock)\n',
  );
});

test('call prints a plain step result as JSON and a streaming step as one JSON line per event', async () => {
  const table = await runIn(root, ['call', 'modules/chat_branches/get_latest_message', '--input', '{"file":"demo"}']);
  assert.equal(
    [table.code, JSON.parse(table.stdout)],
    [0, { success: true, node_id: 'a4', role: 'assistant', content: 'More.', depth: 5 }],
  );
  root.write('input.json', { messages: [{ role: 'user', content: 'Hi' }], config_file: 'quick' });
  const streamed = await runIn(root, ['call', 'modules/llm_api/chat_stream', '--input-file', root.path('input.json')]);
  assert.is(streamed.code, 0);
  const events = streamed.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string });
  assert.is(events[0]?.type, 'start');
  assert.is(events.at(-1)?.type, 'end');
  assert.equal(await runIn(root, ['call', 'x', '--input', '{']), {
    code: 2,
    stdout: '',
    stderr: "branchflow: the input is not JSON: Expected property name or '}' in JSON at position 1\nsee: branchflow call --help\n",
  });
});

test('import a SillyTavern chat, then export it as Markdown, to a file, and as SillyTavern JSONL', async () => {
  const chat = [
    { user_name: 'Ana', character_name: 'Guide', create_date: '2025-5-3', chat_metadata: {} },
    { name: 'Ana', is_user: true, is_system: false, send_date: 'May 3', mes: 'Hi' },
    { name: 'Guide', is_user: false, is_system: false, send_date: 'May 3', mes: 'B', swipe_id: 1, swipes: ['A', 'B'] },
  ];
  root.write('chat.jsonl', chat.map((line) => JSON.stringify(line)).join('\n'));
  assert.equal(await runIn(root, ['import', root.path('chat.jsonl')]), {
    code: 0,
    stdout: 'imported 2 messages (1 branches) into data/conversations/chat/conversation.json\nnext: branchflow show chat\n',
    stderr: '',
  });
  assert.equal(await runIn(root, ['export', 'chat', '--format', 'markdown']), {
    code: 0,
    stdout: '# chat\n\n## Ana\n\nHi\n\n## Guide\n\nB\n',
    stderr: '',
  });
  const exported = await runIn(root, ['export', 'chat', '-o', root.path('out.jsonl')]);
  assert.equal(exported, { code: 0, stdout: `wrote ${root.path('out.jsonl')} (2 messages, sillytavern)\n`, stderr: '' });
  assert.equal(
    root
      .readText('out.jsonl')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown),
    chat,
  );
  assert.is((await runIn(root, ['export', 'chat', '--format', 'pdf'])).code, 2);
  const again = await runIn(root, ['import', root.path('chat.jsonl')]);
  assert.equal(again, {
    code: 1,
    stdout: '',
    stderr: 'error CONFLICT: a conversation named "chat" already exists (data/conversations/chat/): choose another name\n',
  });
});

test('restore puts back a node an outside write removed, from the recovery file named alone', async () => {
  const { createEngine } = await import('../../src/engine.js');
  const engine = await createEngine({ root: root.root, env: {} });
  const file = 'data/conversations/demo/conversation.json';
  const before = root.readText(file);
  await engine.api.call('modules/chat_branches/append_message', {
    conversation_file: 'demo',
    pid: 'a1',
    role: 'user',
    content: 'kept?',
    node_id: 'u_kept',
  });
  root.write(file, before);
  await engine.services.store.read(file);
  await engine.close();
  const recovery = readdirSync(root.path('data/conversations/demo')).find((name) => name.startsWith('recovered-removed-'));
  assert.ok(recovery, 'the removed node was kept in a recovery file');
  const run = await runIn(root, ['restore', 'demo', recovery]);
  assert.equal([run.code, run.stderr], [0, '']);
  assert.match(run.stdout, /^restored 1 node\(s\): u_kept/);
  assert.is(root.readJson<ConversationDoc>(file).nodes['u_kept']?.content, 'kept?');
  const missing = await runIn(root, ['restore', 'demo', 'recovered-removed-none.json']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /^error NOT_FOUND: /);
});

test.run();
