/**
 * @module SillyTavern chats in and out, on files built as SillyTavern writes them: a header line, then one message
 * per line (name, is_user, is_system, send_date, mes, extra), character messages with swipes / swipe_id /
 * swipe_info, a system message, and fields branchflow does not know.
 */
import { readdirSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../../src/store/index.js';
import { callError, createHarness, type Harness } from './setup.js';

const header = {
  user_name: 'Ana',
  character_name: 'Guide',
  create_date: '2025-5-3 @10h 12m 00s 000ms',
  chat_metadata: { note_prompt: '', tainted: false, integrity: '6f1c2a' },
};
const messages = [
  {
    name: 'Guide',
    is_user: false,
    is_system: false,
    send_date: 'May 3, 2025 10:12am',
    mes: 'Welcome to Lisbon!',
    extra: {},
    swipe_id: 0,
    swipes: ['Welcome to Lisbon!'],
    swipe_info: [{ send_date: 'May 3, 2025 10:12am', extra: {} }],
  },
  {
    name: 'Ana',
    is_user: true,
    is_system: false,
    send_date: 'May 3, 2025 10:13am',
    mes: 'One day: what should I see?',
    extra: { bias: '' },
    force_avatar: 'user.png',
  },
  {
    name: 'Guide',
    is_user: false,
    is_system: false,
    send_date: 'May 3, 2025 10:14am',
    mes: 'Ride tram 28, then Belém.',
    extra: { api: 'openai', model: 'gpt-4o' },
    gen_started: '2025-05-03T10:13:58.000Z',
    swipe_id: 1,
    swipes: ['Start in Alfama.', 'Ride tram 28, then Belém.', 'See the castle.'],
    swipe_info: [
      { send_date: 'May 3, 2025 10:13am', extra: { model: 'gpt-4o' } },
      { send_date: 'May 3, 2025 10:14am', extra: { model: 'gpt-4o' } },
      { send_date: 'May 3, 2025 10:15am', extra: { model: 'gpt-4o' } },
    ],
  },
  {
    name: 'System',
    is_user: false,
    is_system: true,
    send_date: 'May 3, 2025 10:16am',
    mes: 'The guide checks the weather.',
    extra: { type: 'narrator' },
  },
];
const chatFile = [header, ...messages].map((line) => JSON.stringify(line)).join('\n') + '\n';

let harness: Harness;
const test = suite('chat_branches: SillyTavern import and export');
test.before.each(() => {
  harness = createHarness();
});
test.after.each(() => harness.close());

const call = <Output = Record<string, unknown>>(step: string, input: object): Promise<Output> =>
  harness.api.call<Output>(`modules/chat_branches/${step}`, input);
const conversations = (): string[] => readdirSync(harness.temp.path('data/conversations'));

test('import: one node per message, swipes as sibling branches with the chosen one active, every field kept', async () => {
  const result = await call('import', { name: 'Lisbon', content: chatFile });
  assert.equal(result, {
    success: true,
    conversation_file: 'data/conversations/Lisbon/conversation.json',
    file: 'data/conversations/Lisbon/conversation.json',
    slug: 'Lisbon',
    messages: 4,
    branches: 1,
  });
  const doc = harness.temp.readJson<ConversationDoc>('data/conversations/Lisbon/conversation.json');
  assert.equal(doc.active_path, ['n_st2', 'n_st3', 'n_st4_2', 'n_st5']);
  assert.equal(doc.children, { n_st2: ['n_st3'], n_st3: ['n_st4_1', 'n_st4_2', 'n_st4_3'], n_st4_2: ['n_st5'] });
  assert.equal(
    Object.entries(doc.nodes).map(([id, node]) => [id, node.pid, node.role, node.content]),
    [
      ['n_st2', null, 'assistant', 'Welcome to Lisbon!'],
      ['n_st3', 'n_st2', 'user', 'One day: what should I see?'],
      ['n_st4_1', 'n_st3', 'assistant', 'Start in Alfama.'],
      ['n_st4_2', 'n_st3', 'assistant', 'Ride tram 28, then Belém.'],
      ['n_st4_3', 'n_st3', 'assistant', 'See the castle.'],
      ['n_st5', 'n_st4_2', 'system', 'The guide checks the weather.'],
    ],
  );
  assert.equal(doc.nodes['n_st3']?.['sillytavern'], {
    name: 'Ana',
    is_user: true,
    is_system: false,
    send_date: 'May 3, 2025 10:13am',
    extra: { bias: '' },
    force_avatar: 'user.png',
  });
  assert.equal(doc['sillytavern_header'], header);
});

test('export as SillyTavern gives back the file it was imported from', async () => {
  await call('import', { name: 'Lisbon', content: chatFile });
  const exported = await call<{ content: string; messages: number; file_name: string; media_type: string }>('export', {
    conversation_file: 'Lisbon',
    format: 'sillytavern',
  });
  assert.equal([exported.messages, exported.file_name, exported.media_type], [4, 'Lisbon.jsonl', 'application/jsonl']);
  const lines = exported.content
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
  assert.equal(lines, [header, ...messages]);
});

test('export follows a branch switch: the chosen swipe moves, the chat stops where the active path does', async () => {
  await call('import', { name: 'Lisbon', content: chatFile });
  await call('switch_branch', { conversation_file: 'Lisbon', node_id: 'n_st4_2', target_j: 3, return_mode: 'none' });
  const { content } = await call<{ content: string }>('export', { conversation_file: 'Lisbon', format: 'sillytavern' });
  const lines = content
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 4);
  assert.equal([lines[3]!['mes'], lines[3]!['swipe_id'], lines[3]!['swipes']], ['See the castle.', 2, messages[2]!.swipes]);
});

test('a conversation made here exports with a made-up header; Markdown shows the active path', async () => {
  harness.temp.writeConversation('plain', {
    name: 'Plain',
    roots: ['s'],
    nodes: {
      s: { pid: null, role: 'system', content: 'Be brief.', node_updated_at: '2025-01-01T00:00:00+00:00' },
      u: { pid: 's', role: 'user', content: 'Hi', node_updated_at: '2025-01-01T00:00:01+00:00' },
      a1: { pid: 'u', role: 'assistant', content: 'Hello.', node_updated_at: '2025-01-01T00:00:02+00:00' },
      a2: { pid: 'u', role: 'assistant', content: 'Hey!', node_updated_at: '2025-01-01T00:00:03+00:00' },
    },
    active_path: ['s', 'u', 'a2'],
  });
  const { content } = await call<{ content: string }>('export', { conversation_file: 'plain' });
  const lines = content
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.slice(1), [
    { name: 'System', is_user: false, is_system: true, send_date: '2025-01-01T00:00:00+00:00', mes: 'Be brief.' },
    { name: 'User', is_user: true, is_system: false, send_date: '2025-01-01T00:00:01+00:00', mes: 'Hi' },
    {
      name: 'Plain',
      is_user: false,
      is_system: false,
      send_date: '2025-01-01T00:00:03+00:00',
      mes: 'Hey!',
      swipe_id: 1,
      swipes: ['Hello.', 'Hey!'],
    },
  ]);
  assert.equal(Object.keys(lines[0]!).sort(), ['character_name', 'chat_metadata', 'create_date', 'user_name']);
  const markdown = await call<{ content: string }>('export', { conversation_file: 'plain', format: 'markdown' });
  assert.is(markdown.content, '# Plain\n\n## System\n\nBe brief.\n\n## User\n\nHi\n\n## Assistant\n\nHey!\n');
});

test('bad input: not JSONL, a broken line, a message without mes, no messages, a taken name; nothing written', async () => {
  const cases: [string, RegExp][] = [
    [
      JSON.stringify([header, ...messages], null, 2),
      /^line 1 of the chat is not JSON: .* \(a SillyTavern chat is JSONL: one JSON object per line/,
    ],
    [`${JSON.stringify(header)}\n${JSON.stringify(messages[0])}\n{"mes": "cut`, /^line 3 of the chat is not JSON: /],
    [
      `${JSON.stringify(header)}\n${JSON.stringify({ name: 'Ana', is_user: true })}`,
      /^line 2 of the chat `mes` must be the message text \(a string\)$/,
    ],
    [`${JSON.stringify(header)}\n\n`, /^the chat has no messages \(only a header line\): nothing to import$/],
    [
      `${JSON.stringify(header)}\n${JSON.stringify({ ...messages[2], swipe_id: 7 })}`,
      /^line 2 of the chat `swipe_id` must be a whole number from 0 to 2/,
    ],
    [`${JSON.stringify(header)}\n[1, 2]`, /^line 2 of the chat is not a JSON object$/],
  ];
  for (const [content, message] of cases) {
    const error = await callError(call('import', { name: 'Broken', content }));
    assert.is(error.code, 'BAD_INPUT');
    assert.match(error.message, message);
  }
  assert.equal(conversations(), []);
  await call('import', { name: 'Lisbon', content: chatFile });
  const taken = await callError(call('import', { name: 'Lisbon', content: chatFile }));
  assert.equal(
    [taken.code, taken.message],
    ['CONFLICT', 'a conversation named "Lisbon" already exists (data/conversations/Lisbon/): choose another name'],
  );
  assert.equal(conversations(), ['Lisbon']);
});

test.run();
