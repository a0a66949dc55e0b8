import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mockAnswer, startDoorWorld, appOf, type DoorWorld } from './openai-kit.js';

const test = suite('/v1/chat/completions SSE framing, in-process with app.request');
let world: DoorWorld;

test.before(async () => {
  world = await startDoorWorld();
});
test.after(async () => {
  await world.close();
});
test.before.each(() => world.reset());

async function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return appOf(world).request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-anything', ...headers },
    body: JSON.stringify(body),
  });
}

/** The body cut at blank lines, each frame exactly as sent; JSON frames parsed, with their id and created checked and dropped. */
function frames(text: string): unknown[] {
  assert.ok(text.endsWith('\n\n'), 'the stream ends with a whole frame');
  const raw = text.slice(0, -2).split('\n\n');
  let identity: [unknown, unknown] | undefined;
  return raw.map((frame) => {
    assert.ok(frame.startsWith('data: ') && !frame.includes('\n'), `one data line per frame, no id or event line: ${frame}`);
    const data = frame.slice('data: '.length);
    if (data === '[DONE]') return data;
    const { id, created, ...rest } = JSON.parse(data) as { id?: unknown; created?: unknown };
    if (id !== undefined) {
      identity ??= [id, created];
      assert.equal([id, created], identity);
    }
    return rest;
  });
}

const chunk = (delta: object, finishReason: string | null = null, usage?: null, model = 'mock') => ({
  object: 'chat.completion.chunk',
  model,
  choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  ...(usage === undefined ? {} : { usage }),
});

test('a relay stream: data frames, then data: [DONE], with the SSE headers', async () => {
  const response = await post({ model: 'mock', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
  assert.is(response.status, 200);
  assert.equal(
    [response.headers.get('content-type'), response.headers.get('cache-control'), response.headers.get('x-accel-buffering')],
    ['text/event-stream', 'no-cache', 'no'],
  );
  assert.equal(frames(await response.text()), [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'Mock r' }),
    chunk({ content: 'eply t' }),
    chunk({ content: 'o: Hi' }),
    chunk({}, 'stop'),
    '[DONE]',
  ]);
});

test('a conversation stream with include_usage: usage null on every chunk, the usage chunk, then [DONE] once the node is saved', async () => {
  const response = await post(
    { model: 'mock', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Yo' }] },
    { 'X-Branchflow-Conversation': 'door' },
  );
  const text = await response.text();
  const answer = mockAnswer(['You are terse.', 'Hello there.', 'Hi.', 'Yo'], 'Yo');
  assert.equal(frames(text), [
    chunk({ role: 'assistant', content: '' }, null, null),
    chunk({ content: 'Mock r' }, null, null),
    chunk({ content: 'eply t' }, null, null),
    chunk({ content: 'o: Yo' }, null, null),
    chunk({}, 'stop', null),
    { object: 'chat.completion.chunk', model: 'mock', choices: [], usage: answer.usage },
    '[DONE]',
  ]);
  const nodeId = response.headers.get('x-branchflow-node-id')!;
  assert.ok(text.includes(`"id":"chatcmpl-${response.headers.get('x-branchflow-generation-id')}"`));
  assert.is((world.doc().nodes[nodeId] as { content: string }).content, answer.text);
});

test('a failure mid-stream is one error frame and no [DONE]', async () => {
  const response = await post({ model: 'broken', stream: true, messages: [{ role: 'user', content: 'A question' }] });
  assert.equal(frames(await response.text()), [
    chunk({ role: 'assistant', content: '' }, null, undefined, 'broken'),
    chunk({ content: 'Mock r' }, null, undefined, 'broken'),
    chunk({ content: 'eply t' }, null, undefined, 'broken'),
    { error: { message: 'the mock went down after two chunks', type: 'upstream_error', param: null, code: 'upstream_failed' } },
  ]);
});

test('an error before the stream opens is plain JSON with its status, not a stream', async () => {
  const response = await post({ model: 'missing', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
  assert.equal(
    [response.status, response.headers.get('content-type'), await response.json()],
    [
      404,
      'application/json',
      {
        error: {
          message:
            'the model "missing" does not exist: no LLM config of that name under data/llm_configs/ (known: broken, folder_config, keyless, mock, slow)',
          type: 'invalid_request_error',
          param: 'model',
          code: 'model_not_found',
        },
      },
    ],
  );
});

test.run();
