/**
 * @module A stream whose first event is slow to come (a watch before the first change, a resume while the
 * provider thinks) opens anyway after a moment: it used to send no headers at all until that event, so clients
 * and proxies took it for a dead server. Errors before the first event still answer as JSON when they are quick.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CallError } from '../../src/lib/call-error.js';
import { defineStep } from '../../src/registry/define-step.js';
import { createApp } from '../../src/http/create-app.js';
import { recordingLogger, testRegistry } from './test-steps.js';

const test = suite('a stream with a slow first event');

/** Released by the test: the step's first event (or failure) waits for it. */
let release: () => void = () => undefined;

const slow = defineStep<{ gated: boolean; fail: boolean }, { type: 'late' }>({
  path: 'plugins/test/slow_first',
  summary: 'Waits until the test releases it (when gated), then yields one event or fails.',
  input: {
    type: 'object',
    properties: { gated: { type: 'boolean', default: false }, fail: { type: 'boolean', default: false } },
    additionalProperties: false,
  },
  events: { type: 'object', properties: { type: { const: 'late' } }, required: ['type'] },
  async *stream(input) {
    if (input.gated) await new Promise<void>((resolve) => (release = resolve));
    if (input.fail) throw new CallError('NOT_FOUND', 'gone while you waited');
    yield { type: 'late' as const };
  },
});

function app() {
  return createApp({ registry: testRegistry([slow]), logger: recordingLogger().logger, openStreamAfterMs: 50 });
}

/** The response, or a failure when it does not come while the step still holds its first event back. */
async function responseBeforeFirstEvent(url: string): Promise<Response> {
  let timer: NodeJS.Timeout | undefined;
  const response = await Promise.race([
    app().request(url),
    new Promise<never>(
      (_resolve, reject) => (timer = setTimeout(() => reject(new Error('no response while the first event was held back')), 10_000)),
    ),
  ]);
  clearTimeout(timer);
  return response;
}

test('the headers go out before a slow first event, and the event follows in the stream', async () => {
  const response = await responseBeforeFirstEvent('/api/plugins/test/slow_first?gated=true');
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'text/event-stream');
  release();
  assert.match(await response.text(), /data: \{"type":"late"\}/);
});

test('a failure after the stream opened is an error event and an end', async () => {
  const response = await responseBeforeFirstEvent('/api/plugins/test/slow_first?gated=true&fail=true');
  assert.is(response.status, 200);
  release();
  const text = await response.text();
  assert.match(text, 'data: {"type":"error","code":"NOT_FOUND","message":"gone while you waited"}');
  assert.match(text, 'data: {"type":"end"}');
});

test('a quick failure before the first event is still plain JSON with its status', async () => {
  const response = await app().request('/api/plugins/test/slow_first?fail=true');
  assert.is(response.status, 404);
  assert.equal(await response.json(), { success: false, error: { code: 'NOT_FOUND', message: 'gone while you waited' } });
});

test.run();
