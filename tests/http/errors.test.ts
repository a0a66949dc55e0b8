import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { httpStatusByCode } from '../../src/http/http-status.js';
import { callErrorCodes } from '../../src/lib/call-error.js';
import { testApp } from './test-steps.js';

const post = (body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

const table = suite('error table');

table('every code maps to its status', () => {
  assert.equal(httpStatusByCode, {
    BAD_INPUT: 400,
    UNAUTHORIZED: 401,
    FORBIDDEN: 403,
    NOT_FOUND: 404,
    CONFLICT: 409,
    PAYLOAD_TOO_LARGE: 413,
    INVALID_FILE: 422,
    UNSUPPORTED_CONTENT: 422,
    UNKNOWN_TOOL: 422,
    RATE_LIMITED: 429,
    ABORTED: 499,
    INTERNAL: 500,
    OUTPUT_INVALID: 500,
    UPSTREAM_FAILED: 502,
    UPSTREAM_TIMEOUT: 504,
    HOOK_FAILED: 500,
    UNAVAILABLE: 503,
  });
});

for (const code of callErrorCodes.filter((candidate) => candidate !== 'INTERNAL' && candidate !== 'OUTPUT_INVALID')) {
  table(`a step failing with ${code} answers ${httpStatusByCode[code]} and the error body`, async () => {
    const { app } = testApp();
    const response = await app.request('/api/plugins/test/fail', post(JSON.stringify({ code })));
    assert.is(response.status, httpStatusByCode[code]);
    assert.is(response.headers.get('content-type'), 'application/json');
    assert.equal(await response.json(), { success: false, error: { code, message: `failed with ${code}`, details: { code } } });
  });
}

table('OUTPUT_INVALID raised by a step is masked like INTERNAL', async () => {
  const { app } = testApp();
  const response = await app.request('/api/plugins/test/fail', post('{"code":"OUTPUT_INVALID"}'));
  const requestId = response.headers.get('x-request-id');
  assert.is(response.status, 500);
  assert.equal(await response.json(), {
    success: false,
    error: { code: 'OUTPUT_INVALID', message: `a step produced a result its own schema forbids; see the server log, request ${requestId}` },
  });
});

table.run();

const masking = suite('masking our own faults');

masking('a throwing step is a 500 INTERNAL whose message hides the cause and names the request', async () => {
  const { app, records } = testApp();
  const response = await app.request('/api/plugins/test/fail', post('{"code":"INTERNAL"}'));
  const requestId = response.headers.get('x-request-id');
  assert.is(response.status, 500);
  assert.equal(await response.json(), {
    success: false,
    error: { code: 'INTERNAL', message: `internal error; see the server log, request ${requestId}` },
  });
  const logged = records.find((record) => record['message'] === 'request failed');
  assert.is(logged?.['level'], 'error');
  assert.is(logged?.['request_id'], requestId);
  const error = logged?.['error'] as { message: string; cause: { message: string } };
  assert.is(error.message, 'internal error in plugins/test/fail: database password is hunter2');
  assert.is(error.cause.message, 'database password is hunter2');
});

masking('the server keeps serving after a step threw', async () => {
  const { app } = testApp();
  await app.request('/api/plugins/test/fail', post('{"code":"INTERNAL"}'));
  const response = await app.request('/api/plugins/test/echo', post('{"text":"still here"}'));
  assert.is(response.status, 200);
  assert.equal(await response.json(), { success: true, input: { text: 'still here', count: 1, stream: true } });
});

masking('an output that breaks its schema is a masked 500 OUTPUT_INVALID, logged', async () => {
  const { app, records } = testApp();
  const response = await app.request('/api/plugins/test/bad_output', post('{}'));
  const requestId = response.headers.get('x-request-id');
  assert.is(response.status, 500);
  assert.equal(await response.json(), {
    success: false,
    error: { code: 'OUTPUT_INVALID', message: `a step produced a result its own schema forbids; see the server log, request ${requestId}` },
  });
  const logged = records.find((record) => record['message'] === 'request failed');
  assert.match((logged?.['error'] as { message: string }).message, /output of plugins\/test\/bad_output is invalid: \/n must be number/);
});

masking.run();

const input = suite('bad input');

input('a body that is not JSON is 400 saying so', async () => {
  const { app } = testApp();
  const response = await app.request('/api/plugins/test/echo', post('{"text": '));
  assert.is(response.status, 400);
  const body = (await response.json()) as { error: { code: string; message: string } };
  assert.is(body.error.code, 'BAD_INPUT');
  assert.match(body.error.message, /^the request body is not JSON: /);
});

for (const [body, kind] of [
  ['[1,2]', 'an array'],
  ['"text"', 'a string'],
  ['null', 'null'],
  ['42', 'a number'],
] as const) {
  input(`a body that is ${kind} is 400`, async () => {
    const { app } = testApp();
    const response = await app.request('/api/plugins/test/echo', post(body));
    assert.is(response.status, 400);
    assert.equal(await response.json(), {
      success: false,
      error: { code: 'BAD_INPUT', message: `the request body must be a JSON object of input fields; got ${kind}` },
    });
  });
}

input('a body over the cap is 413, judged by Content-Length before it is read', async () => {
  const { app } = testApp({ bodyLimitBytes: 64 });
  const body = JSON.stringify({ text: 'x'.repeat(100) });
  const response = await app.request('/api/plugins/test/echo', post(body, { 'content-length': String(body.length) }));
  assert.is(response.status, 413);
  assert.equal(await response.json(), {
    success: false,
    error: { code: 'PAYLOAD_TOO_LARGE', message: 'the request body is larger than the 64-byte limit (BRANCHFLOW_BODY_LIMIT)' },
  });
});

input('a streamed body over the cap is 413, counted as it arrives', async () => {
  const { app } = testApp({ bodyLimitBytes: 64 });
  const chunks = [new TextEncoder().encode('{"text":"' + 'x'.repeat(40)), new TextEncoder().encode('x'.repeat(40) + '"}')];
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks.shift();
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
  const response = await app.request('/api/plugins/test/echo', { method: 'POST', body, duplex: 'half' } as RequestInit);
  assert.is(response.status, 413);
  assert.is(((await response.json()) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
});

input('a body under the cap passes', async () => {
  const { app } = testApp({ bodyLimitBytes: 64 });
  const response = await app.request('/api/plugins/test/echo', post('{"text":"short"}'));
  assert.is(response.status, 200);
});

input('an unknown path is 404 naming the closest steps', async () => {
  const { app } = testApp();
  const response = await app.request('/api/plugins/test/ecko', post('{}'));
  assert.is(response.status, 404);
  assert.equal(await response.json(), {
    success: false,
    error: {
      code: 'NOT_FOUND',
      message: 'no step at "plugins/test/ecko"; did you mean plugins/test/echo?',
      details: { suggestions: ['plugins/test/echo'] },
    },
  });
});

input('a route outside /api is a 404 in the same shape', async () => {
  const { app } = testApp();
  const response = await app.request('/nowhere');
  assert.is(response.status, 404);
  assert.equal(await response.json(), {
    success: false,
    error: { code: 'NOT_FOUND', message: 'no route for GET /nowhere; see /api/calls or /docs' },
  });
});

input('missing, extra and mistyped fields are 400 with details naming each field', async () => {
  const { app } = testApp();
  const response = await app.request('/api/plugins/test/echo', post('{"count":"two","extra":1}'));
  assert.is(response.status, 400);
  const body = (await response.json()) as { error: { code: string; details: { field: string; keyword: string }[] } };
  assert.is(body.error.code, 'BAD_INPUT');
  assert.equal(
    body.error.details.map(({ field, keyword }) => [field, keyword]),
    [
      ['/text', 'required'],
      ['/extra', 'additionalProperties'],
      ['/count', 'type'],
    ],
  );
});

input('an empty POST body is the empty input', async () => {
  const { app } = testApp();
  const response = await app.request('/api/plugins/test/ticks', { method: 'POST' });
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'text/event-stream');
  await response.body?.cancel();
});

input.run();
