/**
 * @module Fault family 6, security, against the real server (a child process, debug logging on): path traversal
 * through every parameter that names a file (found in `GET /api/calls`) and through settings.json; cross-site
 * fetch and EventSource requests refused; the token required when set; and no API key (from the environment, a
 * literal in a config, an inline config, quoted back by a provider's 401) in any log line or response body. A
 * second server without a token checks that a request for another host name (DNS rebinding) is refused.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { recordFigures } from './fault-figures.js';
import { chatSeed, createFaultRoot, fakeProviderConfig, snapshot, snapshotChanges, type FaultRoot } from './fault-root.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const test = suite('fault family 6: security');

const token = 'fault-suite-token-5f2c9a';
const environmentKey = 'sk-fault-suite-ENVKEY-7d1e4b9c0a';
const literalKey = 'sk-fault-suite-LITERAL-3c8a2f61d0';
const inlineKey = 'sk-fault-suite-INLINE-9b0e7c5a14';
const secretMarker = 'OUTSIDE-SECRET-6e1f';
const allowedOrigin = 'http://allowed.example';

let root: FaultRoot;
let server: ServerProcess;
let fake: FakeServer;
let outsideFake: FakeServer;
const bodies: string[] = [];
let attacks = 0;
let refused = 0;

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

async function request(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; auth?: boolean } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(init.auth === false ? {} : { authorization: `Bearer ${token}` }), ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    const response = await fetch(`${server.url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: controller.signal,
    });
    const text = await response.text().catch(() => '');
    bodies.push(text);
    return { status: response.status, text, headers: response.headers };
  } catch (error) {
    throw new Error(
      `${init.method ?? (init.body === undefined ? 'GET' : 'POST')} ${path} ${JSON.stringify(init.body ?? '').slice(0, 200)}: ${(error as Error).message}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** An attack: counted, and survived when refused with one of `statuses` and nothing secret in the answer. */
function expectRefused(answer: Answer, statuses: number[], what: string): void {
  attacks++;
  const leaked = answer.text.includes(secretMarker);
  if (statuses.includes(answer.status) && !leaked) refused++;
  assert.ok(
    statuses.includes(answer.status),
    `${what}: answered ${answer.status}, expected one of ${statuses.join(', ')}: ${answer.text.slice(0, 300)}`,
  );
  assert.not.ok(leaked, `${what}: the answer holds the outside file's content`);
}

test.before(async () => {
  [fake, outsideFake] = await Promise.all([startFakeOpenAi(), startFakeOpenAi()]);
  root = createFaultRoot('security');
  const outside = join(root.parent, 'outside');
  mkdirSync(outside);
  // Outside the sandbox: a valid conversation and a valid config, both carrying a marker that must never come back.
  writeFileSync(join(outside, 'conversation.json'), JSON.stringify({ ...chatSeed('outside'), name: secretMarker }));
  writeFileSync(join(outside, 'config.json'), JSON.stringify(fakeProviderConfig(outsideFake.baseUrl, { name: secretMarker })));
  writeFileSync(join(root.root, 'secret.json'), JSON.stringify({ ...chatSeed('root secret'), name: secretMarker }));
  root.write('data/llm_configs/fake.json', fakeProviderConfig(fake.baseUrl, { max_retries: 0 }));
  root.write('data/llm_configs/literal.json', { ...fakeProviderConfig(fake.baseUrl, { max_retries: 0 }), api_key: literalKey });
  root.write('data/llm_configs/logging.json', { ...fakeProviderConfig(fake.baseUrl, { max_retries: 0 }), enable_logging: true });
  root.writeConversation('good', chatSeed('good'), { llm_config: 'data/llm_configs/fake.json' });
  root.writeConversation('sneaky', chatSeed('sneaky'), { llm_config: '../../outside/config.json' });
  root.writeConversation('sneaky-absolute', chatSeed('sneaky'), { llm_config: join(outside, 'config.json') });
  symlinkSync(outside, root.path('data/conversations/link-folder'));
  mkdirSync(root.path('data/conversations/link-file'));
  symlinkSync(join(outside, 'conversation.json'), root.path('data/conversations/link-file/conversation.json'));
  symlinkSync(join(outside, 'config.json'), root.path('data/llm_configs/link-file.json'));
  symlinkSync(outside, root.path('data/llm_configs/link-folder'));
  root.writeConversation('linked-settings', chatSeed('linked-settings'), { llm_config: 'data/llm_configs/link-file.json' });
  server = await startServerProcess({
    root: root.root,
    env: { FAULT_SUITE_KEY: environmentKey, BRANCHFLOW_TOKEN: token, BRANCHFLOW_CORS_ORIGINS: allowedOrigin, LOG_LEVEL: 'debug' },
  });
});

test.after(async () => {
  await server.stop();
  await Promise.all([fake.close(), outsideFake.close()]);
  root.cleanup();
  recordFigures({
    family: 6,
    name: 'security',
    faults: attacks,
    survived: refused,
    badInputs: 0,
    repliesLost: 0,
    filesCorrupted: 0,
    line: `security: ${refused}/${attacks} attacks refused (path traversal by every file parameter and settings.json, cross-site fetch and EventSource, DNS rebinding, missing or wrong token); no key in ${bodies.length} responses or the server log`,
  });
});

test('path traversal through every parameter that names a file is refused, and nothing outside is read or written', async () => {
  const before = snapshot(root.parent, (path) => path.startsWith(join('root', 'data')));
  const listing = JSON.parse((await request('/api/calls')).text) as {
    calls: { path: string; input: { properties?: Record<string, unknown>; required?: string[] } }[];
  };
  const outside = join(root.parent, 'outside');
  const traversals = [
    '../secret.json',
    '../../secret.json',
    'data/conversations/../../secret.json',
    'data/conversations/good/../../../secret.json',
    'data/llm_configs/../../secret.json',
    join(root.root, 'secret.json'),
    join(outside, 'conversation.json'),
    join(outside, 'config.json'),
    '../outside/conversation.json',
    'data/conversations/../../../outside/conversation.json',
    'data/conversations/link-folder/conversation.json',
    'data/conversations/link-file/conversation.json',
    'data/llm_configs/link-file.json',
    'data/llm_configs/link-folder/config.json',
    'data/llm_configs/link-folder',
    'data\\..\\..\\secret.json',
    '/etc/passwd',
  ];
  let parameters = 0;
  for (const step of listing.calls) {
    const names = Object.keys(step.input.properties ?? {}).filter((name) => /file|^llm_config$|^config_file$/.test(name));
    for (const name of names) {
      parameters++;
      const base: Record<string, unknown> = {};
      for (const required of step.input.required ?? []) {
        base[required] =
          {
            messages: [{ role: 'user', content: 'hi' }],
            role: 'user',
            content: 'x',
            pid: 'u',
            name: 'Traversal',
            node_id: 'u',
            generation_id: 'gen_x',
          }[required] ?? 'data/conversations/good/conversation.json';
      }
      for (const traversal of traversals) {
        const answer = await request(`/api/${step.path}`, { body: { ...base, [name]: traversal } });
        // A generation over a valid file parameter may start; a traversal must never reach a 2xx.
        expectRefused(answer, [400, 403, 404], `${step.path} ${name}=${traversal}`);
        const query = await request(
          `/api/${step.path}?${new URLSearchParams({ ...(base as Record<string, string>), [name]: traversal }).toString().replace(/messages=[^&]*&?/, '')}`,
        );
        expectRefused(query, [400, 403, 404], `GET ${step.path} ${name}=${traversal}`);
      }
    }
  }
  assert.ok(parameters >= 8, `only ${parameters} file parameters found in /api/calls`);
  // Percent-encoded dots, decoded once by the query parser: still a traversal.
  expectRefused(
    await request('/api/modules/chat_branches/get?file=data/conversations/%2e%2e/%2e%2e/secret.json'),
    [403],
    'percent-encoded ../ in a query',
  );
  expectRefused(
    await request('/api/modules/chat_branches/get?file=data%2fconversations%2f..%2f..%2fsecret.json'),
    [403],
    'percent-encoded slashes in a query',
  );
  for (const file of ['sneaky', 'sneaky-absolute', 'linked-settings']) {
    const answer = await request('/api/workflow/chat_completion/complete', {
      body: { conversation_file: `data/conversations/${file}/conversation.json` },
    });
    expectRefused(answer, [403], `settings.json of ${file} naming a config outside data/llm_configs/`);
  }
  assert.is(outsideFake.requests.length, 0, 'a config outside the sandbox was used');
  assert.equal(
    snapshotChanges(
      before,
      snapshot(root.parent, (path) => path.startsWith(join('root', 'data'))),
    ),
    [],
  );
});

test('cross-site fetch and EventSource requests are refused; the allowed origin passes', async () => {
  const stream = '/api/workflow/chat_completion/complete_stream?conversation_file=data/conversations/good/conversation.json';
  const append = { file: 'data/conversations/good/conversation.json', pid: 'u', role: 'user', content: 'from a web page' };
  const attempts: [string, Promise<Answer>, number[]][] = [
    [
      'fetch POST from another origin',
      request('/api/modules/chat_branches/append_message', { body: append, headers: { origin: 'http://evil.example' } }),
      [403],
    ],
    [
      'EventSource from another origin',
      request(stream, { headers: { origin: 'http://evil.example', accept: 'text/event-stream' } }),
      [403],
    ],
    [
      'EventSource from another origin, token in the query',
      request(`${stream}&access_token=${token}`, { auth: false, headers: { origin: 'http://evil.example', accept: 'text/event-stream' } }),
      [403],
    ],
    [
      'a cross-site request without Origin',
      request('/api/modules/chat_branches/append_message', { body: append, headers: { 'sec-fetch-site': 'cross-site' } }),
      [403],
    ],
    [
      'a same-site request from another port',
      request('/api/modules/chat_branches/append_message', { body: append, headers: { 'sec-fetch-site': 'same-site' } }),
      [403],
    ],
    [
      'Origin: null (a sandboxed frame)',
      request('/api/modules/chat_branches/append_message', { body: append, headers: { origin: 'null' } }),
      [403],
    ],
    [
      'a look-alike origin',
      request('/api/modules/chat_branches/append_message', { body: append, headers: { origin: 'http://allowed.example.evil.example' } }),
      [403],
    ],
  ];
  for (const [what, answer, statuses] of attempts) expectRefused(await answer, statuses, what);
  const allowed = await request('/api/modules/chat_branches/get?file=data/conversations/good/conversation.json', {
    headers: { origin: allowedOrigin },
  });
  assert.is(allowed.status, 200);
  assert.is(allowed.headers.get('access-control-allow-origin'), allowedOrigin);
  const preflight = await fetch(`${server.url}/api/modules/chat_branches/append_message`, {
    method: 'OPTIONS',
    headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
  });
  attacks++;
  if (preflight.headers.get('access-control-allow-origin') === null) refused++;
  assert.is(preflight.headers.get('access-control-allow-origin'), null);
});

test('without a token, a request for another host name (DNS rebinding) is refused', async () => {
  const open = await startServerProcess({ root: root.root, env: { FAULT_SUITE_KEY: environmentKey, LOG_LEVEL: 'warn' } });
  try {
    const { port } = new URL(open.url);
    for (const host of [`attacker.example:${port}`, `attacker.example`, `127.0.0.1.nip.io:${port}`]) {
      const answer = await rawRequest(Number(port), '/api/modules/chat_branches/list_conversations', host);
      bodies.push(answer.text);
      expectRefused({ ...answer, headers: new Headers() }, [403], `Host: ${host}`);
    }
    assert.is((await rawRequest(Number(port), '/api/modules/chat_branches/list_conversations', `localhost:${port}`)).status, 200);
  } finally {
    await open.stop();
  }
});

/** A GET with a Host header of our choosing (fetch does not let a page, or undici, set one). */
function rawRequest(port: number, path: string, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.end();
  });
}

test('the token is required on every /api path, and accepted in the header or the query', async () => {
  const listing = JSON.parse((await request('/api/calls')).text) as { calls: { path: string }[] };
  for (const path of ['/api/calls', ...listing.calls.map((step) => `/api/${step.path}`)]) {
    expectRefused(await request(path, { auth: false }), [401], `${path} without a token`);
    expectRefused(
      await request(path, { auth: false, headers: { authorization: 'Bearer wrong-token' } }),
      [401],
      `${path} with a wrong token`,
    );
    expectRefused(await request(`${path}?access_token=${token}x`, { auth: false }), [401], `${path} with a wrong query token`);
  }
  assert.is((await request('/api/modules/chat_branches/list_conversations', { body: {} })).status, 200);
  assert.is((await request(`/api/modules/chat_branches/list_conversations?access_token=${token}`, { auth: false })).status, 200);
  assert.is((await fetch(`${server.url}/health`)).status, 200);
});

test('no API key in any response body or log line, whatever the provider says back', async () => {
  fake.reset();
  fake.defaultReply = { chunks: ['fine'] };
  const good = 'data/conversations/good/conversation.json';
  await request('/api/workflow/chat_completion/complete', { body: { conversation_file: good } });
  await request('/api/workflow/chat_completion/complete', {
    body: { conversation_file: good, llm_config_file: 'data/llm_configs/literal.json' },
  });
  await request('/api/workflow/chat_completion/complete', {
    body: { conversation_file: good, llm_config_file: 'data/llm_configs/logging.json' },
  });
  // The provider rejects the key and quotes it back, as a careless proxy does; then fails in other ways.
  fake.enqueue({ status: 401 }, { status: 401 }, { status: 401 }, { status: 500, errorMessage: `upstream saw key ${environmentKey}` });
  await request('/api/workflow/chat_completion/complete', { body: { conversation_file: good } });
  await request('/api/workflow/chat_completion/complete', {
    body: { conversation_file: good, llm_config_file: 'data/llm_configs/literal.json' },
  });
  await request(`/api/workflow/chat_completion/complete_stream?conversation_file=${good}`);
  await request('/api/workflow/chat_completion/complete', { body: { conversation_file: good } });
  fake.enqueue({ status: 401 });
  await request('/api/modules/llm_api/chat', {
    body: {
      messages: [{ role: 'user', content: 'hi' }],
      config: { provider: 'openai_compatible', base_url: fake.baseUrl, api_key: inlineKey, max_retries: 0 },
    },
  });
  await request('/api/modules/llm_api/chat', {
    body: {
      messages: [{ role: 'user', content: 'hi' }],
      config: { provider: 'openai_compatible', base_url: 'http://127.0.0.1:1/v1', api_key: inlineKey, max_retries: 0 },
    },
  });
  await request('/api/modules/llm_api/list_configs', { body: {} });
  await request('/api/modules/llm_api/chat', {
    body: { messages: [{ role: 'user', content: 'hi' }], config_file: 'data/llm_configs/literal.json' },
  });
  await request('/openapi.json');
  await request(`/api/modules/chat_branches/get?file=${good}&access_token=${token}`, { auth: false });
  // Give the log a moment to take the last lines of a stream that just closed.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const secrets = { environmentKey, literalKey, inlineKey, token };
  const leaks: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    const inBody = bodies.findIndex((body) => body.includes(secret));
    if (inBody !== -1) leaks.push(`${name} in a response: ${bodies[inBody]!.slice(0, 300)}`);
    const line = server
      .output()
      .split('\n')
      .find((entry) => entry.includes(secret));
    if (line !== undefined) leaks.push(`${name} in the log: ${line.slice(0, 300)}`);
  }
  attacks += 4;
  refused += 4 - new Set(leaks.map((leak) => leak.split(' ')[0])).size;
  assert.equal(leaks, []);
  assert.ok(
    fake.requests.some((request) => request.headers.authorization === `Bearer ${environmentKey}`),
    'the key from the environment was never sent',
  );
});

test.run();
