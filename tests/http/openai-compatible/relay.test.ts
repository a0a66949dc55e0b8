import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type OpenAI from 'openai';
import { apiFailure, mockAnswer, startDoorWorld, type DoorWorld } from './openai-kit.js';

const test = suite('POST /v1/chat/completions without X-Branchflow-Conversation: a stateless relay');
let world: DoorWorld;
let conversationBefore: string;

test.before(async () => {
  world = await startDoorWorld();
  conversationBefore = world.root.readText(world.file);
});
test.after(async () => {
  await world.close();
});
test.after.each(() => {
  // Nothing is saved in this mode: the one conversation of the root stays byte for byte as it was.
  assert.is(world.root.readText(world.file), conversationBefore);
});

/** Checks that all chunks share one id and creation second, and gives them back without those two. */
function sameIdentity(chunks: OpenAI.Chat.Completions.ChatCompletionChunk[]): unknown[] {
  const [{ id, created }] = chunks as [OpenAI.Chat.Completions.ChatCompletionChunk];
  assert.match(id, /^chatcmpl-[0-9a-f]{32}$/);
  assert.ok(Number.isInteger(created) && Math.abs(created - Date.now() / 1000) < 60);
  for (const chunk of chunks) assert.equal([chunk.id, chunk.created], [id, created]);
  return chunks.map(({ id: _id, created: _created, ...rest }) => JSON.parse(JSON.stringify(rest)) as unknown);
}

test('non-stream: the whole chat.completion, answered from the request messages', async () => {
  const messages = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'First question' },
    { role: 'assistant', content: 'First answer' },
    { role: 'user', content: 'Second question' },
  ] as const;
  const completion = await world.client.chat.completions.create({ model: 'mock', messages: [...messages] });
  const { id, created, ...rest } = completion;
  assert.match(id, /^chatcmpl-[0-9a-f]{32}$/);
  assert.ok(Number.isInteger(created));
  const answer = mockAnswer(
    messages.map((message) => message.content),
    'Second question',
  );
  assert.equal(JSON.parse(JSON.stringify(rest)), {
    object: 'chat.completion',
    model: 'mock',
    choices: [{ index: 0, message: { role: 'assistant', content: answer.text, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: answer.usage,
  });
});

test('stream with include_usage: role chunk, text chunks, finish chunk, usage chunk', async () => {
  const stream = await world.client.chat.completions.create({
    model: 'mock',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Tell me' }],
  });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const answer = mockAnswer(['Tell me'], 'Tell me');
  const delta = (content: string) => ({
    object: 'chat.completion.chunk',
    model: 'mock',
    choices: [{ index: 0, delta: { content }, finish_reason: null, logprobs: null }],
    usage: null,
  });
  assert.equal(answer.text, 'Mock reply to: Tell me');
  assert.equal(sameIdentity(chunks), [
    {
      object: 'chat.completion.chunk',
      model: 'mock',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }],
      usage: null,
    },
    delta('Mock r'),
    delta('eply t'),
    delta('o: Tel'),
    delta('l me'),
    {
      object: 'chat.completion.chunk',
      model: 'mock',
      choices: [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }],
      usage: null,
    },
    { object: 'chat.completion.chunk', model: 'mock', choices: [], usage: answer.usage },
  ]);
});

test('stream without include_usage: no usage field and no usage chunk; text parts and the developer role are read', async () => {
  const stream = await world.client.chat.completions.create({
    model: 'folder_config',
    stream: true,
    messages: [
      { role: 'developer', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
    ],
  });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const simple = sameIdentity(chunks) as Array<{ choices: Array<{ delta: { content?: string }; finish_reason: string | null }> }>;
  assert.equal(
    simple.map((chunk) => [Object.keys(chunk), chunk.choices[0]!.delta, chunk.choices[0]!.finish_reason]),
    [
      [['object', 'model', 'choices'], { role: 'assistant', content: '' }, null],
      // The folder config has the mock's default chunk size, 8 characters.
      [['object', 'model', 'choices'], { content: 'Mock rep' }, null],
      [['object', 'model', 'choices'], { content: 'ly to: o' }, null],
      [['object', 'model', 'choices'], { content: 'ne\ntwo' }, null],
      [['object', 'model', 'choices'], {}, 'stop'],
    ],
  );
});

test('a provider failure before any text is the error with its status (502), in OpenAI shape', async () => {
  world.root.writeLlmConfig('failing_early', {
    provider: 'mock',
    model: 'x',
    mock: { fail_after_chunks: 0, fail_message: 'the mock is down' },
  });
  const error = await apiFailure(
    world.client.chat.completions.create({ model: 'failing_early', messages: [{ role: 'user', content: 'Hi' }] }),
  );
  assert.is(error.status, 502);
  assert.equal(error.error, { message: 'the mock is down', type: 'upstream_error', param: null, code: 'upstream_failed' });
});

test('a provider failure mid-stream is one error frame after the text, which the SDK throws', async () => {
  const stream = await world.client.chat.completions.create({
    model: 'broken',
    stream: true,
    messages: [{ role: 'user', content: 'A long enough question' }],
  });
  const texts: string[] = [];
  const error = await apiFailure(
    (async () => {
      for await (const chunk of stream) texts.push(chunk.choices[0]?.delta.content ?? '');
    })(),
  );
  assert.equal(texts, ['', 'Mock r', 'eply t']);
  assert.equal(error.error, {
    message: 'the mock went down after two chunks',
    type: 'upstream_error',
    param: null,
    code: 'upstream_failed',
  });
});

test('tool messages and image parts are refused with 400, naming the message', async () => {
  const toolError = await apiFailure(
    world.client.chat.completions.create({
      model: 'mock',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'tool', tool_call_id: 'call_1', content: '42' },
      ],
    }),
  );
  assert.equal(
    [toolError.status, toolError.error],
    [
      400,
      {
        message: "messages[1] is a tool call or tool result; branchflow's OpenAI-compatible door handles text messages only",
        type: 'invalid_request_error',
        param: 'messages[1]',
        code: 'unsupported_value',
      },
    ],
  );
  const imageError = await apiFailure(
    world.client.chat.completions.create({
      model: 'mock',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }],
    }),
  );
  assert.equal(
    [imageError.status, imageError.error],
    [
      400,
      {
        message: 'messages[0].content[0] is a "image_url" part; only text parts are accepted',
        type: 'invalid_request_error',
        param: 'messages[0].content[0]',
        code: 'unsupported_value',
      },
    ],
  );
});

test.run();
