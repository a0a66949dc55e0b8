/**
 * @module Input nested thousands of levels deep (a JSON body built to overflow the stack): refused as BAD_INPUT
 * before anything recursive sees it, in-process and over HTTP, where it used to be a 500 (RangeError).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inputDepthLimit } from '../../src/lib/json-depth.js';
import { CallError } from '../../src/lib/call-error.js';
import { testApp, testRegistry } from '../http/test-steps.js';

const test = suite('deeply nested input');

const nested = (depth: number): string => '{"depth":'.repeat(depth) + '1' + '}'.repeat(depth);

test('an input nested 100,000 levels deep is BAD_INPUT naming the limit and where it was passed', async () => {
  try {
    await testRegistry().call('plugins/test/echo', { text: 'x', options: JSON.parse(nested(100_000)) as unknown });
    assert.unreachable('a deep input should be refused');
  } catch (error) {
    assert.instance(error, CallError);
    assert.is((error as CallError).code, 'BAD_INPUT');
    assert.is(
      (error as CallError).message,
      `input of plugins/test/echo nests deeper than ${inputDepthLimit} levels at /options/depth/depth/depth/depth/depth/depth/depth/depth/depth/depth/depth/… (${inputDepthLimit - 12} levels more); no field needs that`,
    );
  }
});

test('over HTTP the same body is a 400, not a 500', async () => {
  const { app } = testApp();
  const response = await app.request('/api/plugins/test/echo', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: `{"text": "x", "options": ${nested(100_000)}}`,
  });
  assert.is(response.status, 400);
  assert.is(((await response.json()) as { error: { code: string } }).error.code, 'BAD_INPUT');
});

test('nesting up to the limit is accepted as before', async () => {
  const output = await testRegistry().call<{ success: boolean }>('plugins/test/echo', { text: 'x', tags: ['a'], conversation_file: 'c' });
  assert.is(output.success, true);
  try {
    await testRegistry().call('plugins/test/echo', { text: 'x', options: JSON.parse(nested(inputDepthLimit - 1)) as unknown });
  } catch (error) {
    // The schema refuses the shape (depth is an integer), not the depth.
    assert.is((error as CallError).code, 'BAD_INPUT');
    assert.not.match((error as CallError).message, 'nests deeper');
  }
});

test.run();
