import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { events, resetWorld, startWorld, testKey, type WorkflowWorld } from './workflow-kit.js';

const test = suite('complete_stream protocol');
let world: WorkflowWorld;

test.before(async () => {
  world = await startWorld();
});
test.after(async () => {
  await world.close();
});
test.before.each(() => resetWorld(world, 'Say hello.'));

function withoutTimings(meta: Record<string, unknown>): Record<string, unknown> {
  const { response_time, ttft, ...rest } = meta;
  assert.type(response_time, 'number');
  assert.type(ttft, 'number');
  return rest;
}

test('the seed EventSource request streams the exact sequence and saves the node (OpenAI)', async () => {
  world.openAi.defaultReply = { chunks: ['Hel', 'lo', '!'], usage: { prompt: 9, completion: 3 } };
  const reply = await world.stream('workflow/chat_completion/complete_stream', {
    conversation_file: world.file,
    llm_config_file: world.openAiConfig,
  });
  assert.is(reply.status, 200);
  assert.is(reply.headers.get('content-type'), 'text/event-stream');
  const received = events(reply);
  const start = received[0]!;
  const generationId = start['generation_id'] as string;
  const nodeId = start['node_id'] as string;
  const usage = { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 };
  const saved = received.find((event) => event.type === 'saved')!;
  assert.equal(received, [
    { type: 'start', generation_id: generationId, conversation_file: world.file, parent_id: 'n_user', node_id: nodeId, hooks: [] },
    { type: 'chunk', content: 'Hel' },
    { type: 'chunk', content: 'lo' },
    { type: 'chunk', content: '!' },
    { type: 'finish', finish_reason: 'stop' },
    { type: 'usage', usage },
    { type: 'saved', node_id: nodeId, usage, doc: saved['doc'] },
    { type: 'end' },
  ]);
  assert.equal(
    reply.frames.map((frame) => frame.id),
    received.map((_, index) => `${generationId}:${index + 1}`),
  );

  const doc = world.doc();
  assert.equal(doc.active_path, ['n_root', 'n_user', nodeId]);
  assert.equal(saved['doc'], JSON.parse(JSON.stringify(doc)));
  const node = doc.nodes[nodeId]!;
  assert.equal(
    { ...node, node_updated_at: undefined, meta: withoutTimings(node.meta!) },
    {
      pid: 'n_user',
      role: 'assistant',
      content: 'Hello!',
      node_updated_at: undefined,
      meta: { generation_id: generationId, provider: 'openai_compatible', model: 'gpt-test', usage, finish_reason: 'stop' },
    },
  );
  // What the provider received: the path's messages, and the resolved key (never the placeholder).
  const request = world.openAi.requests[0]!;
  assert.equal((request.body as { messages: unknown }).messages, [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Say hello.' },
  ]);
  assert.is(request.headers.authorization, `Bearer ${testKey}`);
});

test('Gemini streams the same sequence through its own wire format', async () => {
  world.gemini.defaultReply = { chunks: ['Hi', ' there'], usage: { prompt: 4, completion: 2 } };
  const reply = await world.stream('workflow/chat_completion/complete_stream', {
    conversation_file: world.file,
    llm_config_file: world.geminiConfig,
    include_doc: 'false',
  });
  const received = events(reply);
  assert.equal(
    received.map((event) => event.type),
    ['start', 'chunk', 'chunk', 'finish', 'usage', 'saved', 'end'],
  );
  const nodeId = received[0]!['node_id'] as string;
  assert.equal(received[5], { type: 'saved', node_id: nodeId, usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } });
  assert.is(world.doc().nodes[nodeId]?.content, 'Hi there');
  assert.is(world.doc().nodes[nodeId]?.meta?.provider, 'gemini');
});

test("without llm_config_file the conversation's settings.json names the config", async () => {
  world.openAi.defaultReply = { chunks: ['From settings'] };
  const reply = await world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file, include_doc: 'false' });
  assert.equal(
    events(reply).map((event) => event.type),
    ['start', 'chunk', 'finish', 'usage', 'saved', 'end'],
  );
  assert.is(world.openAi.requests.length, 1);
});

test('no config anywhere is a 400 naming the settings.json it looked in', async () => {
  world.root.write('data/conversations/test/settings.json', {});
  const reply = await world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file });
  assert.is(reply.status, 400);
  const body = JSON.parse(reply.text) as { success: boolean; error: { code: string; message: string } };
  assert.is(body.success, false);
  assert.is(body.error.code, 'BAD_INPUT');
  assert.match(body.error.message, 'data/conversations/test/settings.json');
  world.root.write('data/conversations/test/settings.json', { llm_config: world.openAiConfig });
});

test('non-streaming complete answers the seed shape and saves the node', async () => {
  world.openAi.defaultReply = { chunks: ['Done', '.'], usage: { prompt: 5, completion: 2 } };
  const { status, body } = await world.post<Record<string, unknown>>('workflow/chat_completion/complete', {
    conversation_file: world.file,
    llm_config_file: world.openAiConfig,
  });
  assert.is(status, 200);
  const nodeId = body['node_id'] as string;
  assert.equal(
    { ...body, response_time: typeof body['response_time'], generation_id: typeof body['generation_id'] },
    {
      success: true,
      content: 'Done.',
      node_id: nodeId,
      parent_id: 'n_user',
      generation_id: 'string',
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
      finish_reason: 'stop',
      response_time: 'number',
      model_used: 'gpt-test',
      doc: JSON.parse(JSON.stringify(world.doc())),
    },
  );
});

test('an empty assistant leaf (a placeholder) is filled instead of getting a child', async () => {
  const doc = world.doc();
  doc.nodes['n_placeholder'] = { pid: 'n_user', role: 'assistant', content: '' };
  doc.active_path.push('n_placeholder');
  world.root.writeConversation('test', doc);
  world.openAi.defaultReply = { chunks: ['Filled'] };
  const reply = await world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file, include_doc: 'false' });
  assert.is(events(reply)[0]!['node_id'], 'n_placeholder');
  assert.equal((world.openAi.requests[0]!.body as { messages: unknown[] }).messages.length, 2);
  assert.is(world.doc().nodes['n_placeholder']?.content, 'Filled');
  assert.equal(world.doc().active_path, ['n_root', 'n_user', 'n_placeholder']);
});

test('an empty reply saves no node and still ends', async () => {
  world.openAi.defaultReply = { chunks: [], usage: null };
  const before = world.root.readText(world.file);
  const reply = await world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file });
  assert.equal(
    events(reply).map((event) => event.type),
    ['start', 'finish', 'end'],
  );
  assert.is(world.root.readText(world.file), before);
});

test('errors before the stream opens are JSON with their status, and nothing is written', async () => {
  const cases: Array<[Record<string, string>, number, string, RegExp]> = [
    [{ conversation_file: 'data/conversations/missing/conversation.json' }, 404, 'NOT_FOUND', /missing\/conversation\.json/],
    [{ conversation_file: '../outside.json' }, 403, 'FORBIDDEN', /outside/],
    [{ conversation_file: world.file, llm_config_file: 'data/conversations/test/conversation.json' }, 403, 'FORBIDDEN', /llm_configs/],
    [{ conversation_file: world.file, llm_config_file: 'data/llm_configs/nope.json' }, 404, 'NOT_FOUND', /nope\.json/],
    [{ conversation_file: world.file, parent_node_id: 'n_ghost' }, 404, 'NOT_FOUND', /n_ghost/],
    [{ conversation_file: world.file, target_node_id: 'n_user' }, 409, 'CONFLICT', /n_user/],
  ];
  const before = world.root.readText(world.file);
  for (const [query, status, code, message] of cases) {
    const reply = await world.stream('workflow/chat_completion/complete_stream', query);
    assert.is(reply.status, status, JSON.stringify(query));
    const body = JSON.parse(reply.text) as { error: { code: string; message: string } };
    assert.is(body.error.code, code);
    assert.match(body.error.message, message);
  }
  assert.is(world.root.readText(world.file), before);
  assert.is(world.openAi.requests.length, 0);
});

test('an invalid conversation file is a 422 and stays byte-for-byte', async () => {
  const broken = '{ "roots": ["a"], "nodes": { "a": { "pid": null, "role": "robot", "content": "x" } }, "active_path": ["a"] }\n';
  world.root.write(world.file, broken);
  const reply = await world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file });
  assert.is(reply.status, 422);
  assert.match(reply.text, /INVALID_FILE/);
  assert.is(world.root.readText(world.file), broken);
});

test('an unknown generation is a 404 for status and abort', async () => {
  for (const path of ['workflow/chat_completion/status', 'workflow/chat_completion/abort']) {
    const { status, body } = await world.post<{ error: { code: string; message: string } }>(path, { generation_id: 'gen_unknown' });
    assert.is(status, 404);
    assert.match(body.error.message, 'gen_unknown');
  }
});

test('send appends the user message and streams the reply under it', async () => {
  world.openAi.defaultReply = { chunks: ['Sure'] };
  const reply = await world.stream('workflow/chat_completion/send', { conversation_file: world.file, content: 'And again?' });
  const received = events(reply);
  const userId = received[0]!['parent_id'] as string;
  const replyId = received[0]!['node_id'] as string;
  const doc = world.doc();
  assert.equal(doc.nodes[userId], { ...doc.nodes[userId]!, pid: 'n_user', role: 'user', content: 'And again?' });
  assert.equal(doc.active_path, ['n_root', 'n_user', userId, replyId]);
  assert.is(doc.nodes[replyId]?.content, 'Sure');
});

test('regenerate makes a new active sibling and keeps the old reply', async () => {
  world.openAi.defaultReply = { chunks: ['First'] };
  const first = events(await world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file }));
  const firstId = first[0]!['node_id'] as string;
  world.openAi.defaultReply = { chunks: ['Second'] };
  const second = events(await world.stream('workflow/chat_completion/regenerate', { conversation_file: world.file, node_id: firstId }));
  const secondId = second[0]!['node_id'] as string;
  const doc = world.doc();
  assert.is(doc.nodes[firstId]?.content, 'First');
  assert.is(doc.nodes[secondId]?.content, 'Second');
  assert.is(doc.nodes[secondId]?.pid, 'n_user');
  assert.equal(doc.active_path, ['n_root', 'n_user', secondId]);
});

test.run();
