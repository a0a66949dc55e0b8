import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeAnthropic, type FakeServer } from '../../helpers/fake-anthropic.js';
import { events, resetWorld, startWorld, testKey, type WorkflowWorld } from './workflow-kit.js';

const test = suite('the anthropic provider through the workflow');
let world: WorkflowWorld;
let anthropic: FakeServer;
let config: string;

test.before(async () => {
  world = await startWorld();
  anthropic = await startFakeAnthropic();
  config = world.root.writeLlmConfig('claude', {
    provider: 'anthropic',
    base_url: `${anthropic.baseUrl}/v1`,
    api_key: '${TEST_PROVIDER_KEY}',
    model: 'claude-test',
    thinking: { budget_tokens: 1024 },
    pricing: { input_per_million: 3, output_per_million: 15, cache_read_per_million: 0.3 },
  });
});
test.after(async () => {
  await anthropic.close();
  await world.close();
});
test.before.each(() => {
  anthropic.reset();
  resetWorld(world, 'What is 2+2?');
});

test('thinking and text stream as reasoning and chunks; the node keeps both; the next request sends only the answer', async () => {
  anthropic.defaultReply = {
    reasoningChunks: ['Two', ' and two.'],
    chunks: ['Fo', 'ur'],
    usage: { prompt: 50, completion: 20, cacheRead: 40 },
  };
  const received = events(
    await world.stream('workflow/chat_completion/complete_stream', {
      conversation_file: world.file,
      llm_config_file: config,
      include_doc: 'false',
    }),
  );
  const start = received[0]!;
  const nodeId = start['node_id'] as string;
  const usage = { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, cache_read_tokens: 40 };
  // 10 plain input at 3, 40 cached at 0.3, 20 output at 15 (per million).
  const cost = (10 * 3 + 40 * 0.3 + 20 * 15) / 1_000_000;
  assert.equal(received, [
    {
      type: 'start',
      generation_id: start['generation_id'],
      conversation_file: world.file,
      parent_id: 'n_user',
      node_id: nodeId,
      hooks: [],
    },
    { type: 'reasoning', content: 'Two' },
    { type: 'reasoning', content: ' and two.' },
    { type: 'chunk', content: 'Fo' },
    { type: 'chunk', content: 'ur' },
    { type: 'finish', finish_reason: 'stop' },
    { type: 'usage', usage, cost },
    { type: 'saved', node_id: nodeId, usage },
    { type: 'end' },
  ]);
  const node = world.doc().nodes[nodeId]!;
  assert.equal(
    [node.content, node['reasoning'], node.meta?.provider, node.meta?.usage, node.meta?.cost],
    ['Four', 'Two and two.', 'anthropic', usage, cost],
  );

  anthropic.defaultReply = { chunks: ['Six'] };
  const next = events(
    await world.stream('workflow/chat_completion/send', {
      conversation_file: world.file,
      content: 'And 3+3?',
      llm_config_file: config,
      include_doc: 'false',
    }),
  );
  assert.equal(
    next.map((event) => event.type),
    ['start', 'chunk', 'finish', 'usage', 'saved', 'end'],
  );
  assert.equal(anthropic.requests[1]?.body, {
    model: 'claude-test',
    max_tokens: 4096 + 1024,
    messages: [
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: 'Four' },
      { role: 'user', content: 'And 3+3?' },
    ],
    system: 'You are terse.',
    stream: true,
    thinking: { type: 'enabled', budget_tokens: 1024 },
  });
  assert.is(anthropic.requests[1]?.headers.authorization, `Bearer ${testKey}`);
});

test('an error event mid-stream saves the partial answer and ends with the error', async () => {
  anthropic.defaultReply = { chunks: ['One', 'Two', 'Three'], errorEventAfterChunks: 1 };
  const received = events(
    await world.stream('workflow/chat_completion/complete_stream', {
      conversation_file: world.file,
      llm_config_file: config,
      include_doc: 'false',
    }),
  );
  const nodeId = received[0]!['node_id'] as string;
  assert.equal(received.slice(1), [
    { type: 'chunk', content: 'One' },
    { type: 'finish', finish_reason: 'error' },
    { type: 'saved', node_id: nodeId, usage: null, partial: true },
    { type: 'error', code: 'UPSTREAM_FAILED', message: `anthropic answered 529 (config ${config}): overloaded_error: Overloaded` },
    { type: 'end' },
  ]);
  assert.equal([world.doc().nodes[nodeId]?.content, world.doc().nodes[nodeId]?.meta?.partial], ['One', true]);
});

test('a thinking budget the API refuses is a 400 before anything is sent or written', async () => {
  const refused = world.root.writeLlmConfig('claude_small_budget', {
    provider: 'anthropic',
    base_url: anthropic.baseUrl,
    api_key: 'k',
    model: 'claude-test',
    thinking: { budget_tokens: 100 },
  });
  const before = JSON.stringify(world.doc());
  const { status, body } = await world.post<{ error: { code: string; message: string } }>('workflow/chat_completion/complete', {
    conversation_file: world.file,
    llm_config_file: refused,
  });
  assert.is(status, 400);
  assert.is(body.error.code, 'BAD_INPUT');
  assert.match(body.error.message, `config ${refused}: thinking.budget_tokens is 100; Anthropic needs at least 1024`);
  assert.is(anthropic.requests.length, 0);
  assert.is(JSON.stringify(world.doc()), before);
});

test.run();
