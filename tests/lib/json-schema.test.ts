import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CallError } from '../../src/lib/call-error.js';
import { eventSchema } from '../../src/lib/event-schema.js';
import { compileSchema } from '../../src/lib/json-schema.js';
import { generationEventSchema } from '../../src/generation/generation-events.js';

const test = suite('json-schema: tagged unions');

const union = {
  oneOf: [
    eventSchema('chunk', { content: { type: 'string' } }, ['content']),
    eventSchema('finish', { finish_reason: { type: 'string' } }, ['finish_reason']),
  ],
} as const;
// The same union with a keyword beside `oneOf`: not taken for a tagged union, so checked as a whole every time.
const whole = { ...union, description: 'events', $comment: 'checked as a whole' } as const;

test('a valid event of each type passes, unchanged', () => {
  const fast = compileSchema(union);
  for (const event of [
    { type: 'chunk', content: 'Hel' },
    { type: 'finish', finish_reason: 'stop' },
  ]) {
    assert.is(fast.check(event, 'OUTPUT_INVALID', 'an event'), event);
    assert.equal(fast.problems(event), []);
  }
});

test('an invalid event gets the same problems as from the whole oneOf', () => {
  const fast = compileSchema(union);
  const slow = compileSchema(whole);
  for (const event of [
    { type: 'chunk', content: 5 },
    { type: 'chunk' },
    { type: 'chunk', content: 'x', extra: true },
    { type: 'nope', content: 'x' },
    { content: 'x' },
    'chunk',
    null,
  ]) {
    assert.ok(fast.problems(event).length > 0, JSON.stringify(event));
    assert.equal(fast.problems(event), slow.problems(event), JSON.stringify(event));
  }
});

test('the message names the field, as before', () => {
  try {
    compileSchema(union).check({ type: 'chunk', content: 5 }, 'OUTPUT_INVALID', 'an event of x');
    assert.unreachable();
  } catch (error) {
    assert.instance(error, CallError);
    assert.is((error as CallError).code, 'OUTPUT_INVALID');
    assert.match((error as CallError).message, /^an event of x is invalid: .*\/content must be string/);
  }
});

test('the generation events: every type passes and a wrong field fails', () => {
  const schema = compileSchema(generationEventSchema);
  const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
  const valid = [
    { type: 'start', generation_id: 'g', conversation_file: 'f', parent_id: 'p', node_id: 'n', hooks: [] },
    { type: 'chunk', content: 'a' },
    { type: 'reasoning', content: 'b' },
    { type: 'finish', finish_reason: 'stop' },
    { type: 'usage', usage },
    { type: 'saved', node_id: 'n', usage: null },
    { type: 'error', code: 'ABORTED', message: 'stopped' },
    { type: 'end' },
  ];
  for (const event of valid) assert.equal(schema.problems(event), [], JSON.stringify(event));
  assert.equal(
    schema
      .problems({ type: 'usage', usage: { ...usage, total_tokens: -1 } })
      .map(({ field }) => field)
      .includes('/usage/total_tokens'),
    true,
  );
});

test.run();
