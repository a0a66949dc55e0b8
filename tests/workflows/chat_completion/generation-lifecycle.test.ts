import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { events, resetWorld, startWorld, waitFor, type WireEvent, type WorkflowWorld } from './workflow-kit.js';

const test = suite('generation lifecycle');
let world: WorkflowWorld;

test.before(async () => {
  world = await startWorld();
});
test.after(async () => {
  await world.close();
});
test.before.each(() => resetWorld(world, 'Count.'));

const tenChunks = Array.from({ length: 10 }, (_, index) => `${index} `);
const typesOf = (received: WireEvent[]) => received.map((event) => event.type);

test('abort answers after the partial reply is saved, and the stream ends with a partial saved', async () => {
  world.openAi.defaultReply = { chunks: tenChunks, chunkDelayMs: 150 };
  let generationId = '';
  let abortAnswer: Promise<{ status: number; body: { generation: { outcome: string; saved_node_id: string } } }> | undefined;
  const reply = await world.stream(
    'workflow/chat_completion/complete_stream',
    { conversation_file: world.file, include_doc: 'false' },
    {
      until(sofar) {
        const received = events(sofar);
        if (received.length === 3 && abortAnswer === undefined) {
          generationId = received[0]!['generation_id'] as string;
          abortAnswer = world.post('workflow/chat_completion/abort', { generation_id: generationId });
        }
        return false;
      },
    },
  );
  const answer = await abortAnswer!;
  assert.is(answer.status, 200);
  assert.is(answer.body.generation.outcome, 'aborted');
  const nodeId = answer.body.generation.saved_node_id;
  const received = events(reply);
  const chunks = received
    .filter((event) => event.type === 'chunk')
    .map((event) => event.content)
    .join('');
  assert.equal(typesOf(received).slice(-3), ['finish', 'saved', 'end']);
  assert.equal(received.at(-3), { type: 'finish', finish_reason: 'aborted' });
  assert.equal(received.at(-2), { type: 'saved', node_id: nodeId, usage: null, partial: true });
  const node = world.doc().nodes[nodeId]!;
  assert.is(node.content, chunks);
  assert.ok(chunks.length > 0 && chunks.length < tenChunks.join('').length);
  assert.equal({ partial: node.meta?.partial, finish_reason: node.meta?.finish_reason }, { partial: true, finish_reason: 'aborted' });
  await world.openAi.requests[0]!.done;
  assert.ok(world.openAi.requests[0]!.clientClosed, 'the upstream request was cancelled');
});

test('a provider failure mid-stream saves the partial text, then error, then end', async () => {
  world.openAi.defaultReply = { chunks: ['one ', 'two ', 'three '], dropAfterChunks: 2 };
  const received = events(
    await world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file, include_doc: 'false' }),
  );
  assert.equal(typesOf(received), ['start', 'chunk', 'chunk', 'finish', 'saved', 'error', 'end']);
  assert.equal(received[3], { type: 'finish', finish_reason: 'error' });
  const nodeId = received[0]!['node_id'] as string;
  assert.equal(received[4], { type: 'saved', node_id: nodeId, usage: null, partial: true });
  assert.is(received[5]!['code'], 'UPSTREAM_FAILED');
  const node = world.doc().nodes[nodeId]!;
  assert.is(node.content, 'one two ');
  assert.is(node.meta?.partial, true);
  assert.is(node.meta?.error?.code, 'UPSTREAM_FAILED');
});

test('a provider failure before any text saves nothing: finish, error, end', async () => {
  world.openAi.defaultReply = { status: 400, errorMessage: 'bad model' };
  const before = world.root.readText(world.file);
  const received = events(await world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file }));
  assert.equal(typesOf(received), ['start', 'finish', 'error', 'end']);
  assert.match(received[2]!['message'] as string, 'bad model');
  assert.is(world.root.readText(world.file), before);
});

test('non-streaming complete answers a mid-stream failure with the error and the saved partial node', async () => {
  world.openAi.defaultReply = { chunks: ['half ', 'more'], dropAfterChunks: 1 };
  const { status, body } = await world.post<{ error: { code: string; message: string; details: { node_id: string; partial: boolean } } }>(
    'workflow/chat_completion/complete',
    { conversation_file: world.file },
  );
  assert.is(status, 502);
  assert.is(body.error.details.partial, true);
  assert.match(body.error.message, `saved as node ${body.error.details.node_id}`);
  assert.is(world.doc().nodes[body.error.details.node_id]?.content, 'half ');
});

test('a client that goes away does not lose the reply (on_disconnect "continue")', async () => {
  world.openAi.defaultReply = { chunks: tenChunks, chunkDelayMs: 30 };
  const reply = await world.stream(
    'workflow/chat_completion/complete_stream',
    { conversation_file: world.file, include_doc: 'false' },
    { until: (sofar) => sofar.frames.length === 3 },
  );
  const generationId = events(reply)[0]!['generation_id'] as string;
  await waitFor(async () => {
    const { body } = await world.post<{ generation: { status: string } }>('workflow/chat_completion/status', {
      generation_id: generationId,
    });
    return body.generation.status === 'done';
  }, 'the generation to finish');
  const nodeId = events(reply)[0]!['node_id'] as string;
  assert.is(world.doc().nodes[nodeId]?.content, tenChunks.join(''));
  assert.is(world.doc().nodes[nodeId]?.meta?.partial, undefined);
});

test('with on_disconnect "abort" a client going away stops the generation and saves the partial', async () => {
  world.openAi.defaultReply = { chunks: tenChunks, chunkDelayMs: 100 };
  const reply = await world.stream(
    'workflow/chat_completion/complete_stream',
    { conversation_file: world.file, include_doc: 'false', on_disconnect: 'abort' },
    { until: (sofar) => sofar.frames.length === 3 },
  );
  const generationId = events(reply)[0]!['generation_id'] as string;
  let outcome = '';
  await waitFor(async () => {
    const { body } = await world.post<{ generation: { status: string; outcome: string } }>('workflow/chat_completion/status', {
      generation_id: generationId,
    });
    outcome = body.generation.outcome;
    return body.generation.status === 'done';
  }, 'the generation to stop');
  assert.is(outcome, 'aborted');
  const node = world.doc().nodes[events(reply)[0]!['node_id'] as string]!;
  assert.is(node.meta?.partial, true);
  assert.is(node.meta?.error?.code, 'ABORTED');
  assert.ok(node.content.length < tenChunks.join('').length);
});

test('Last-Event-ID resumes the same generation after that event; a finished one answers 204', async () => {
  world.openAi.defaultReply = { chunks: tenChunks, chunkDelayMs: 20 };
  const query = { conversation_file: world.file, include_doc: 'false' };
  const first = await world.stream('workflow/chat_completion/complete_stream', query, { until: (sofar) => sofar.frames.length === 4 });
  const lastId = first.lastEventId!;
  const [generationId] = lastId.split(':');
  assert.is(lastId, `${generationId}:4`);

  const resumed = await world.stream('workflow/chat_completion/complete_stream', query, { lastEventId: lastId });
  assert.is(resumed.frames[0]!.id, `${generationId}:5`);
  const all = [...events(first), ...events(resumed)];
  assert.is(
    all
      .filter((event) => event.type === 'chunk')
      .map((event) => event.content)
      .join(''),
    tenChunks.join(''),
  );
  assert.equal(typesOf(all).slice(-4), ['finish', 'usage', 'saved', 'end']);
  assert.is(world.openAi.requests.length, 1, 'no second generation');

  const afterEnd = await world.stream('workflow/chat_completion/complete_stream', query, { lastEventId: resumed.lastEventId! });
  assert.is(afterEnd.status, 204);
  const unknown = await world.stream('workflow/chat_completion/complete_stream', query, { lastEventId: 'gen_forgotten:7' });
  assert.is(unknown.status, 204);
  assert.is(world.openAi.requests.length, 1);
});

test('a retried request with the same request_id attaches instead of paying twice', async () => {
  world.openAi.defaultReply = { chunks: tenChunks, chunkDelayMs: 20 };
  const query = { conversation_file: world.file, include_doc: 'false', request_id: 'client-42' };
  const [one, two] = await Promise.all([
    world.stream('workflow/chat_completion/complete_stream', query),
    world.stream('workflow/chat_completion/complete_stream', query),
  ]);
  assert.equal(events(one), events(two));
  assert.is(world.openAi.requests.length, 1);
  const nodeIds = Object.values(world.doc().nodes).filter((node) => node.role === 'assistant');
  assert.is(nodeIds.length, 1);
});

test('attach gives a second viewer the whole log; generations lists it', async () => {
  world.openAi.defaultReply = { chunks: ['a', 'b', 'c'], chunkDelayMs: 50 };
  let generationId = '';
  const first = world.stream(
    'workflow/chat_completion/complete_stream',
    { conversation_file: world.file, include_doc: 'false' },
    {
      until(sofar) {
        generationId ||= (events(sofar)[0]?.['generation_id'] as string | undefined) ?? '';
        return false;
      },
    },
  );
  await waitFor(() => generationId !== '', 'the start event');
  const { body } = await world.post<{ generations: { generation_id: string; status: string }[] }>('workflow/chat_completion/generations', {
    running_only: true,
  });
  assert.ok(body.generations.some((generation) => generation.generation_id === generationId));
  const second = await world.stream('workflow/chat_completion/attach', { generation_id: generationId });
  assert.equal(events(second), events(await first));
});

test('shutdown saves running replies as partial', async () => {
  const local = await startWorld();
  try {
    local.openAi.defaultReply = { chunks: tenChunks, chunkDelayMs: 100 };
    const reply = local.stream(
      'workflow/chat_completion/complete_stream',
      { conversation_file: local.file, include_doc: 'false' },
      {
        until: (sofar) => sofar.frames.length === 3,
      },
    );
    const nodeId = events(await reply)[0]!['node_id'] as string;
    await local.engine.close();
    const node = local.doc().nodes[nodeId]!;
    assert.is(node.meta?.partial, true);
    assert.equal(node.meta?.error, { code: 'ABORTED', message: 'the generation was stopped because the server shut down' });
  } finally {
    await local.close();
  }
});

test.run();
