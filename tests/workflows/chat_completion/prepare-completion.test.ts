import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { events, resetWorld, startWorld, type WorkflowWorld } from './workflow-kit.js';

const test = suite('what a completion reads before the provider is called');
let world: WorkflowWorld;

test.before(async () => {
  world = await startWorld();
});
test.after(async () => {
  await world.close();
});
test.before.each(() => {
  resetWorld(world, 'Say hello.');
  world.root.write('data/conversations/test/settings.json', { llm_config: world.openAiConfig });
});

const stream = (query: Record<string, string> = {}) =>
  world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file, include_doc: 'false', ...query });

const sentPaths = (): unknown[] => [...world.openAi.requests, ...world.gemini.requests].map((request) => request.url);

test('settings.json edited between two requests: the second uses the config it names now', async () => {
  world.openAi.defaultReply = { chunks: ['One'] };
  world.gemini.defaultReply = { chunks: ['Two'] };
  await stream();
  world.root.write('data/conversations/test/settings.json', { llm_config: world.geminiConfig });
  await stream();
  assert.equal(sentPaths(), ['/v1/chat/completions', '/v1beta/models/gemini-test:streamGenerateContent?alt=sse']);
});

test('an LLM config edited by hand between two requests: the second sends what it says now', async () => {
  world.openAi.defaultReply = { chunks: ['Hi'] };
  const config = (model: string) => ({
    name: 'fake openai',
    provider: 'openai_compatible',
    base_url: world.openAi.baseUrl,
    api_key: '${TEST_PROVIDER_KEY}',
    model,
    timeout: 5,
    connect_timeout: 5,
  });
  world.root.writeLlmConfig('fake_openai', config('gpt-one'));
  await stream();
  world.root.writeLlmConfig('fake_openai', config('gpt-two'));
  const reply = await stream();
  assert.equal(
    events(reply).map((event) => event.type),
    ['start', 'chunk', 'finish', 'usage', 'saved', 'end'],
  );
  assert.equal(
    world.openAi.requests.map((request) => (request.body as { model: string }).model),
    ['gpt-one', 'gpt-two'],
  );
  world.root.writeLlmConfig('fake_openai', config('gpt-test'));
});

test('a missing conversation is a 404 even when a broken settings.json sits where it would be', async () => {
  world.root.write('data/conversations/ghost/settings.json', '{ not json');
  const reply = await world.stream('workflow/chat_completion/complete_stream', {
    conversation_file: 'data/conversations/ghost/conversation.json',
  });
  assert.is(reply.status, 404);
  assert.equal((JSON.parse(reply.text) as { error: { code: string } }).error.code, 'NOT_FOUND');
});

test('a broken settings.json beside a conversation is a 422 naming it, and nothing is sent', async () => {
  world.root.write('data/conversations/test/settings.json', '{ not json');
  const reply = await stream();
  assert.is(reply.status, 422);
  const body = JSON.parse(reply.text) as { error: { code: string; message: string } };
  assert.is(body.error.code, 'INVALID_FILE');
  assert.match(body.error.message, 'data/conversations/test/settings.json');
  assert.is(world.openAi.requests.length, 0);
});

test('with llm_config_file given, a broken settings.json does not stop the reply (only its tool settings are lost)', async () => {
  world.root.write('data/conversations/test/settings.json', '{ not json');
  world.openAi.defaultReply = { chunks: ['Fine'] };
  const reply = await stream({ llm_config_file: world.openAiConfig });
  assert.is(reply.status, 200);
  assert.is(world.openAi.requests.length, 1);
});

test('a reply under a node off the active path sends the messages from the root to that node', async () => {
  const doc = world.doc();
  doc.nodes['n_other'] = { pid: 'n_root', role: 'user', content: 'Another question.' };
  doc.nodes['n_answer'] = { pid: 'n_other', role: 'assistant', content: 'Another answer.' };
  doc.nodes['n_empty'] = { pid: 'n_answer', role: 'assistant', content: '  ' };
  world.root.writeConversation('test', doc);
  world.openAi.defaultReply = { chunks: ['Off path'] };
  const reply = await stream({ parent_node_id: 'n_empty' });
  assert.is(events(reply)[0]!['parent_id'], 'n_empty');
  assert.equal((world.openAi.requests[0]!.body as { messages: unknown }).messages, [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Another question.' },
    { role: 'assistant', content: 'Another answer.' },
  ]);
});

test.run();
