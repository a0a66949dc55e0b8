/**
 * @module HEAD on a step: Hono would run the GET route for it, so a HEAD on complete_stream would start a
 * generation. It answers 405 and runs nothing; HEAD on the listing and the health checks still works.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../../src/http/create-app.js';
import { defineStep } from '../../src/registry/define-step.js';
import { recordingLogger, testRegistry } from './test-steps.js';

const test = suite('HEAD requests');

test('HEAD on a step answers 405 with Allow: GET, POST and does not run the step', async () => {
  let runs = 0;
  const counted = defineStep<object, { runs: number }>({
    path: 'plugins/test/counted',
    summary: 'Counts its runs.',
    input: { type: 'object', additionalProperties: false },
    output: { type: 'object', properties: { runs: { type: 'integer' } }, required: ['runs'], additionalProperties: false },
    run: async () => ({ runs: ++runs }),
  });
  const app = createApp({ registry: testRegistry([counted]), logger: recordingLogger().logger });
  const head = await app.request('/api/plugins/test/counted', { method: 'HEAD' });
  assert.equal(
    { status: head.status, allow: head.headers.get('allow'), body: await head.text() },
    { status: 405, allow: 'GET, POST', body: '' },
  );
  assert.is(runs, 0);
  const get = await app.request('/api/plugins/test/counted');
  assert.equal(await get.json(), { runs: 1 });
});

test('PUT, DELETE and PATCH on a step answer 405 with Allow: GET, POST and an error body naming the methods', async () => {
  let runs = 0;
  const counted = defineStep<object, { runs: number }>({
    path: 'plugins/test/counted',
    summary: 'Counts its runs.',
    input: { type: 'object', additionalProperties: false },
    output: { type: 'object', properties: { runs: { type: 'integer' } }, required: ['runs'], additionalProperties: false },
    run: async () => ({ runs: ++runs }),
  });
  const app = createApp({ registry: testRegistry([counted]), logger: recordingLogger().logger });
  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    const response = await app.request('/api/plugins/test/counted', { method, body: method === 'DELETE' ? null : '{}' });
    assert.equal(
      { status: response.status, allow: response.headers.get('allow'), body: await response.json() },
      {
        status: 405,
        allow: 'GET, POST',
        body: {
          success: false,
          error: {
            code: 'METHOD_NOT_ALLOWED',
            message: `/api/plugins/test/counted does not answer ${method}: call a step with GET or POST`,
          },
        },
      },
    );
  }
  const listing = await app.request('/api/calls', { method: 'DELETE' });
  assert.equal([listing.status, listing.headers.get('allow')], [405, 'GET']);
  assert.is(runs, 0);
});

test('HEAD on /api/calls and /health answers as GET would, without a body', async () => {
  const app = createApp({ registry: testRegistry(), logger: recordingLogger().logger });
  for (const path of ['/api/calls', '/health']) {
    const head = await app.request(path, { method: 'HEAD' });
    assert.equal({ path, status: head.status, body: await head.text() }, { path, status: 200, body: '' });
  }
});

test.run();
