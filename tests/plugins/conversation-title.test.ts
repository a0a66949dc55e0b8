import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import conversationTitle from '../../plugins/conversation_title/index.js';
import { cleanTitle, titleInstruction } from '../../plugins/conversation_title/title-text.js';
import { baseDoc, events, startWorld, type WorkflowWorld } from '../workflows/chat_completion/workflow-kit.js';

const test = suite('conversation_title');
let world: WorkflowWorld;

test.before(async () => {
  world = await startWorld({ engine: { plugins: [conversationTitle] } });
});
test.after(async () => {
  await world.close();
});

test('a reply title becomes one clean line of at most 80 characters', () => {
  assert.is(cleanTitle('\n  "Greetings and goodbyes."  \nsecond line'), 'Greetings and goodbyes');
  assert.is(cleanTitle('Title: **Planning a trip**'), 'Planning a trip');
  assert.is(cleanTitle('word '.repeat(30)), 'word word word word word word word word word word word word word word word word…');
});

test('after the first reply the afterSave hook asks the same LLM for a title and stores it at the top level, before end', async () => {
  world.openAi.reset();
  world.openAi.enqueue({ chunks: ['Hello', ' there.'] }, { chunks: ['"A friendly greeting"'] });
  const file = world.root.writeConversation('titled', { ...baseDoc, custom_field: { kept: true } }, { llm_config: world.openAiConfig });
  const received = events(
    await world.stream('workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: 'false' }),
  );
  assert.equal(received[0]!['hooks'], ['conversation_title/afterSave']);
  assert.equal(received.at(-1), { type: 'end' });

  const doc = world.root.readJson<Record<string, unknown>>(file);
  assert.is(doc['title'], 'A friendly greeting');
  assert.equal(doc['custom_field'], { kept: true });
  assert.is(doc['name'], 'Test');
  assert.equal((world.openAi.requests[1]!.body as { messages: unknown }).messages, [
    { role: 'system', content: titleInstruction },
    { role: 'user', content: 'user: Say hello.\nassistant: Hello there.' },
  ]);

  // Titled once: the next reply asks nothing more.
  world.openAi.enqueue({ chunks: ['Again.'] });
  await world.stream('workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: 'false' });
  assert.is(world.openAi.requests.length, 3);
  assert.is(world.root.readJson<Record<string, unknown>>(file)['title'], 'A friendly greeting');
});

test('the generate step works offline with the mock provider, and keeps a title unless told to overwrite it', async () => {
  const mock = world.root.writeLlmConfig('title_mock', { provider: 'mock', mock: { text: 'Greetings, briefly.' } });
  const file = world.root.writeConversation('mock_titled', baseDoc, { llm_config: mock });
  assert.equal(await world.engine.api.call('plugins/conversation_title/generate', { conversation_file: file }), {
    success: true,
    conversation_file: file,
    title: 'Greetings, briefly',
    generated: true,
  });
  assert.equal(await world.engine.api.call('plugins/conversation_title/generate', { conversation_file: file, overwrite: false }), {
    success: true,
    conversation_file: file,
    title: 'Greetings, briefly',
    generated: false,
  });
  assert.is(world.root.readJson<Record<string, unknown>>(file)['title'], 'Greetings, briefly');
});

test.run();
