import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../../src/engine.js';
import { GenerationJournal } from '../../../src/generation/journal.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { events, resetWorld, startWorld, testKey, type WorkflowWorld } from './workflow-kit.js';

const test = suite('reasoning through the workflow: SSE, node, journal, next request');
let world: WorkflowWorld;
let deepseekConfig: string;
let geminiThoughtsConfig: string;

test.before(async () => {
  world = await startWorld();
  deepseekConfig = world.root.writeLlmConfig('deepseek', {
    provider: 'openai_compatible',
    base_url: world.openAi.baseUrl,
    api_key: '${TEST_PROVIDER_KEY}',
    model: 'deepseek-reasoner',
    pricing: { input_per_million: 1, output_per_million: 2 },
  });
  geminiThoughtsConfig = world.root.writeLlmConfig('gemini_thoughts', {
    provider: 'gemini',
    base_url: world.gemini.baseUrl,
    api_key: '${TEST_PROVIDER_KEY}',
    model: 'gemini-test',
    thinking: { include_thoughts: true },
  });
});
test.after(async () => {
  await world.close();
});
test.before.each(() => resetWorld(world, 'What is 2+2?'));

function withoutTimings(node: Record<string, unknown>): Record<string, unknown> {
  const { node_updated_at, meta, ...rest } = node;
  assert.type(node_updated_at, 'string');
  const { response_time, ttft, ...kept } = meta as Record<string, unknown>;
  assert.type(response_time, 'number');
  assert.type(ttft, 'number');
  return { ...rest, meta: kept };
}

test('DeepSeek: reasoning events before the chunks, the node keeps both apart, and the next request leaves reasoning out', async () => {
  world.openAi.defaultReply = {
    reasoningChunks: ['Two and ', 'two.'],
    chunks: ['Fo', 'ur'],
    usage: { prompt: 10, completion: 30, reasoning: 25 },
  };
  const reply = await world.stream('workflow/chat_completion/complete_stream', {
    conversation_file: world.file,
    llm_config_file: deepseekConfig,
    include_doc: 'false',
  });
  const received = events(reply);
  const start = received[0]!;
  const nodeId = start['node_id'] as string;
  const usage = { prompt_tokens: 10, completion_tokens: 30, total_tokens: 40, reasoning_tokens: 25 };
  assert.equal(received, [
    {
      type: 'start',
      generation_id: start['generation_id'],
      conversation_file: world.file,
      parent_id: 'n_user',
      node_id: nodeId,
      hooks: [],
    },
    { type: 'reasoning', content: 'Two and ' },
    { type: 'reasoning', content: 'two.' },
    { type: 'chunk', content: 'Fo' },
    { type: 'chunk', content: 'ur' },
    { type: 'finish', finish_reason: 'stop' },
    { type: 'usage', usage, cost: 0.00007 },
    { type: 'saved', node_id: nodeId, usage },
    { type: 'end' },
  ]);
  assert.equal(withoutTimings(world.doc().nodes[nodeId]!), {
    pid: 'n_user',
    role: 'assistant',
    content: 'Four',
    reasoning: 'Two and two.',
    meta: {
      generation_id: start['generation_id'],
      provider: 'openai_compatible',
      model: 'deepseek-reasoner',
      usage,
      reasoning_tokens: 25,
      cost: 0.00007,
      finish_reason: 'stop',
    },
  });

  // The next turn: deepseek-reasoner refuses reasoning_content on ordinary turns (the fake answers 400 if sent).
  world.openAi.defaultReply = { chunks: ['Six'], usage: null };
  const next = events(
    await world.stream('workflow/chat_completion/send', {
      conversation_file: world.file,
      content: 'And 3+3?',
      llm_config_file: deepseekConfig,
      include_doc: 'false',
    }),
  );
  assert.equal(
    next.map((event) => event.type),
    ['start', 'chunk', 'finish', 'saved', 'end'],
  );
  assert.equal((world.openAi.requests[1]?.body as { messages: unknown }).messages, [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'What is 2+2?' },
    { role: 'assistant', content: 'Four' },
    { role: 'user', content: 'And 3+3?' },
  ]);
  assert.is(world.openAi.requests[1]?.headers.authorization, `Bearer ${testKey}`);
});

test('non-streaming complete answers the reasoning beside the content', async () => {
  world.openAi.defaultReply = { reasoningChunks: ['Think.'], chunks: ['Four'], usage: null };
  const { status, body } = await world.post<Record<string, unknown>>('workflow/chat_completion/complete', {
    conversation_file: world.file,
    llm_config_file: deepseekConfig,
    include_doc: false,
  });
  assert.is(status, 200);
  assert.equal([body['content'], body['reasoning']], ['Four', 'Think.']);
  assert.is(world.doc().nodes[body['node_id'] as string]?.['reasoning'], 'Think.');
});

test('Gemini thought parts (include_thoughts) arrive as reasoning events and are saved the same way', async () => {
  world.gemini.defaultReply = { reasoningChunks: ['Adding.'], chunks: ['Four'], usage: { prompt: 4, completion: 9, reasoning: 6 } };
  const received = events(
    await world.stream('workflow/chat_completion/complete_stream', {
      conversation_file: world.file,
      llm_config_file: geminiThoughtsConfig,
      include_doc: 'false',
    }),
  );
  const nodeId = received[0]!['node_id'] as string;
  assert.equal(received.slice(1, 3), [
    { type: 'reasoning', content: 'Adding.' },
    { type: 'chunk', content: 'Four' },
  ]);
  const node = world.doc().nodes[nodeId]!;
  assert.equal([node.content, node['reasoning'], node.meta?.['reasoning_tokens']], ['Four', 'Adding.', 6]);
});

test('a reply stopped during its reasoning is saved with the reasoning and an empty answer', async () => {
  world.openAi.defaultReply = { reasoningChunks: ['Hmm'], chunks: ['never'], hangAfterChunks: 1, usage: null };
  const received = events(
    await world.stream('workflow/chat_completion/complete_stream', {
      conversation_file: world.file,
      llm_config_file: world.root.writeLlmConfig('deepseek_quick', {
        provider: 'openai_compatible',
        base_url: world.openAi.baseUrl,
        model: 'deepseek-reasoner',
        timeout: 0.3,
      }),
      include_doc: 'false',
    }),
  );
  const nodeId = received[0]!['node_id'] as string;
  assert.equal(
    received.map((event) => event.type),
    ['start', 'reasoning', 'finish', 'saved', 'error', 'end'],
  );
  const node = world.doc().nodes[nodeId]!;
  assert.equal([node.content, node['reasoning'], node.meta?.partial], ['', 'Hmm', true]);
});

test('crash recovery folds the journal reasoning into the node', async () => {
  const journal = await GenerationJournal.open(world.root.root, {
    generation_id: 'gen_crashed',
    conversation_file: world.file,
    parent_id: 'n_user',
    node_id: 'n_crashed',
    fill_target: false,
    provider: 'openai_compatible',
    model: 'deepseek-reasoner',
    started_at: new Date().toISOString(),
  });
  journal.writeReasoning('Half a ');
  journal.write('Fo');
  await journal.flush();
  journal.writeReasoning('thought');
  await journal.flush();
  // The process "dies" here: the journal is never closed. A new engine on the same root recovers it.
  const engine = await createEngine({ root: world.root.root, logger: silentLogger, env: { TEST_PROVIDER_KEY: testKey } });
  assert.equal(engine.recovered, [
    { generation_id: 'gen_crashed', conversation_file: world.file, characters: 2, reasoning_characters: 14, node_id: 'n_crashed' },
  ]);
  await engine.close();
  const { node_updated_at, ...node } = world.doc().nodes['n_crashed']!;
  assert.type(node_updated_at, 'string');
  assert.equal(node, {
    pid: 'n_user',
    role: 'assistant',
    content: 'Fo',
    reasoning: 'Half a thought',
    meta: {
      generation_id: 'gen_crashed',
      provider: 'openai_compatible',
      model: 'deepseek-reasoner',
      usage: null,
      finish_reason: 'interrupted',
      partial: true,
      interrupted: true,
    },
  });
});

test.run();
