import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import OpenAI from 'openai';
import { apiFailure, conversationDoc, mockAnswer, startDoorWorld, withoutTimings, type DoorWorld } from './openai-kit.js';

const test = suite('POST /v1/chat/completions with X-Branchflow-Conversation: the tree keeps the turn');
let world: DoorWorld;

test.before(async () => {
  world = await startDoorWorld();
});
test.after(async () => {
  await world.close();
});
test.before.each(() => world.reset());

/** The reply headers that tie the answer to the tree. */
interface TreeHeaders {
  conversation: string | null;
  node: string | null;
  parent: string | null;
  generation: string | null;
}

function treeHeaders(headers: Headers): TreeHeaders {
  return {
    conversation: headers.get('x-branchflow-conversation'),
    node: headers.get('x-branchflow-node-id'),
    parent: headers.get('x-branchflow-parent-id'),
    generation: headers.get('x-branchflow-generation-id'),
  };
}

/** The conversation file as the door left it, with the new user node and reply node looked up by their ids. */
function savedTurn(ids: TreeHeaders) {
  const doc = world.doc();
  const { updated_at: updatedAt, nodes, ...rest } = doc as typeof doc & { updated_at?: string };
  const { [ids.parent!]: user, [ids.node!]: reply, ...oldNodes } = nodes;
  return { rest, oldNodes, user: withoutTimings(user), reply: withoutTimings(reply), updatedAt };
}

/** What the mock answers from the tree's path: the file's system, user and assistant nodes, then the new message. */
function answerFromTree(newMessage: string) {
  return mockAnswer(['You are terse.', 'Hello there.', 'Hi.', newMessage], newMessage);
}

test('non-stream: the last user message and the reply are saved under the active leaf; earlier request messages are ignored', async () => {
  const { data, response } = await world.client.chat.completions
    .create(
      {
        model: 'mock',
        messages: [
          { role: 'system', content: 'This system message is not in the tree, so the model never sees it.' },
          { role: 'user', content: 'Neither is this one.' },
          { role: 'user', content: 'What next?' },
        ],
      },
      { headers: { 'X-Branchflow-Conversation': 'door' } },
    )
    .withResponse();
  const ids = treeHeaders(response.headers);
  assert.is(ids.conversation, 'data/conversations/door/conversation.json');
  assert.match(ids.generation!, /^gen_/);
  const answer = answerFromTree('What next?');
  assert.equal(JSON.parse(JSON.stringify(data)), {
    id: `chatcmpl-${ids.generation}`,
    object: 'chat.completion',
    created: data.created,
    model: 'mock',
    choices: [{ index: 0, message: { role: 'assistant', content: answer.text, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: answer.usage,
  });
  const saved = savedTurn(ids);
  assert.equal(saved.oldNodes, conversationDoc.nodes);
  assert.equal(saved.user, { pid: 'n_reply', role: 'user', content: 'What next?', node_updated_at: 'string' });
  assert.equal(saved.reply, {
    pid: ids.parent,
    role: 'assistant',
    content: answer.text,
    node_updated_at: 'string',
    meta: {
      generation_id: ids.generation,
      provider: 'mock',
      model: 'mock-model',
      usage: answer.usage,
      finish_reason: 'stop',
      response_time: 'number',
      ttft: 'number',
    },
  });
  assert.equal(saved.rest, {
    name: 'Door',
    roots: ['n_root'],
    active_path: ['n_root', 'n_user', 'n_reply', ids.parent, ids.node],
    children: { n_reply: [ids.parent], [ids.parent!]: [ids.node] },
  });
});

test('stream: the chunks carry the saved text, finish "stop", then the usage the node records, then [DONE]', async () => {
  const { data: stream, response } = await world.client.chat.completions
    .create(
      { model: 'mock', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Stream it' }] },
      { headers: { 'X-Branchflow-Conversation': 'data/conversations/door/conversation.json' } },
    )
    .withResponse();
  const ids = treeHeaders(response.headers);
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const answer = answerFromTree('Stream it');
  assert.equal(
    chunks.map((chunk) => chunk.id),
    chunks.map(() => `chatcmpl-${ids.generation}`),
  );
  assert.is(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), answer.text);
  assert.equal(
    chunks.slice(-2).map(({ choices, usage }) => ({ choices: JSON.parse(JSON.stringify(choices)) as unknown, usage })),
    [
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }], usage: null },
      { choices: [], usage: answer.usage },
    ],
  );
  const saved = savedTurn(ids);
  assert.equal(saved.user, { pid: 'n_reply', role: 'user', content: 'Stream it', node_updated_at: 'string' });
  assert.equal((saved.reply as { content: string }).content, answer.text);
  assert.equal((saved.reply as { meta: { usage: unknown } }).meta.usage, answer.usage);
  assert.equal(world.doc().active_path, ['n_root', 'n_user', 'n_reply', ids.parent, ids.node]);
});

test('X-Branchflow-Parent puts the user message under that node: a new branch, the model seeing only its path', async () => {
  const { data, response } = await world.client.chat.completions
    .create(
      { model: 'mock', messages: [{ role: 'user', content: 'Another branch' }] },
      { headers: { 'X-Branchflow-Conversation': 'door', 'X-Branchflow-Parent': 'n_root' } },
    )
    .withResponse();
  const ids = treeHeaders(response.headers);
  const answer = mockAnswer(['You are terse.', 'Another branch'], 'Another branch');
  assert.equal([data.choices[0]!.message.content, data.usage], [answer.text, answer.usage]);
  const saved = savedTurn(ids);
  assert.equal(saved.user, { pid: 'n_root', role: 'user', content: 'Another branch', node_updated_at: 'string' });
  assert.equal((saved.reply as { pid: string }).pid, ids.parent);
  assert.equal(saved.rest.children, { n_root: ['n_user', ids.parent], [ids.parent!]: [ids.node] });
  // The parent was not the active leaf, so the active path stays where the person left it (send's rule).
  assert.equal(saved.rest.active_path, ['n_root', 'n_user', 'n_reply']);
});

test('an X-Branchflow-Parent that is not in the file is a 404, and nothing is written', async () => {
  const before = world.root.readText(world.file);
  const error = await apiFailure(
    world.client.chat.completions.create(
      { model: 'mock', messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'X-Branchflow-Conversation': 'door', 'X-Branchflow-Parent': 'n_gone' } },
    ),
  );
  assert.equal(
    [error.status, error.error],
    [
      404,
      {
        message: 'parent node n_gone is not in data/conversations/door/conversation.json (it may have been deleted)',
        type: 'invalid_request_error',
        param: null,
        code: 'not_found',
      },
    ],
  );
  assert.is(world.root.readText(world.file), before);
});

test('a client that leaves mid-stream does not lose the reply: the generation runs on and saves it whole', async () => {
  const { data: stream, response } = await world.client.chat.completions
    .create(
      { model: 'slow', stream: true, messages: [{ role: 'user', content: 'Keep going' }] },
      { headers: { 'X-Branchflow-Conversation': 'door' } },
    )
    .withResponse();
  const ids = treeHeaders(response.headers);
  const texts: string[] = [];
  for await (const chunk of stream) {
    texts.push(chunk.choices[0]?.delta.content ?? '');
    if (texts.length === 3) break; // closes the connection, as a chat UI's stop button or a closed tab does
  }
  assert.equal(texts, ['', 'Mo', 'ck']);
  const answer = answerFromTree('Keep going');
  const deadline = Date.now() + 15_000;
  const reply = (): { content?: string; meta?: { partial?: boolean } } | undefined => world.doc().nodes[ids.node!];
  while (reply()?.content !== answer.text && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal([reply()?.content, reply()?.meta?.partial], [answer.text, undefined]);
});

test('a failure mid-stream: the text before it is saved as a partial node the headers name, and the SDK throws the error frame', async () => {
  const { data: stream, response } = await world.client.chat.completions
    .create(
      { model: 'broken', stream: true, messages: [{ role: 'user', content: 'Go on' }] },
      { headers: { 'X-Branchflow-Conversation': 'door' } },
    )
    .withResponse();
  const ids = treeHeaders(response.headers);
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
  const reply = world.doc().nodes[ids.node!] as { content: string; meta: { partial?: boolean; error?: unknown } };
  assert.equal(
    [reply.content, reply.meta.partial, reply.meta.error],
    ['Mock reply t', true, { code: 'UPSTREAM_FAILED', message: 'the mock went down after two chunks' }],
  );
});

test('a failure without streaming: 502 in OpenAI shape, with the partial node named in the headers', async () => {
  const error = await apiFailure(
    world.client.chat.completions.create(
      { model: 'broken', messages: [{ role: 'user', content: 'Go on' }] },
      { headers: { 'X-Branchflow-Conversation': 'door' } },
    ),
  );
  assert.is(error.status, 502);
  assert.equal(error.error, {
    message: 'the mock went down after two chunks',
    type: 'upstream_error',
    param: null,
    code: 'upstream_failed',
  });
  const nodeId = error.headers?.get('x-branchflow-node-id');
  assert.is((world.doc().nodes[nodeId!] as { content: string }).content, 'Mock reply t');
});

test('a chat UI that can set only a base URL: /v1/conversations/<name> serves the models and saves the turn there', async () => {
  const client = new OpenAI({ baseURL: `${world.server.url}/v1/conversations/door`, apiKey: 'sk-anything', maxRetries: 0 });
  assert.equal(
    (await client.models.list()).data.map((model) => model.id),
    ['broken', 'folder_config', 'mock', 'slow'],
  );
  const { data, response } = await client.chat.completions
    .create({ model: 'mock', messages: [{ role: 'user', content: 'Via the path' }] })
    .withResponse();
  const ids = treeHeaders(response.headers);
  assert.is(ids.conversation, 'data/conversations/door/conversation.json');
  assert.is(data.choices[0]!.message.content, answerFromTree('Via the path').text);
  assert.equal(savedTurn(ids).user, { pid: 'n_reply', role: 'user', content: 'Via the path', node_updated_at: 'string' });
  const conflicting = await apiFailure(
    client.chat.completions.create(
      { model: 'mock', messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'X-Branchflow-Conversation': 'other' } },
    ),
  );
  assert.equal(
    [conflicting.status, conflicting.error],
    [
      400,
      {
        message: 'X-Branchflow-Conversation "other" and the conversation in the path, "door", differ; send one',
        type: 'invalid_request_error',
        param: 'X-Branchflow-Conversation',
        code: 'invalid_header',
      },
    ],
  );
});

test('an unknown conversation is a 404 and creates nothing', async () => {
  const before = world.root.readText(world.file);
  const error = await apiFailure(
    world.client.chat.completions.create(
      { model: 'mock', messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'X-Branchflow-Conversation': 'nowhere' } },
    ),
  );
  assert.equal(
    [error.status, error.error],
    [
      404,
      {
        message: 'no conversation at data/conversations/nowhere/conversation.json',
        type: 'invalid_request_error',
        param: null,
        code: 'not_found',
      },
    ],
  );
  assert.is(existsSync(world.root.path('data/conversations/nowhere')), false);
  assert.is(world.root.readText(world.file), before);
});

test("a last message that is not the user's, or a model that cannot be used, is refused before the file is touched", async () => {
  const before = world.root.readText(world.file);
  const notUser = await apiFailure(
    world.client.chat.completions.create(
      {
        model: 'mock',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Prefill' },
        ],
      },
      { headers: { 'X-Branchflow-Conversation': 'door' } },
    ),
  );
  assert.equal(
    [notUser.status, notUser.error],
    [
      400,
      {
        message:
          "the last message is the assistant's; with X-Branchflow-Conversation the last message must be the user's, which is appended to the conversation",
        type: 'invalid_request_error',
        param: 'messages[1].role',
        code: 'unsupported_value',
      },
    ],
  );
  const keyless = await apiFailure(
    world.client.chat.completions.create(
      { model: 'keyless', messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'X-Branchflow-Conversation': 'door' } },
    ),
  );
  assert.is(keyless.status, 400);
  assert.equal(
    [keyless.error],
    [
      {
        message:
          'the model "keyless" (data/llm_configs/keyless.json) cannot be used as it stands: config data/llm_configs/keyless.json needs the ' +
          'environment variable DOOR_TEST_MISSING_KEY (${DOOR_TEST_MISSING_KEY} at /api_key), which is not set; set it in the environment ' +
          'or in .env at the root, or give a default with ${NAME:-default}',
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_usable',
      },
    ],
  );
  assert.is(world.root.readText(world.file), before);
});

test.run();
