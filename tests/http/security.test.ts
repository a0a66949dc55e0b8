import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer } from '../../src/http/server.js';
import { frameData, readSse } from '../helpers/sse-client.js';
import { recordingLogger, testApp, testRegistry } from './test-steps.js';

const token = 'correct-horse-battery-staple';
const echoBody = { method: 'POST', body: '{"text":"hi"}', headers: { 'content-type': 'application/json' } };

const auth = suite('token');

auth('without a token configured, /api is open', async () => {
  const { app } = testApp();
  assert.is((await app.request('/api/plugins/test/echo', echoBody)).status, 200);
});

auth('a missing token is 401 UNAUTHORIZED with a Bearer challenge', async () => {
  const { app } = testApp({ token });
  const response = await app.request('/api/plugins/test/echo', echoBody);
  assert.is(response.status, 401);
  assert.is(response.headers.get('www-authenticate'), 'Bearer realm="branchflow"');
  assert.equal(await response.json(), {
    success: false,
    error: {
      code: 'UNAUTHORIZED',
      message: 'no token was sent: this server needs BRANCHFLOW_TOKEN as "Authorization: Bearer <token>" or "?access_token=<token>"',
    },
  });
});

auth('a wrong token is 401', async () => {
  const { app } = testApp({ token });
  const response = await app.request('/api/plugins/test/echo', {
    ...echoBody,
    headers: { ...echoBody.headers, authorization: 'Bearer nope' },
  });
  assert.is(response.status, 401);
  assert.match(((await response.json()) as { error: { message: string } }).error.message, /^the token is wrong: /);
});

auth('the Authorization header passes', async () => {
  const { app } = testApp({ token });
  const response = await app.request('/api/plugins/test/echo', {
    ...echoBody,
    headers: { ...echoBody.headers, authorization: `Bearer ${token}` },
  });
  assert.is(response.status, 200);
});

auth('the access_token query parameter passes, and is not input', async () => {
  const { app } = testApp({ token });
  const response = await app.request(`/api/plugins/test/echo?text=hi&access_token=${token}`);
  assert.equal(await response.json(), { success: true, input: { text: 'hi', count: 1, stream: true } });
});

auth('/health, /ready, /openapi.json and /docs stay open', async () => {
  const { app } = testApp({ token });
  for (const path of ['/health', '/ready', '/openapi.json', '/docs']) assert.is((await app.request(path)).status, 200, path);
});

auth('/api/calls needs the token', async () => {
  const { app } = testApp({ token });
  assert.is((await app.request('/api/calls')).status, 401);
});

auth('the token never reaches the log, the query string is not logged', async () => {
  const { app, records } = testApp({ token });
  await app.request(`/api/plugins/test/echo?text=hi&access_token=${token}`);
  await app.request('/api/plugins/test/echo', { ...echoBody, headers: { ...echoBody.headers, authorization: `Bearer ${token}x` } });
  const text = JSON.stringify(records);
  assert.not.ok(text.includes(token));
  assert.equal(
    records.filter((record) => record['message'] === 'request').map((record) => [record['path'], record['status']]),
    [
      ['/api/plugins/test/echo', 200],
      ['/api/plugins/test/echo', 401],
    ],
  );
});

auth('an EventSource-style client streams with ?access_token= from a real server', async () => {
  const { logger } = recordingLogger();
  const server = await startServer({ registry: testRegistry(), logger, port: 0, token });
  try {
    const refused = await readSse(`${server.url}/api/plugins/test/ticks?count=1`);
    assert.is(refused.status, 401);
    const reply = await readSse(`${server.url}/api/plugins/test/ticks?count=1&access_token=${token}`);
    assert.equal(frameData(reply), [{ type: 'tick', n: 1 }]);
  } finally {
    await server.close();
  }
});

auth.run();

const crossSite = suite('cross-site requests');

const allowed = 'http://localhost:5173';

crossSite('a page on another origin is refused with 403 before the step runs', async () => {
  const { app, records } = testApp({ corsOrigins: [allowed] });
  const response = await app.request('/api/plugins/test/fail', {
    method: 'POST',
    body: '{"code":"INTERNAL"}',
    headers: { origin: 'https://evil.example' },
  });
  assert.is(response.status, 403);
  assert.equal(await response.json(), {
    success: false,
    error: {
      code: 'FORBIDDEN',
      message: 'cross-site request from https://evil.example refused; to allow that page, add its origin to BRANCHFLOW_CORS_ORIGINS',
    },
  });
  // Had the step run, it would have logged its INTERNAL failure.
  assert.not.ok(records.some((record) => record['level'] === 'error'));
});

crossSite('Sec-Fetch-Site: cross-site without an Origin is refused', async () => {
  const { app } = testApp();
  const response = await app.request('/api/plugins/test/echo?text=hi', { headers: { 'sec-fetch-site': 'cross-site' } });
  assert.is(response.status, 403);
});

crossSite('a same-site page on another port is refused too', async () => {
  const { app } = testApp();
  const response = await app.request('/api/plugins/test/echo?text=hi', { headers: { 'sec-fetch-site': 'same-site' } });
  assert.is(response.status, 403);
});

crossSite('Origin: null (a sandboxed frame or file:// page) is refused', async () => {
  const { app } = testApp();
  assert.is((await app.request('/api/plugins/test/echo?text=hi', { headers: { origin: 'null' } })).status, 403);
});

crossSite('a same-origin request (Origin equals the host) passes', async () => {
  const { app } = testApp();
  const response = await app.request('http://localhost:8050/api/plugins/test/echo?text=hi', {
    headers: { origin: 'http://localhost:8050', 'sec-fetch-site': 'same-origin' },
  });
  assert.is(response.status, 200);
});

crossSite('a request from a tool (no Origin, no Sec-Fetch-Site) passes', async () => {
  const { app } = testApp();
  assert.is((await app.request('/api/plugins/test/echo?text=hi')).status, 200);
});

crossSite('an allowed origin passes and gets CORS headers', async () => {
  const { app } = testApp({ corsOrigins: [allowed] });
  const response = await app.request('/api/plugins/test/echo?text=hi', { headers: { origin: allowed, 'sec-fetch-site': 'same-site' } });
  assert.is(response.status, 200);
  assert.is(response.headers.get('access-control-allow-origin'), allowed);
  // The X-Branchflow-* ones are the OpenAI-compatible door's, which tie an answer to its conversation node.
  assert.is(
    response.headers.get('access-control-expose-headers'),
    'X-Request-Id,X-Branchflow-Conversation,X-Branchflow-Node-Id,X-Branchflow-Parent-Id,X-Branchflow-Generation-Id',
  );
  assert.is(response.headers.get('vary'), 'Origin');
});

crossSite('an allowed origin gets CORS headers on errors too, so its page can read them', async () => {
  const { app } = testApp({ corsOrigins: [allowed], token });
  const response = await app.request('/api/plugins/test/echo?text=hi', { headers: { origin: allowed } });
  assert.is(response.status, 401);
  assert.is(response.headers.get('access-control-allow-origin'), allowed);
});

crossSite('a preflight from an allowed origin is answered without the token', async () => {
  const { app } = testApp({ corsOrigins: [allowed], token });
  const response = await app.request('/api/plugins/test/echo', {
    method: 'OPTIONS',
    headers: { origin: allowed, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  assert.is(response.status, 204);
  assert.equal(
    {
      origin: response.headers.get('access-control-allow-origin'),
      methods: response.headers.get('access-control-allow-methods'),
      headers: response.headers.get('access-control-allow-headers'),
      maxAge: response.headers.get('access-control-max-age'),
    },
    { origin: allowed, methods: 'GET,POST,OPTIONS', headers: 'authorization,content-type', maxAge: '600' },
  );
});

crossSite('a preflight from another origin is refused', async () => {
  const { app } = testApp({ corsOrigins: [allowed] });
  const response = await app.request('/api/plugins/test/echo', {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  });
  assert.is(response.status, 403);
  assert.is(response.headers.get('access-control-allow-origin'), null);
});

crossSite('without a token, a Host that is not loopback is refused (DNS rebinding)', async () => {
  const { app } = testApp();
  const response = await app.request('http://rebind.evil.example:8050/api/plugins/test/echo?text=hi', {
    headers: { origin: 'http://rebind.evil.example:8050' },
  });
  assert.is(response.status, 403);
  assert.match(((await response.json()) as { error: { message: string } }).error.message, /set BRANCHFLOW_TOKEN to serve other host names/);
});

crossSite('with a token, other host names are served', async () => {
  const { app } = testApp({ token });
  const response = await app.request(`http://branchflow.lan:8050/api/plugins/test/echo?text=hi&access_token=${token}`);
  assert.is(response.status, 200);
});

crossSite.run();
