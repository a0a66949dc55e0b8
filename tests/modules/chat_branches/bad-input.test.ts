import { readdirSync, symlinkSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { branchyTree } from '../../helpers/conversation-trees.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';
import { callError, createHarness, type Harness } from './setup.js';

let harness: Harness;
let outside: TempRoot;
let file: string;
let before: Buffer;
let listingBefore: string[];

const test = suite('chat_branches: bad input writes nothing');

test.before.each(() => {
  harness = createHarness();
  outside = createTempRoot();
  outside.write('elsewhere/conversation.json', JSON.stringify(branchyTree()));
  file = harness.temp.writeConversation('demo', branchyTree());
  symlinkSync(outside.path('elsewhere/conversation.json'), harness.temp.path('data/conversations/demo/linked.json'));
  before = harness.temp.readBytes(file);
  listingBefore = listing();
});

test.after.each(async () => {
  await harness.close();
  outside.cleanup();
});

/** Runs the calls, then checks the conversation is byte-for-byte as it was and no file appeared or vanished. */
function unchanged(name: string, run: () => Promise<void>): void {
  test(name, async () => {
    await run();
    assert.ok(harness.temp.readBytes(file).equals(before), 'the conversation file changed');
    assert.equal(listing(), listingBefore);
    assert.equal(outside.readJson('elsewhere/conversation.json'), branchyTree());
  });
}

function listing(): string[] {
  const conversations = harness.temp.path('data/conversations');
  return readdirSync(conversations, { recursive: true }).map(String).sort();
}

async function expectError(step: string, input: object, code: string, message: RegExp | string): Promise<void> {
  const error = await callError(harness.api.call(`modules/chat_branches/${step}`, input));
  assert.is(error.code, code, `${step}: ${error.message}`);
  if (typeof message === 'string') assert.is(error.message, message);
  else assert.match(error.message, message);
}

unchanged('../ is FORBIDDEN', async () => {
  await expectError(
    'get',
    { file: '../outside.json' },
    'FORBIDDEN',
    '../outside.json is outside data/conversations/: conversation files must be inside it',
  );
  await expectError(
    'append_message',
    { file: 'data/conversations/../../x.json', pid: 'a4', role: 'user', content: 'x' },
    'FORBIDDEN',
    /outside data\/conversations/,
  );
});

unchanged('an absolute path elsewhere is FORBIDDEN', async () => {
  await expectError(
    'openai_messages',
    { file: outside.path('elsewhere/conversation.json') },
    'FORBIDDEN',
    /is outside data\/conversations\//,
  );
  await expectError('delete_branch', { file: outside.path('elsewhere/conversation.json'), node_id: 'a1' }, 'FORBIDDEN', /is outside/);
});

unchanged('a link leading outside is FORBIDDEN', async () => {
  await expectError(
    'get',
    { file: 'data/conversations/demo/linked.json' },
    'FORBIDDEN',
    'data/conversations/demo/linked.json leads outside data/conversations/ through a link',
  );
  await expectError(
    'update_message',
    { file: 'data/conversations/demo/linked.json', node_id: 'a1', content: 'x' },
    'FORBIDDEN',
    /through a link/,
  );
});

unchanged('a missing file is NOT_FOUND', async () => {
  await expectError(
    'get',
    { file: 'data/conversations/none/conversation.json' },
    'NOT_FOUND',
    'no conversation at data/conversations/none/conversation.json',
  );
  await expectError(
    'append_message',
    { file: 'data/conversations/none/conversation.json', pid: 'a', role: 'user', content: 'x' },
    'NOT_FOUND',
    /no conversation at/,
  );
});

unchanged('an unknown node is NOT_FOUND naming it, for every step that takes one', async () => {
  const named = /node zz /;
  await expectError('update_message', { file, node_id: 'zz', content: 'x' }, 'NOT_FOUND', `no node zz in ${file}`);
  await expectError('delete_branch', { file, node_id: 'zz' }, 'NOT_FOUND', named);
  await expectError('truncate_after', { file, node_id: 'zz' }, 'NOT_FOUND', named);
  await expectError('retry_branch', { file, retry_node_id: 'zz' }, 'NOT_FOUND', named);
  await expectError('switch_branch', { file, node_id: 'zz', target_j: 1 }, 'NOT_FOUND', named);
  await expectError('openai_messages', { file, node_id: 'zz' }, 'NOT_FOUND', named);
  await expectError(
    'append_message',
    { file, pid: 'zz', role: 'user', content: 'x' },
    'NOT_FOUND',
    `parent node zz is not in ${file} (it may have been deleted)`,
  );
});

unchanged('a duplicate node id is CONFLICT', async () => {
  await expectError(
    'append_message',
    { file, node_id: 'a1', pid: 'a4', role: 'user', content: 'x' },
    'CONFLICT',
    `node a1 already exists in ${file}`,
  );
  await expectError('retry_branch', { file, retry_node_id: 'a1', new_node_id: 'u2' }, 'CONFLICT', `node u2 already exists in ${file}`);
});

unchanged('a missing parent, a bad role, a bad node id or an unknown field are BAD_INPUT naming the field', async () => {
  await expectError('append_message', { file, role: 'user', content: 'x' }, 'BAD_INPUT', /\/pid must have required property 'pid'/);
  await expectError(
    'append_message',
    { file, pid: 'a4', role: 'tool', content: 'x' },
    'BAD_INPUT',
    /\/role must be one of "system", "user", "assistant"/,
  );
  await expectError(
    'append_message',
    { file, node_id: 'has space', pid: 'a4', role: 'user', content: 'x' },
    'BAD_INPUT',
    /\/node_id must match pattern/,
  );
  await expectError(
    'update_message',
    { file, node_id: 'a1', content: 'x', colour: 'red' },
    'BAD_INPUT',
    /\/colour is not an accepted field/,
  );
  await expectError('switch_branch', { file, target_j: 0 }, 'BAD_INPUT', /\/target_j must be >= 1/);
  await expectError(
    'switch_branch',
    { file, depth: 3, target_j: 9 },
    'BAD_INPUT',
    `target_j 9 is out of range: node a1 in ${file} has 3 sibling(s), numbered 1 to 3`,
  );
});

unchanged('an invalid file is INVALID_FILE with the pointer, for reads and writes alike', async () => {
  const broken = harness.temp.writeConversation(
    'broken',
    '{"roots": [], "nodes": {"a": {"pid": null, "role": "user"}}, "active_path": []}',
  );
  const brokenBefore = harness.temp.readBytes(broken);
  const expected = `${broken} at /nodes/a/content is required; fix the file by hand, the engine will not write it until then`;
  listingBefore = listing();
  await expectError('get', { file: broken }, 'INVALID_FILE', expected);
  await expectError('branch_table', { file: broken }, 'INVALID_FILE', expected);
  await expectError('append_message', { file: broken, pid: null, role: 'user', content: 'x' }, 'INVALID_FILE', expected);
  await expectError('update_message', { file: broken, node_id: 'a', content: 'x' }, 'INVALID_FILE', expected);
  await expectError('delete_branch', { file: broken, node_id: 'a' }, 'INVALID_FILE', expected);
  await expectError('switch_branch', { file: broken, target_j: 1 }, 'INVALID_FILE', expected);
  assert.ok(harness.temp.readBytes(broken).equals(brokenBefore));
});

unchanged('a create with an LLM config outside data/llm_configs/ is FORBIDDEN and creates nothing', async () => {
  await expectError(
    'create_conversation',
    { name: 'New', llm_config: '../../etc/passwd.json' },
    'FORBIDDEN',
    /is outside data\/llm_configs\//,
  );
  await expectError(
    'create_conversation',
    { name: 'New', llm_config: 'data/llm_configs/none.json' },
    'NOT_FOUND',
    'no LLM config at data/llm_configs/none.json',
  );
});

test.run();
