import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import OpenAI from 'openai';
import { createApp, startServer, type RunningServer } from '../../../src/http/index.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { apiFailure, appOf, startDoorWorld, type DoorWorld } from './openai-kit.js';

const test = suite('/v1 behind the same guards as /api, answering in OpenAI error shape');
const token = 'door-test-token-0123456789';
let world: DoorWorld;
let guarded: RunningServer;

test.before(async () => {
  world = await startDoorWorld();
  guarded = await startServer({ registry: world.engine.api, logger: silentLogger, port: 0, token });
});
test.after(async () => {
  await guarded.close();
  await world.close();
});

const hello = { model: 'mock', messages: [{ role: 'user', content: 'Hi' }] };

test('with a token set, the SDK with the wrong key gets 401 (AuthenticationError), and with the token an answer', async () => {
  const wrong = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
  const error = await apiFailure(wrong.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'Hi' }] }));
  assert.instance(error, OpenAI.AuthenticationError);
  assert.equal(error.error, {
    message: 'the token is wrong: this server needs BRANCHFLOW_TOKEN as "Authorization: Bearer <token>" or "?access_token=<token>"',
    type: 'authentication_error',
    param: null,
    code: 'invalid_api_key',
  });
  const right = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: token, maxRetries: 0 });
  const completion = await right.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'Hi' }] });
  assert.is(completion.choices[0]!.message.content, 'Mock reply to: Hi');
});

test('with a token set, a request without any key is 401 with WWW-Authenticate, models included', async () => {
  const response = await fetch(`${guarded.url}/v1/models`);
  assert.equal(
    [response.status, response.headers.get('www-authenticate'), await response.json()],
    [
      401,
      'Bearer realm="branchflow"',
      {
        error: {
          message: 'no token was sent: this server needs BRANCHFLOW_TOKEN as "Authorization: Bearer <token>" or "?access_token=<token>"',
          type: 'authentication_error',
          param: null,
          code: 'invalid_api_key',
        },
      },
    ],
  );
});

test('without a token set, any Bearer key is accepted (OpenAI clients always send one)', async () => {
  const response = await appOf(world).request('/v1/models', { headers: { authorization: 'Bearer whatever-the-client-had' } });
  assert.is(response.status, 200);
  assert.equal(((await response.json()) as { object: string }).object, 'list');
});

test('a cross-site page is refused with 403 before anything runs', async () => {
  const before = world.root.readText(world.file);
  const response = await appOf(world).request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'https://evil.example', 'x-branchflow-conversation': 'door' },
    body: JSON.stringify(hello),
  });
  assert.equal(
    [response.status, await response.json()],
    [
      403,
      {
        error: {
          message: 'cross-site request from https://evil.example refused; to allow that page, add its origin to BRANCHFLOW_CORS_ORIGINS',
          type: 'permission_error',
          param: null,
          code: 'forbidden',
        },
      },
    ],
  );
  assert.is(world.root.readText(world.file), before);
});

async function postRaw(body: string, app = appOf(world)): Promise<{ status: number; body: unknown }> {
  const response = await app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, body: await response.json() };
}

test('bad bodies are 400 naming the field: not JSON, no messages, a wrong role, n above 1', async () => {
  // The parser's own words differ between Node versions; what is ours is the start, the status and the shape.
  const notJson = (await postRaw('{"model": "mock",')) as { status: number; body: { error: { message: string } } };
  const { message, ...notJsonRest } = notJson.body.error;
  assert.match(message, /^the request body is not JSON: /);
  assert.equal([notJson.status, notJsonRest], [400, { type: 'invalid_request_error', param: null, code: 'bad_input' }]);
  assert.equal(await postRaw(JSON.stringify({ model: 'mock' })), {
    status: 400,
    body: {
      error: {
        message: "the chat completion request is invalid: /messages must have required property 'messages'",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'bad_input',
      },
    },
  });
  const wrongRole = (await postRaw(JSON.stringify({ model: 'mock', messages: [{ role: 'robot', content: 'x' }] }))) as {
    status: number;
    body: { error: { param: string; code: string } };
  };
  assert.equal([wrongRole.status, wrongRole.body.error.param, wrongRole.body.error.code], [400, 'messages[0].role', 'bad_input']);
  assert.equal(await postRaw(JSON.stringify({ ...hello, n: 2 })), {
    status: 400,
    body: {
      error: {
        message: 'n is 2, but branchflow answers with one choice; leave n out or send 1',
        type: 'invalid_request_error',
        param: 'n',
        code: 'unsupported_value',
      },
    },
  });
});

test('a body over the cap is 413', async () => {
  const small = createApp({ registry: world.engine.api, logger: silentLogger, bodyLimitBytes: 64 });
  const result = await postRaw(JSON.stringify({ ...hello, messages: [{ role: 'user', content: 'x'.repeat(100) }] }), small);
  assert.equal(result, {
    status: 413,
    body: {
      error: {
        message: 'the request body is larger than the 64-byte limit (BRANCHFLOW_BODY_LIMIT)',
        type: 'invalid_request_error',
        param: null,
        code: 'payload_too_large',
      },
    },
  });
});

test('an unknown /v1 route is a 404 in OpenAI shape, naming the routes there are', async () => {
  const response = await appOf(world).request('/v1/completions', { method: 'POST', body: '{}' });
  assert.equal(
    [response.status, await response.json()],
    [
      404,
      {
        error: {
          message:
            'no route for POST /v1/completions; the OpenAI-compatible routes are GET /v1/models and POST /v1/chat/completions (also under /v1/conversations/<name>/)',
          type: 'invalid_request_error',
          param: null,
          code: 'not_found',
        },
      },
    ],
  );
});

test('a browser on an allowed origin can read the tree headers (CORS exposes them)', async () => {
  const app = createApp({ registry: world.engine.api, logger: silentLogger, corsOrigins: ['http://localhost:5173'] });
  const response = await app.request('/v1/models', { headers: { origin: 'http://localhost:5173' } });
  assert.equal(
    [response.status, response.headers.get('access-control-allow-origin'), response.headers.get('access-control-expose-headers')],
    [
      200,
      'http://localhost:5173',
      'X-Request-Id,X-Branchflow-Conversation,X-Branchflow-Node-Id,X-Branchflow-Parent-Id,X-Branchflow-Generation-Id',
    ],
  );
});

test('/openapi.json describes the /v1 routes, with the bearer scheme when a token is set', async () => {
  const app = createApp({ registry: world.engine.api, logger: silentLogger, token });
  const spec = (await (await app.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, { operationId: string; security?: unknown }>>;
  };
  const door = Object.entries(spec.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .map(([path, operations]) => [
      path,
      Object.entries(operations).map(([method, operation]) => [method, operation.operationId, operation.security]),
    ]);
  assert.equal(door, [
    ['/v1/models', [['get', 'openai_list_models', [{ bearer: [] }]]]],
    ['/v1/models/{model}', [['get', 'openai_retrieve_model', [{ bearer: [] }]]]],
    ['/v1/chat/completions', [['post', 'openai_chat_completions', [{ bearer: [] }]]]],
    ['/v1/conversations/{conversation}/models', [['get', 'openai_list_models_in_conversation', [{ bearer: [] }]]]],
    ['/v1/conversations/{conversation}/models/{model}', [['get', 'openai_retrieve_model_in_conversation', [{ bearer: [] }]]]],
    ['/v1/conversations/{conversation}/chat/completions', [['post', 'openai_chat_completions_in_conversation', [{ bearer: [] }]]]],
  ]);
});

test.run();
