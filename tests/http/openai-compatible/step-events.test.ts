import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { collectReply, createChunkTranslator, type StepEvent } from '../../../src/http/openai-compatible/step-events.js';
import { CallError } from '../../../src/lib/call-error.js';

const test = suite('step events as OpenAI chunks');
const identity = { id: 'chatcmpl-x', created: 1700000000, model: 'mock' };
const usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 };

function translateAll(events: StepEvent[], includeUsage: boolean): unknown[] {
  const translate = createChunkTranslator(identity, includeUsage);
  return events
    .flatMap(translate)
    .map((frame) => (frame.kind === 'chunk' ? frame.chunk : frame.kind === 'done' ? '[DONE]' : frame.error.toJSON()));
}

const chunk = (delta: object, finishReason: string | null) => ({
  ...identity,
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  usage: null,
});

test("finish 'length' passes through; empty text is not a chunk; the usage of `saved` counts when no usage event came", () => {
  const events: StepEvent[] = [
    { type: 'start', generation_id: 'gen_1', node_id: 'n_a', parent_id: 'n_u' },
    { type: 'chunk', content: '' },
    { type: 'chunk', content: 'Cut' },
    { type: 'finish', finish_reason: 'length' },
    { type: 'saved', node_id: 'n_a', usage },
    { type: 'end' },
  ];
  assert.equal(translateAll(events, true), [
    chunk({ role: 'assistant', content: '' }, null),
    chunk({ content: 'Cut' }, null),
    chunk({}, 'length'),
    { ...identity, object: 'chat.completion.chunk', choices: [], usage },
    '[DONE]',
  ]);
});

test("finish 'error' is no finish chunk: the error frame stands for it, and no [DONE] follows", () => {
  const events: StepEvent[] = [
    { type: 'start' },
    { type: 'chunk', content: 'Par' },
    { type: 'finish', finish_reason: 'error' },
    { type: 'saved', node_id: 'n_a', usage: null, partial: true },
    { type: 'error', code: 'UPSTREAM_TIMEOUT', message: 'the provider took too long' },
    { type: 'end' },
  ];
  const { usage: _usage, ...noUsage } = chunk({ content: 'Par' }, null);
  const { usage: _usage2, ...start } = chunk({ role: 'assistant', content: '' }, null);
  assert.equal(translateAll(events, false), [start, noUsage, { code: 'UPSTREAM_TIMEOUT', message: 'the provider took too long' }]);
});

test('collecting: the text, the finish reason and the ids; an error event is thrown as its CallError after onStart ran', async () => {
  async function* events(fail: boolean): AsyncGenerator<StepEvent> {
    yield { type: 'start', generation_id: 'gen_1', node_id: 'n_a', parent_id: 'n_u' };
    yield { type: 'chunk', content: 'Hel' };
    yield { type: 'chunk', content: 'lo' };
    yield { type: 'finish', finish_reason: fail ? 'error' : 'content_filter' };
    if (fail) yield { type: 'error', code: 'SOMETHING_NEW', message: 'went wrong' };
    else yield { type: 'usage', usage };
    yield { type: 'end' };
  }
  const started: unknown[] = [];
  const reply = await collectReply(events(false), (value) => started.push({ ...value }));
  assert.equal(reply, { content: 'Hello', finishReason: 'content_filter', usage, generationId: 'gen_1', nodeId: 'n_a', parentId: 'n_u' });
  try {
    await collectReply(events(true), (value) => started.push({ ...value }));
    assert.unreachable();
  } catch (error) {
    // An unknown code from a newer engine part is still an upstream failure, never a crash.
    assert.instance(error, CallError);
    assert.equal((error as CallError).toJSON(), { code: 'UPSTREAM_FAILED', message: 'went wrong' });
  }
  const startIds = { content: '', finishReason: 'stop', usage: null, generationId: 'gen_1', nodeId: 'n_a', parentId: 'n_u' };
  assert.equal(started, [startIds, startIds]);
});

test.run();
