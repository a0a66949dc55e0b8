import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { startFakeAnthropic, type FakeServer } from '../../helpers/fake-anthropic.js';
import { readSse } from '../../helpers/sse-client.js';
import { events, resetWorld, startWorld, type WorkflowWorld } from './workflow-kit.js';

const test = suite('images on user messages: stored as files, sent in each provider format');
let world: WorkflowWorld;
let anthropic: FakeServer;
let anthropicConfig: string;
let textOnlyConfig: string;

/** A PNG by its signature and header chunk; the providers are fakes, so the pixels need not decode. */
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR fake image body')]);
const pngBase64 = png.toString('base64');
const pngUrl = `data:image/png;base64,${pngBase64}`;
const pngFile = `files/${createHash('sha256').update(png).digest('hex')}.png`;
const folder = 'data/conversations/test';

test.before(async () => {
  world = await startWorld();
  anthropic = await startFakeAnthropic();
  anthropicConfig = world.root.writeLlmConfig('claude', {
    provider: 'anthropic',
    base_url: anthropic.baseUrl,
    api_key: 'k',
    model: 'claude-test',
  });
  textOnlyConfig = world.root.writeLlmConfig('text_only', {
    provider: 'openai_compatible',
    base_url: world.openAi.baseUrl,
    model: 'text-model',
    vision: false,
  });
});
test.after(async () => {
  await anthropic.close();
  await world.close();
});
test.before.each(() => {
  anthropic.reset();
  resetWorld(world, 'Say hello.');
  rmSync(world.root.path(`${folder}/files`), { recursive: true, force: true });
});

const send = (body: Record<string, unknown>) =>
  readSse(world.url('workflow/chat_completion/send'), { body: { conversation_file: world.file, include_doc: false, ...body } });

test('send stores the image once beside the conversation, the node references it, and each provider gets its own format', async () => {
  world.openAi.defaultReply = { chunks: ['A cat.'], usage: null };
  const reply = await send({ content: 'What is this?', images: [{ data_url: pngUrl }], llm_config_file: world.openAiConfig });
  assert.equal(
    events(reply).map((event) => event.type),
    ['start', 'chunk', 'finish', 'saved', 'end'],
  );
  assert.equal(readdirSync(world.root.path(`${folder}/files`)), [pngFile.slice('files/'.length)]);
  assert.equal(readFileSync(world.root.path(`${folder}/${pngFile}`)), png);
  const userId = events(reply)[0]!['parent_id'] as string;
  const { node_updated_at, ...userNode } = world.doc().nodes[userId]!;
  assert.type(node_updated_at, 'string');
  assert.equal(userNode, {
    pid: 'n_user',
    role: 'user',
    content: 'What is this?',
    attachments: [{ type: 'image', file: pngFile, mime: 'image/png' }],
  });
  // OpenAI: content parts with the image as a data URL.
  assert.equal((world.openAi.requests[0]?.body as { messages: unknown[] }).messages.at(-1), {
    role: 'user',
    content: [
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: pngUrl } },
    ],
  });

  // The same image again, under the reply: still one file.
  const again = await world.post('modules/chat_branches/append_message', {
    file: world.file,
    pid: events(reply).find((event) => event.type === 'saved')!['node_id'],
    role: 'user',
    content: 'And this one?',
    images: [{ data_url: pngUrl }, { file: pngFile }],
    return_mode: 'none',
  });
  assert.is(again.status, 200);
  assert.is(readdirSync(world.root.path(`${folder}/files`)).length, 1);

  // Gemini: inlineData parts (and the two user turns in a row at the start merged into one, as Gemini wants).
  world.gemini.defaultReply = { chunks: ['Cats.'], usage: null };
  await readSse(
    world.url('workflow/chat_completion/complete_stream', { conversation_file: world.file, llm_config_file: world.geminiConfig }),
  );
  const contents = (world.gemini.requests[0]?.body as { contents: Array<{ role: string; parts: unknown[] }> }).contents;
  const image = { inlineData: { mimeType: 'image/png', data: pngBase64 } };
  assert.equal(contents, [
    { role: 'user', parts: [{ text: 'Say hello.' }, { text: 'What is this?' }, image] },
    { role: 'model', parts: [{ text: 'A cat.' }] },
    { role: 'user', parts: [{ text: 'And this one?' }, image, image] },
  ]);
});

test('Anthropic gets image blocks (before the text)', async () => {
  await send({ content: 'Describe.', images: [{ data_url: pngUrl }], llm_config_file: anthropicConfig });
  assert.equal((anthropic.requests[0]?.body as { messages: unknown[] }).messages, [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Say hello.' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pngBase64 } },
        { type: 'text', text: 'Describe.' },
      ],
    },
  ]);
});

test('bad images: the right status, a message naming the field or file, nothing written', async () => {
  const before = JSON.stringify(world.doc());
  const cases: Array<[unknown, number, string, string]> = [
    [
      [{ data_url: 'data:image/png;base64,' + Buffer.alloc(5 * 1024 * 1024 + 10, 0x89).toString('base64') }],
      413,
      'PAYLOAD_TOO_LARGE',
      'images[0].data_url is',
    ],
    [
      [{ data_url: 'data:image/png;base64,' + Buffer.from('#!/bin/sh\necho hi\n').toString('base64') }],
      400,
      'BAD_INPUT',
      'images[0].data_url is not a PNG, JPEG, GIF or WebP image',
    ],
    [[{ data_url: pngUrl }, { data_url: 'data:image/png;base64,@@@' }], 400, 'BAD_INPUT', 'images[1].data_url is not a base64 data URL'],
    [
      [{ file: `files/${'0'.repeat(64)}.png` }],
      404,
      'NOT_FOUND',
      `images[0].file refers to ${folder}/files/${'0'.repeat(64)}.png, which does not exist`,
    ],
  ];
  for (const [images, status, code, words] of cases) {
    const reply = await world.post<{ error: { code: string; message: string } }>('modules/chat_branches/append_message', {
      file: world.file,
      pid: 'n_user',
      role: 'user',
      content: 'Look.',
      images,
    });
    assert.equal([reply.status, reply.body.error.code], [status, code], words);
    assert.match(reply.body.error.message, words);
  }
  assert.is(JSON.stringify(world.doc()), before);
  assert.not.ok(existsSync(world.root.path(`${folder}/files`)), 'no file was written, not even the good first image');
});

test('a text-only config ("vision": false) is a 422 before any provider call, and send writes nothing', async () => {
  const before = JSON.stringify(world.doc());
  const reply = await world.post<{ error: { code: string; message: string } }>('workflow/chat_completion/send', {
    conversation_file: world.file,
    content: 'What is this?',
    images: [{ data_url: pngUrl }],
    llm_config_file: textOnlyConfig,
  });
  assert.equal(reply.status, 422);
  assert.equal(reply.body.error, {
    code: 'UNSUPPORTED_CONTENT',
    message: `the message has images, but config ${textOnlyConfig} is text-only ("vision": false); use a config whose model takes images, or send text only`,
    details: { field: 'vision' },
  });
  assert.is(JSON.stringify(world.doc()), before);
  assert.is(world.openAi.requests.length, 0);
});

test('a node whose image file was removed by hand: completing is a 404 naming the file and the node', async () => {
  await world.post('modules/chat_branches/append_message', {
    file: world.file,
    node_id: 'n_pic',
    pid: 'n_user',
    role: 'user',
    content: 'Look.',
    images: [{ data_url: pngUrl }],
  });
  rmSync(world.root.path(`${folder}/${pngFile}`));
  const reply = await world.post<{ error: { code: string; message: string } }>('workflow/chat_completion/complete', {
    conversation_file: world.file,
    llm_config_file: world.openAiConfig,
  });
  assert.is(reply.status, 404);
  assert.is(reply.body.error.message, `node n_pic of ${world.file} refers to ${folder}/${pngFile}, which does not exist`);
  assert.is(world.openAi.requests.length, 0);
});

test.run();
