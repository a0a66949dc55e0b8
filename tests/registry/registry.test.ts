import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CallError } from '../../src/lib/call-error.js';
import { defineStep } from '../../src/registry/define-step.js';
import { Registry } from '../../src/registry/registry.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { Services } from '../../src/services.js';
import { failure } from '../helpers/call-failure.js';

const services = { root: process.cwd(), logger: silentLogger } as unknown as Services;

const echo = defineStep<{ text: string; count: number; loud: boolean }, { text: string }>({
  path: 'plugins/test/echo',
  summary: 'Echo the input back.',
  input: {
    type: 'object',
    properties: {
      text: { type: 'string' },
      count: { type: 'integer', minimum: 1, default: 1 },
      loud: { type: 'boolean', default: false },
    },
    required: ['text'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: { text: { type: 'string' } },
    required: ['text'],
    additionalProperties: false,
  },
  async run(input) {
    const text = input.text.repeat(input.count);
    return { text: input.loud ? text.toUpperCase() : text };
  },
});

const broken = defineStep<object, { n: number }>({
  path: 'plugins/test/broken_output',
  summary: 'Returns a value its own schema forbids.',
  input: { type: 'object', additionalProperties: false },
  output: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
  async run() {
    return { n: 'not a number' } as unknown as { n: number };
  },
});

const nested = defineStep<{ text: unknown }, { text: string }>({
  path: 'plugins/test/nested',
  summary: 'Calls echo through the context.',
  input: { type: 'object', properties: { text: {} }, additionalProperties: false },
  output: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  async run(input, context) {
    return context.call<{ text: string }>('plugins/test/echo', { text: input.text, count: 2 });
  },
});

let cleanedUp = false;
let seenAbort = false;
const ticker = defineStep<{ limit: number }, { type: 'tick'; n: number }>({
  path: 'plugins/test/ticker',
  summary: 'Counts up until stopped.',
  input: { type: 'object', properties: { limit: { type: 'integer', default: 1000 } }, additionalProperties: false },
  events: {
    type: 'object',
    properties: { type: { const: 'tick' }, n: { type: 'integer' } },
    required: ['type', 'n'],
    additionalProperties: false,
  },
  async *stream(input, context) {
    try {
      for (let n = 1; n <= input.limit; n++) {
        yield { type: 'tick' as const, n };
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } finally {
      cleanedUp = true;
      seenAbort = context.signal.aborted;
    }
  },
});

const badEvents = defineStep<object, { type: 'ok' }>({
  path: 'plugins/test/bad_events',
  summary: 'Yields an event its schema forbids.',
  input: { type: 'object' },
  events: { type: 'object', properties: { type: { const: 'ok' } }, required: ['type'] },
  async *stream() {
    yield { type: 'ok' as const };
    yield { type: 'nope' } as unknown as { type: 'ok' };
  },
});

const slow = defineStep<object, object>({
  path: 'plugins/test/slow',
  summary: 'Waits until aborted.',
  input: { type: 'object' },
  output: { type: 'object' },
  async run(_input, context) {
    await new Promise((_resolve, reject) => {
      context.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
    });
    return {};
  },
});

const registry = new Registry([echo, broken, nested, ticker, badEvents, slow], services);

const test = suite('registry');

test('a duplicate path fails at start-up', () => {
  assert.throws(() => new Registry([echo, echo], services), /plugins\/test\/echo" is registered twice/);
});

test('a path outside the namespaces fails at start-up', () => {
  const stray = defineStep({ ...echo, path: 'other/echo' } as never);
  assert.throws(() => new Registry([stray], services), /namespace modules\|workflow\|plugins/);
});

test('an unknown path is NOT_FOUND and names the closest paths', async () => {
  const error = await failure(registry.call('plugins/test/ecko', { text: 'a' }));
  assert.is(error.code, 'NOT_FOUND');
  assert.is(error.message, 'no step at "plugins/test/ecko"; did you mean plugins/test/echo?');
  assert.equal(error.details, { suggestions: ['plugins/test/echo'] });
});

test('defaults are applied and the output returned', async () => {
  assert.equal(await registry.call('plugins/test/echo', { text: 'ab' }), { text: 'ab' });
  assert.equal(await registry.call('plugins/test/echo', { text: 'ab', count: 2, loud: true }), { text: 'ABAB' });
});

test('the caller input object is not changed by defaults', async () => {
  const input = { text: 'x' };
  await registry.call('plugins/test/echo', input);
  assert.equal(input, { text: 'x' });
});

test('missing, extra and mistyped fields are BAD_INPUT naming each field', async () => {
  const error = await failure(registry.call('plugins/test/echo', { count: 'two', extra: 1 }));
  assert.is(error.code, 'BAD_INPUT');
  const fields = (error.details as { field: string; keyword: string }[]).map(({ field, keyword }) => [field, keyword]);
  assert.equal(fields, [
    ['/text', 'required'],
    ['/extra', 'additionalProperties'],
    ['/count', 'type'],
  ]);
  assert.match(error.message, /input of plugins\/test\/echo is invalid: \/text must have required property 'text'/);
});

test('query input is coerced by the schema', async () => {
  const output = await registry.call('plugins/test/echo', { text: 'a', count: '3', loud: 'false' }, { coerce: true });
  assert.equal(output, { text: 'aaa' });
});

test('without coercion, text is not a number', async () => {
  const error = await failure(registry.call('plugins/test/echo', { text: 'a', count: '3' }));
  assert.is(error.code, 'BAD_INPUT');
});

test('an output that breaks its schema is OUTPUT_INVALID', async () => {
  const error = await failure(registry.call('plugins/test/broken_output', {}));
  assert.is(error.code, 'OUTPUT_INVALID');
  assert.match(error.message, /output of plugins\/test\/broken_output is invalid: \/n must be number/);
});

test('nested calls go through validation', async () => {
  assert.equal(await registry.call('plugins/test/nested', { text: 'hi' }), { text: 'hihi' });
  const error = await failure(registry.call('plugins/test/nested', { text: 5 }));
  assert.is(error.code, 'BAD_INPUT');
  assert.is(error.path, 'plugins/test/echo');
});

test('a stream yields validated events', async () => {
  const events: unknown[] = [];
  for await (const event of registry.stream('plugins/test/ticker', { limit: 3 })) events.push(event);
  assert.equal(events, [
    { type: 'tick', n: 1 },
    { type: 'tick', n: 2 },
    { type: 'tick', n: 3 },
  ]);
});

test('breaking out of a stream aborts the work beneath', async () => {
  cleanedUp = false;
  seenAbort = false;
  for await (const event of registry.stream<{ n: number }>('plugins/test/ticker', {})) {
    if (event.n === 2) break;
  }
  assert.ok(cleanedUp);
  assert.ok(seenAbort);
});

test('an invalid event is OUTPUT_INVALID after the valid ones', async () => {
  const events: unknown[] = [];
  try {
    for await (const event of registry.stream('plugins/test/bad_events', {})) events.push(event);
    assert.unreachable();
  } catch (error) {
    assert.is((error as CallError).code, 'OUTPUT_INVALID');
  }
  assert.equal(events, [{ type: 'ok' }]);
});

test('stream input errors surface on the first next()', async () => {
  const iterator = registry.stream('plugins/test/ticker', { limit: 'many' })[Symbol.asyncIterator]();
  const error = await failure(iterator.next());
  assert.is(error.code, 'BAD_INPUT');
});

test('aborting the signal aborts a plain call as ABORTED', async () => {
  const controller = new AbortController();
  const pending = registry.call('plugins/test/slow', {}, { signal: controller.signal });
  setTimeout(() => controller.abort(), 5);
  const error = await failure(pending);
  assert.is(error.code, 'ABORTED');
});

test('calling a stream with call() says to use stream()', async () => {
  const error = await failure(registry.call('plugins/test/ticker', {}));
  assert.is(error.code, 'BAD_INPUT');
  assert.match(error.message, /streaming step: use stream\(\)/);
});

test.run();
