/**
 * @module modules/chat_branches/delete_conversation, rename_conversation and read_attachment through the engine (file
 * store): whole replies, the folder gone or moved with its attachments, 409 naming a taken name or a running reply,
 * and GET /api/attachment serving the bytes with their headers and the token.
 */
import { symlinkSync, existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../../src/engine.js';
import { createApp } from '../../../src/http/create-app.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { linearTree } from '../../helpers/conversation-trees.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';
import { callError } from './setup.js';

/** A 1x1 PNG. */
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const pngDataUrl = `data:image/png;base64,${png.toString('base64')}`;

const test = suite('whole conversations: delete, rename, attachments');
let temp: TempRoot;
let engine: Engine;
let file: string;

test.before.each(async () => {
  temp = createTempRoot();
  temp.writeLlmConfig('slow', {
    name: 'Slow',
    provider: 'mock',
    model: 'm',
    mock: { text: 'a b c d e f g h i j k l', chunk_size: 1, delay_ms: 200 },
  });
  file = temp.writeConversation('chat', { ...linearTree(1), name: 'Chat' });
  engine = await createEngine({ root: temp.root, logger: silentLogger, env: {} });
});
test.after.each(async () => {
  await engine.close();
  temp.cleanup();
});

/** Appends a user message with the PNG; returns the attachment reference. */
async function attachImage(): Promise<string> {
  const reply = await engine.api.call<{ node: { attachments: { file: string }[] } }>('modules/chat_branches/append_message', {
    conversation_file: file,
    pid: 't1',
    role: 'user',
    content: 'Look.',
    images: [{ data_url: pngDataUrl }],
    return_mode: 'node',
  });
  return reply.node.attachments[0]!.file;
}

test('delete_conversation removes the folder with its attachments', async () => {
  const reference = await attachImage();
  assert.ok(existsSync(temp.path(`data/conversations/chat/${reference}`)));
  assert.equal(await engine.api.call('modules/chat_branches/delete_conversation', { conversation_file: 'chat' }), {
    success: true,
    conversation_file: file,
    deleted: true,
  });
  assert.not.ok(existsSync(temp.path('data/conversations/chat')));
  const again = await callError(engine.api.call('modules/chat_branches/delete_conversation', { conversation_file: file }));
  assert.equal([again.code, again.message], ['NOT_FOUND', `no conversation at ${file}`]);
});

test('rename_conversation moves the folder to the new slug and names the tree; attachments follow', async () => {
  const reference = await attachImage();
  assert.equal(
    await engine.api.call('modules/chat_branches/rename_conversation', { conversation_file: file, new_name: ' Trip: Lisbon ' }),
    {
      success: true,
      conversation_file: 'data/conversations/Trip- Lisbon/conversation.json',
      previous_file: file,
      slug: 'Trip- Lisbon',
      name: 'Trip: Lisbon',
    },
  );
  const moved = temp.readJson<{ name: string; nodes: Record<string, { content: string }> }>(
    'data/conversations/Trip- Lisbon/conversation.json',
  );
  assert.is(moved.name, 'Trip: Lisbon');
  assert.equal(
    Object.values(moved.nodes).map((node) => node.content),
    [...Object.values(linearTree(1).nodes).map((node) => node.content), 'Look.'],
  );
  assert.ok(existsSync(temp.path(`data/conversations/Trip- Lisbon/${reference}`)));
  assert.not.ok(existsSync(temp.path('data/conversations/chat')));
});

test('rename to a name another conversation has is 409 naming it; nothing moves or changes', async () => {
  temp.writeConversation('taken', { ...linearTree(1), name: 'Taken' });
  const before = temp.readText(file);
  const error = await callError(
    engine.api.call('modules/chat_branches/rename_conversation', { conversation_file: file, new_name: 'taken' }),
  );
  assert.equal([error.code, error.message], ['CONFLICT', 'data/conversations/taken/ already exists']);
  assert.is(temp.readText(file), before);
  const blank = await callError(engine.api.call('modules/chat_branches/rename_conversation', { conversation_file: file, new_name: '   ' }));
  assert.equal([blank.code, blank.message], ['BAD_INPUT', 'input is invalid: /new_name must not be blank']);
});

test('a conversation with a reply being generated is neither deleted nor renamed (409 naming the generation)', async () => {
  const events = engine.api.stream<{ type: string; generation_id?: string }>('workflow/chat_completion/complete_stream', {
    conversation_file: file,
    parent_node_id: 't1',
    llm_config_file: 'data/llm_configs/slow.json',
  });
  const iterator = events[Symbol.asyncIterator]();
  const start = (await iterator.next()).value as { type: string; generation_id: string };
  assert.is(start.type, 'start');
  const expected = `${file} cannot be deleted while a reply is being generated in it (generation ${start.generation_id}); stop it with workflow/chat_completion/abort or wait until it ends`;
  const refused = await callError(engine.api.call('modules/chat_branches/delete_conversation', { conversation_file: file }));
  assert.equal([refused.code, refused.message], ['CONFLICT', expected]);
  const notRenamed = await callError(
    engine.api.call('modules/chat_branches/rename_conversation', { conversation_file: file, new_name: 'x' }),
  );
  assert.equal([notRenamed.code, notRenamed.message], ['CONFLICT', expected.replace('be deleted', 'be renamed')]);
  await engine.api.call('workflow/chat_completion/abort', { generation_id: start.generation_id });
  for (let next = await iterator.next(); !next.done; next = await iterator.next());
  assert.ok(existsSync(temp.path(file)));
});

test('read_attachment answers the bytes as base64; a link leading out of the folder is refused', async () => {
  const reference = await attachImage();
  assert.equal(await engine.api.call('modules/chat_branches/read_attachment', { conversation_file: 'chat', attachment: reference }), {
    success: true,
    conversation_file: file,
    attachment: reference,
    media_type: 'image/png',
    size: png.length,
    data_base64: png.toString('base64'),
  });
  const outside = `files/${'a'.repeat(64)}.png`;
  temp.write('data/secret.png', 'not yours');
  symlinkSync(temp.path('data/secret.png'), temp.path(`data/conversations/chat/${outside}`));
  const refused = await callError(
    engine.api.call('modules/chat_branches/read_attachment', { conversation_file: file, attachment: outside }),
  );
  assert.equal(
    [refused.code, refused.message],
    ['FORBIDDEN', `attachment: data/conversations/chat/${outside} leads outside data/conversations/chat/`],
  );
  const malformed = await callError(
    engine.api.call('modules/chat_branches/read_attachment', { conversation_file: file, attachment: '../settings.json' }),
  );
  assert.is(malformed.code, 'BAD_INPUT');
  assert.match(malformed.message, /\/attachment/);
});

test('GET /api/attachment serves the image: type, nosniff, immutable caching, 304 on its ETag, the token required', async () => {
  const reference = await attachImage();
  const token = 'attachment-test-token';
  const app = createApp({ registry: engine.api, logger: silentLogger, token });
  const url = `/api/attachment?conversation_file=chat&attachment=${reference}`;
  assert.is((await app.request(url)).status, 401);
  const response = await app.request(`${url}&access_token=${token}`);
  assert.is(response.status, 200);
  assert.equal(Buffer.from(await response.arrayBuffer()), png);
  const etag = `"${reference.slice(6, -4)}"`;
  assert.equal(
    Object.fromEntries(
      ['content-type', 'x-content-type-options', 'cache-control', 'etag', 'content-length'].map((name) => [
        name,
        response.headers.get(name),
      ]),
    ),
    {
      'content-type': 'image/png',
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=31536000, immutable',
      etag,
      'content-length': String(png.length),
    },
  );
  const again = await app.request(url, { headers: { authorization: `Bearer ${token}`, 'if-none-match': etag } });
  assert.is(again.status, 304);
  const missing = await app.request(`/api/attachment?conversation_file=chat&attachment=files/${'b'.repeat(64)}.png&access_token=${token}`);
  assert.is(missing.status, 404);
  assert.equal(await missing.json(), {
    success: false,
    error: {
      code: 'NOT_FOUND',
      message: `attachment refers to data/conversations/chat/files/${'b'.repeat(64)}.png, which does not exist`,
      details: { file: `data/conversations/chat/files/${'b'.repeat(64)}.png` },
    },
  });
  const outside = await app.request(`/api/attachment?conversation_file=../../etc/x.json&attachment=${reference}&access_token=${token}`);
  assert.is(outside.status, 403);
});

test.run();
