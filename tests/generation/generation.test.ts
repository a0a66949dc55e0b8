import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Generation, type LoggedEvent } from '../../src/generation/generation.js';
import { GenerationManager } from '../../src/generation/generation-manager.js';
import { CallError } from '../../src/lib/call-error.js';
import { silentLogger } from '../../src/lib/logger.js';

function newGeneration(requestId?: string): Generation {
  return new Generation({
    id: GenerationManager.newId(),
    conversationFile: 'data/conversations/a/conversation.json',
    parentId: 'n1',
    nodeId: 'n2',
    ...(requestId === undefined ? {} : { requestId }),
  });
}

async function collect(iterable: AsyncIterable<LoggedEvent>): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

const test = suite('generation');

test('a viewer gets the log so far, then the live tail, until end', async () => {
  const generation = newGeneration();
  generation.push({ type: 'chunk', content: 'Hel' });
  const viewing = collect(generation.follow(0));
  generation.push({ type: 'chunk', content: 'lo' });
  generation.push({ type: 'finish', finish_reason: 'stop' });
  generation.push({ type: 'end' });
  assert.equal(await viewing, [
    { seq: 1, event: { type: 'chunk', content: 'Hel' } },
    { seq: 2, event: { type: 'chunk', content: 'lo' } },
    { seq: 3, event: { type: 'finish', finish_reason: 'stop' } },
    { seq: 4, event: { type: 'end' } },
  ]);
  assert.is(generation.content, 'Hello');
  assert.is(generation.status, 'done');
});

test('a viewer resuming after seq 2 gets only the later events', async () => {
  const generation = newGeneration();
  for (const content of ['a', 'b', 'c']) generation.push({ type: 'chunk', content });
  generation.push({ type: 'end' });
  const events = await collect(generation.follow(2));
  assert.equal(
    events.map(({ seq }) => seq),
    [3, 4],
  );
});

test('chunks kept folded in the log replay as the events pushed, from every Last-Event-ID', async () => {
  const generation = newGeneration();
  const pushed: LoggedEvent['event'][] = [
    { type: 'start', generation_id: generation.id, conversation_file: 'c', parent_id: 'n1', node_id: 'n2', hooks: [] },
  ];
  // Runs shorter and longer than one joined batch, empty chunks, multi-byte text, and events between the runs.
  for (let index = 0; index < 70; index++) pushed.push({ type: 'chunk', content: index % 9 === 4 ? '' : `${index}é😀` });
  pushed.push({ type: 'reasoning', content: 'think' });
  for (let index = 0; index < 5; index++) pushed.push({ type: 'chunk', content: `b${index}` });
  pushed.push({ type: 'chunk', content: 'tagged', id: 'x' } as LoggedEvent['event']);
  pushed.push({ type: 'finish', finish_reason: 'stop' }, { type: 'end' });
  const live = collect(generation.follow(0));
  for (const event of pushed) generation.push(event);
  const expected = pushed.map((event, index) => ({ seq: index + 1, event }));
  assert.equal(await live, expected);
  for (let after = 0; after <= pushed.length; after++) assert.equal(await collect(generation.follow(after)), expected.slice(after));
  assert.is(generation.eventCount, pushed.length);
  assert.is(generation.summary().events, pushed.length);
});

test('a viewer after the end of a finished generation gets nothing', async () => {
  const generation = newGeneration();
  generation.push({ type: 'end' });
  assert.equal(await collect(generation.follow(1)), []);
});

test('a viewer leaving stops its view, not the generation', async () => {
  const generation = newGeneration();
  const controller = new AbortController();
  const viewing = collect(generation.follow(0, controller.signal));
  generation.push({ type: 'chunk', content: 'x' });
  await new Promise((resolve) => setImmediate(resolve));
  controller.abort();
  assert.equal(await viewing, [{ seq: 1, event: { type: 'chunk', content: 'x' } }]);
  assert.is(generation.signal.aborted, false);
  assert.is(generation.viewers, 0);
});

test('nothing may be logged after end', () => {
  const generation = newGeneration();
  generation.push({ type: 'end' });
  assert.throws(() => generation.push({ type: 'chunk', content: 'late' }), /already ended/);
});

test('abort records why', () => {
  const generation = newGeneration();
  generation.abort('shutdown');
  generation.abort('user');
  assert.is(generation.abortReason, 'shutdown');
});

const manager = suite('generation manager');

manager('a started job runs in the background and the generation is listed', async () => {
  const generations = new GenerationManager({ logger: silentLogger });
  const generation = newGeneration();
  generations.start(generation, async (running) => {
    running.push({ type: 'chunk', content: 'hi' });
    running.push({ type: 'end' });
  });
  await generation.ended;
  const [summary] = generations.list();
  assert.is(summary?.generation_id, generation.id);
  assert.is(summary?.status, 'done');
  assert.is(summary?.content_length, 2);
});

manager('a second start with the same request id is a CONFLICT; findByRequestId finds the first', () => {
  const generations = new GenerationManager({ logger: silentLogger });
  const first = newGeneration('req-1');
  generations.start(first, () => new Promise(() => undefined));
  assert.is(generations.findByRequestId('req-1'), first);
  try {
    generations.start(newGeneration('req-1'), async () => undefined);
    assert.unreachable();
  } catch (error) {
    assert.is((error as CallError).code, 'CONFLICT');
  }
});

manager('abort waits until the job has ended', async () => {
  const generations = new GenerationManager({ logger: silentLogger });
  const generation = newGeneration();
  let savedBeforeAnswer = false;
  generations.start(generation, async (running) => {
    await new Promise((resolve) => running.signal.addEventListener('abort', resolve, { once: true }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    savedBeforeAnswer = true;
    running.push({ type: 'end' });
  });
  await generations.abort(generation.id);
  assert.ok(savedBeforeAnswer);
  assert.is(generation.abortReason, 'user');
});

manager('an unknown generation is NOT_FOUND', () => {
  const generations = new GenerationManager({ logger: silentLogger });
  try {
    generations.get('gen_nope');
    assert.unreachable();
  } catch (error) {
    assert.is((error as CallError).code, 'NOT_FOUND');
    assert.match((error as CallError).message, /no generation "gen_nope"/);
  }
});

manager('a job that throws still ends its generation with an error', async () => {
  const generations = new GenerationManager({ logger: silentLogger });
  const generation = newGeneration();
  generations.start(generation, async () => {
    throw new Error('boom');
  });
  const events = await collect(generation.follow(0));
  assert.equal(
    events.map(({ event }) => event.type),
    ['error', 'end'],
  );
});

manager('shutdown aborts running generations and waits for them', async () => {
  const generations = new GenerationManager({ logger: silentLogger });
  const generation = newGeneration();
  generations.start(generation, async (running) => {
    await new Promise((resolve) => running.signal.addEventListener('abort', resolve, { once: true }));
    running.push({ type: 'end' });
  });
  await generations.shutdown(5000);
  assert.is(generation.status, 'done');
  assert.is(generation.abortReason, 'shutdown');
});

test.run();
manager.run();
