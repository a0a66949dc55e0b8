import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { definePlugin } from '../../src/plugins/define-plugin.js';
import type { AfterLLMCallInput, AfterSaveInput, BeforeLLMCallInput, BeforeSaveInput } from '../../src/plugins/hook-types.js';
import { baseDoc, events, startWorld, type WorkflowWorld } from '../workflows/chat_completion/workflow-kit.js';

const test = suite('plugin hooks around a completion');
let world: WorkflowWorld;

const seen: {
  before?: BeforeLLMCallInput;
  after?: AfterLLMCallInput;
  beforeSave?: BeforeSaveInput;
  afterSave?: AfterSaveInput & { nodeOnDisk: unknown };
} = {};
let afterSaveFailures = 0;

const observer = definePlugin({
  name: 'observer',
  hooks: {
    beforeLLMCall(input) {
      seen.before = structuredClone(input);
      return { messages: [{ role: 'system', content: 'Injected note.' }, ...input.messages], params: { temperature: 0.25 } };
    },
    transformChunk({ text }) {
      return text === 'DROP' ? '' : text.toUpperCase();
    },
    afterLLMCall(input) {
      seen.after = structuredClone(input);
      return { content: `${input.content} [after]` };
    },
    beforeSave(input) {
      seen.beforeSave = structuredClone(input);
      return { content: `${input.node.content} [saved]`, meta: { checked_by: 'observer' } };
    },
    async afterSave(input, context) {
      const { doc } = await context.call<{ doc: { nodes: Record<string, unknown> } }>('modules/chat_branches/get', {
        file: input.conversation_file,
      });
      seen.afterSave = { ...input, nodeOnDisk: doc.nodes[input.node_id] };
    },
  },
});

let chunksSeen = 0;
const boom = definePlugin({
  name: 'boom',
  hooks: {
    transformChunk({ text }) {
      chunksSeen++;
      if (chunksSeen === 2) throw new Error('no second chunk');
      return text;
    },
  },
});

const slow = definePlugin({
  name: 'slow',
  hookTimeoutMs: 300,
  hooks: {
    beforeSave: () => new Promise<void>(() => undefined),
  },
});

const refuse = definePlugin({
  name: 'refuse',
  hooks: {
    beforeLLMCall() {
      throw new Error('this prompt is not allowed');
    },
  },
});

const afterFails = definePlugin({
  name: 'after_fails',
  hooks: {
    afterSave() {
      afterSaveFailures++;
      throw new Error('side effect failed');
    },
  },
});

test.before(async () => {
  world = await startWorld({ engine: { plugins: [observer, boom, slow, refuse, afterFails] } });
});
test.after(async () => {
  await world.close();
});

/** A conversation whose settings enable only the named plugins. */
function conversation(slug: string, enable: string[]): string {
  return world.root.writeConversation(slug, baseDoc, { llm_config: world.openAiConfig, plugins: { enable } });
}

function withoutTimings(meta: Record<string, unknown>): Record<string, unknown> {
  const { response_time, ttft, ...rest } = meta;
  assert.type(response_time, 'number');
  return rest;
}

test('each hook sees its input and its changes reach the provider, the stream and the file, which agree', async () => {
  world.openAi.reset();
  world.openAi.defaultReply = { chunks: ['Hello', 'DROP', ' world'], usage: { prompt: 5, completion: 3 } };
  const file = conversation('observed', ['observer']);
  const reply = await world.stream('workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: 'false' });
  const received = events(reply);
  const start = received[0]!;
  const nodeId = start['node_id'] as string;
  const generationId = start['generation_id'] as string;
  const usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };
  assert.equal(received, [
    {
      type: 'start',
      generation_id: generationId,
      conversation_file: file,
      parent_id: 'n_user',
      node_id: nodeId,
      hooks: ['observer/beforeLLMCall', 'observer/transformChunk', 'observer/afterLLMCall', 'observer/beforeSave', 'observer/afterSave'],
    },
    { type: 'chunk', content: 'HELLO' },
    { type: 'chunk', content: ' WORLD' },
    { type: 'finish', finish_reason: 'stop' },
    { type: 'usage', usage },
    { type: 'saved', node_id: nodeId, content: 'HELLO WORLD [after] [saved]', usage },
    { type: 'end' },
  ]);

  const sent = world.openAi.requests[0]!.body as { messages: unknown; temperature: unknown };
  assert.equal(sent.messages, [
    { role: 'system', content: 'Injected note.' },
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Say hello.' },
  ]);
  assert.is(sent.temperature, 0.25);
  assert.equal(seen.before, {
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say hello.' },
    ],
    params: {},
    conversation: JSON.parse(JSON.stringify(baseDoc)),
    conversation_file: file,
    parent_node_id: 'n_user',
    config_name: world.openAiConfig,
  });
  assert.equal(seen.after, { content: 'HELLO WORLD', finish_reason: 'stop', usage, generation_id: generationId, conversation_file: file });

  const node = world.root.readJson<{ nodes: Record<string, { meta: Record<string, unknown> } & Record<string, unknown>> }>(file).nodes[
    nodeId
  ]!;
  const expectedMeta = {
    generation_id: generationId,
    provider: 'openai_compatible',
    model: 'gpt-test',
    usage,
    finish_reason: 'stop',
    checked_by: 'observer',
  };
  assert.equal(
    { ...node, node_updated_at: undefined, meta: withoutTimings(node.meta) },
    {
      pid: 'n_user',
      role: 'assistant',
      content: 'HELLO WORLD [after] [saved]',
      node_updated_at: undefined,
      meta: expectedMeta,
    },
  );
  assert.equal(seen.beforeSave!.node.content, 'HELLO WORLD [after]');
  assert.equal(withoutTimings(seen.beforeSave!.node.meta), {
    generation_id: generationId,
    provider: 'openai_compatible',
    model: 'gpt-test',
    usage,
    finish_reason: 'stop',
  });
  assert.equal(seen.afterSave!.node_id, nodeId);
  assert.equal((seen.afterSave!.nodeOnDisk as { content: string }).content, 'HELLO WORLD [after] [saved]');
});

test('complete answers the content as the hooks left it', async () => {
  world.openAi.defaultReply = { chunks: ['ok'] };
  const file = conversation('observed_complete', ['observer']);
  const { status, body } = await world.post<{ content: string }>('workflow/chat_completion/complete', {
    conversation_file: file,
    include_doc: false,
  });
  assert.is(status, 200);
  assert.is(body.content, 'OK [after] [saved]');
});

test('a hook that throws mid-stream ends the generation with HOOK_FAILED, saves the text so far as partial, and the server serves on', async () => {
  chunksSeen = 0;
  world.openAi.defaultReply = { chunks: ['First.', ' Second.', ' Third.'] };
  const file = conversation('boom', ['boom']);
  const received = events(
    await world.stream('workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: 'false' }),
  );
  const nodeId = received[0]!['node_id'] as string;
  const message = 'plugin boom: hook transformChunk threw: no second chunk';
  assert.equal(received.slice(1), [
    { type: 'chunk', content: 'First.' },
    { type: 'finish', finish_reason: 'error' },
    { type: 'saved', node_id: nodeId, usage: null, partial: true },
    { type: 'error', code: 'HOOK_FAILED', message },
    { type: 'end' },
  ]);
  const node = world.root.readJson<{ nodes: Record<string, { content: string; meta: Record<string, unknown> }> }>(file).nodes[nodeId]!;
  assert.is(node.content, 'First.');
  assert.is(node.meta['partial'], true);
  assert.equal(node.meta['error'], { code: 'HOOK_FAILED', message });

  assert.is((await fetch(`${world.server.url}/health`)).status, 200);
  const next = events(await world.stream('workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: 'false' }));
  assert.equal(
    next.map((event) => event.type),
    ['start', 'chunk', 'chunk', 'chunk', 'finish', 'usage', 'saved', 'end'],
  );
});

test('a hook that hangs past its timeout is HOOK_FAILED naming plugin and hook; the reply is saved as it was, partial', async () => {
  world.openAi.defaultReply = { chunks: ['Kept', ' text'], usage: { prompt: 2, completion: 2 } };
  const file = conversation('slow', ['slow']);
  const started = performance.now();
  const received = events(
    await world.stream('workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: 'false' }),
  );
  assert.ok(performance.now() - started < 5000, 'the hook timeout (300 ms) ended the wait');
  const nodeId = received[0]!['node_id'] as string;
  const message = 'plugin slow: hook beforeSave did not finish within 300 ms';
  assert.equal(received.slice(-3), [
    { type: 'saved', node_id: nodeId, usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 }, partial: true },
    { type: 'error', code: 'HOOK_FAILED', message },
    { type: 'end' },
  ]);
  const node = world.root.readJson<{ nodes: Record<string, { content: string; meta: Record<string, unknown> }> }>(file).nodes[nodeId]!;
  assert.is(node.content, 'Kept text');
  assert.equal([node.meta['partial'], node.meta['error']], [true, { code: 'HOOK_FAILED', message }]);
  assert.is((await fetch(`${world.server.url}/health`)).status, 200);
});

test('a beforeLLMCall that throws refuses the completion before any event or provider request (500 HOOK_FAILED)', async () => {
  world.openAi.reset();
  const file = conversation('refused', ['refuse']);
  const response = await fetch(world.url('workflow/chat_completion/complete_stream', { conversation_file: file }));
  assert.is(response.status, 500);
  assert.equal(await response.json(), {
    success: false,
    error: {
      code: 'HOOK_FAILED',
      message: 'plugin refuse: hook beforeLLMCall threw: this prompt is not allowed',
      details: { plugin: 'refuse', hook: 'beforeLLMCall' },
    },
  });
  assert.is(world.openAi.requests.length, 0);
  assert.equal(Object.keys(world.root.readJson<{ nodes: object }>(file).nodes), ['n_root', 'n_user']);
});

test('an afterSave failure is only logged: the reply is saved and the stream ends without an error', async () => {
  world.openAi.defaultReply = { chunks: ['Fine'] };
  const file = conversation('after_fails', ['after_fails']);
  const before = afterSaveFailures;
  const received = events(
    await world.stream('workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: 'false' }),
  );
  assert.equal(
    received.map((event) => event.type),
    ['start', 'chunk', 'finish', 'usage', 'saved', 'end'],
  );
  assert.is(afterSaveFailures, before + 1);
});

test('settings.json disable turns a plugin off for one conversation; without settings every plugin applies', async () => {
  world.openAi.defaultReply = { chunks: ['quiet'] };
  const file = world.root.writeConversation('disabled', baseDoc, {
    llm_config: world.openAiConfig,
    plugins: { disable: ['observer', 'boom', 'slow', 'refuse', 'after_fails'] },
  });
  const received = events(
    await world.stream('workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: 'false' }),
  );
  assert.equal(received[0]!['hooks'], []);
  assert.equal(received[1], { type: 'chunk', content: 'quiet' });
});

test('a plugin named in settings.json that is not loaded is a 422 naming it and the file', async () => {
  const file = world.root.writeConversation('unknown_plugin', baseDoc, {
    llm_config: world.openAiConfig,
    plugins: { enable: ['observer', 'nope'] },
  });
  const response = await fetch(world.url('workflow/chat_completion/complete_stream', { conversation_file: file }));
  assert.is(response.status, 422);
  assert.equal(await response.json(), {
    success: false,
    error: {
      code: 'INVALID_FILE',
      message:
        'plugins.enable[1] in data/conversations/unknown_plugin/settings.json names plugin "nope", which is not loaded (loaded: observer, boom, slow, refuse, after_fails)',
      details: { field: '/plugins/enable/1' },
    },
  });
});

test.run();
