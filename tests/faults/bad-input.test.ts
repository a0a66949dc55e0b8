/**
 * @module Fault family 5, bad input: at least a thousand malformed requests, generated from the schemas that
 * `GET /api/calls` lists, go to every step of the real server (a child process), as JSON bodies and as query
 * strings: wrong types, huge strings, deep JSON, unicode edge cases, `../`, absolute and link paths, odd ids,
 * and conversation and config files broken on disk in every way we could think of. Goal: no 500, no crash,
 * no file written outside data/ (the root and its parent folder are snapshotted before and after).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordFigures } from './fault-figures.js';
import { chatSeed, createFaultRoot, inspectConversations, snapshot, snapshotChanges } from './fault-root.js';
import { startServerProcess } from './server-process.js';

const test = suite('fault family 5: bad input');

interface Step {
  path: string;
  kind: 'plain' | 'stream';
  input: { properties?: Record<string, { type?: string | string[]; enum?: unknown[] }>; required?: string[] };
}

interface Probe {
  step: string;
  kind: 'plain' | 'stream';
  method: 'GET' | 'POST';
  /** A JSON body (as text, so it may be malformed) or a query string. */
  body?: string;
  /** Raw bytes instead of `body` (text that is not UTF-8). */
  bytes?: ArrayBuffer;
  query?: string;
  headers?: Record<string, string>;
  what: string;
}

test('a thousand malformed requests: no 500, no crash, nothing written outside data/', async () => {
  const root = createFaultRoot('input');
  const outside = join(root.parent, 'outside');
  const files = seedBrokenFiles(root, outside);
  const inData = (path: string): boolean => path === join('root', 'data') || path.startsWith(join('root', 'data') + '/');
  const before = snapshot(root.parent, inData);
  const server = await startServerProcess({ root: root.root, env: { LOG_LEVEL: 'warn' } });

  const issues: string[] = [];
  let tried = 0;
  const statuses = new Map<number, number>();
  try {
    const listing = (await (await fetch(`${server.url}/api/calls`)).json()) as { calls: Step[] };
    const probes = generateProbes(listing.calls, files, outside);
    const queue = [...probes];
    const worker = async (): Promise<void> => {
      for (let probe = queue.shift(); probe !== undefined; probe = queue.shift()) {
        tried++;
        // A kept-alive connection the server closed just as it was reused fails in the client (undici); one retry
        // tells that apart from a server that really dropped the request.
        const status = await send(server.url, probe)
          .catch(() => new Promise((resolve) => setTimeout(resolve, 50)).then(() => send(server.url, probe)))
          .catch((error: Error) => {
            issues.push(`${probe.step} ${probe.what}: the request failed twice (${error.message})`);
            return 0;
          });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) issues.push(`${probe.method} ${probe.step} ${probe.what}: ${status}`);
        if (!server.alive()) {
          issues.push(`the server died after ${probe.method} ${probe.step} ${probe.what}`);
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const health = await fetch(`${server.url}/health`).then(
      (response) => response.status,
      () => 0,
    );
    if (health !== 200) issues.push(`the server does not answer /health afterwards (${health})`);
  } finally {
    await server.stop();
  }
  const written = snapshotChanges(before, snapshot(root.parent, inData));
  issues.push(...written.map((change) => `outside data/: ${change}`));
  const state = inspectConversations(root.root);
  root.cleanup();

  const fiveHundreds = [...statuses].filter(([status]) => status >= 500).reduce((sum, [, count]) => sum + count, 0);
  const breakdown = [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}x${count}`)
    .join(' ');
  recordFigures({
    family: 5,
    name: 'bad input',
    faults: 0,
    survived: 0,
    badInputs: tried,
    repliesLost: 0,
    filesCorrupted: state.invalid.filter((entry) => !files.brokenConversations.includes(entry.file)).length,
    line: `bad input: ${tried} malformed requests over every step; ${fiveHundreds} answered 5xx, 0 crashes, ${written.length} paths written outside data/ (statuses ${breakdown})`,
  });
  assert.equal(issues, []);
  assert.ok(tried >= 1000, `only ${tried} requests`);
});

interface SeededFiles {
  good: string;
  brokenConversations: string[];
  brokenConfigs: string[];
  links: string[];
}

/** A good conversation, and conversations, settings and configs broken on disk in many ways. */
function seedBrokenFiles(root: ReturnType<typeof createFaultRoot>, outside: string): SeededFiles {
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'conversation.json'), JSON.stringify(chatSeed('outside secret')));
  writeFileSync(join(outside, 'config.json'), JSON.stringify({ provider: 'mock' }));
  root.write('data/llm_configs/mock.json', { provider: 'mock', mock: { chunk_size: 64 } });
  const good = root.writeConversation('good', chatSeed('good'), { llm_config: 'data/llm_configs/mock.json' });
  const deep = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
  const broken: Record<string, string> = {
    'truncated-json': '{"roots": ["s"], "nodes": {',
    'empty-file': '',
    'not-an-object': '[1, 2, 3]',
    'nodes-not-object': '{"roots": [], "nodes": [], "active_path": []}',
    'missing-parent': JSON.stringify({
      roots: ['a'],
      nodes: { a: { pid: null, role: 'user', content: 'x' }, b: { pid: 'ghost', role: 'assistant', content: 'y' } },
      active_path: ['a'],
    }),
    cycle: JSON.stringify({
      roots: [],
      nodes: { a: { pid: 'b', role: 'user', content: 'x' }, b: { pid: 'a', role: 'user', content: 'y' } },
      active_path: [],
    }),
    'wrong-role': JSON.stringify({ roots: ['a'], nodes: { a: { pid: null, role: 'wizard', content: 'x' } }, active_path: ['a'] }),
    'content-number': JSON.stringify({ roots: ['a'], nodes: { a: { pid: null, role: 'user', content: 42 } }, active_path: ['a'] }),
    'proto-ids': JSON.stringify({
      roots: ['__proto__'],
      nodes: { __proto__: { pid: null, role: 'user', content: 'x' } },
      active_path: ['__proto__'],
    }),
    'deep-unknown-field': `{"roots": ["s"], "nodes": {"s": {"pid": null, "role": "user", "content": "x", "x_deep": ${deep(5000)}}}, "active_path": ["s"]}`,
    'bom-and-utf16': '\ufeff\u0000{\u0000}',
    'binary-garbage': Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7919) % 256)).toString('latin1'),
    'huge-garbage': 'x'.repeat(3 * 1024 * 1024),
  };
  const brokenConversations: string[] = [];
  for (const [slug, text] of Object.entries(broken)) {
    brokenConversations.push(root.write(`data/conversations/${slug}/conversation.json`, text));
    root.write(`data/conversations/${slug}/settings.json`, { llm_config: 'data/llm_configs/mock.json' });
  }
  // Settings broken in their own ways, beside a good conversation.
  root.writeConversation('settings-broken', chatSeed('settings-broken'));
  root.write('data/conversations/settings-broken/settings.json', '{"llm_config": ');
  root.writeConversation('settings-outside', chatSeed('settings-outside'), { llm_config: '../../outside/config.json' });
  root.writeConversation('settings-number', chatSeed('settings-number'), { llm_config: 7 });
  brokenConversations.push('data/conversations/settings-broken/conversation.json');
  mkdirSync(root.path('data/conversations/folder-not-file/conversation.json'), { recursive: true });
  // Links out of the sandbox: a conversation folder, a conversation file, a config file, a config folder.
  symlinkSync(outside, root.path('data/conversations/link-folder'));
  mkdirSync(root.path('data/conversations/link-file'));
  symlinkSync(join(outside, 'conversation.json'), root.path('data/conversations/link-file/conversation.json'));
  symlinkSync(join(outside, 'config.json'), root.path('data/llm_configs/link-file.json'));
  symlinkSync(outside, root.path('data/llm_configs/link-folder'));
  symlinkSync('/nonexistent/nowhere', root.path('data/conversations/dangling'));
  const configs: Record<string, string> = {
    'config-truncated': '{"provider": "openai"',
    'config-not-object': '"mock"',
    'config-unknown-provider': JSON.stringify({ provider: 'skynet' }),
    'config-missing-variable': JSON.stringify({ provider: 'openai', api_key: '${FAULT_SUITE_UNSET_VARIABLE}' }),
    'config-bad-placeholder': JSON.stringify({ provider: 'mock', model: '${UNCLOSED' }),
    'config-file-url': JSON.stringify({ provider: 'openai_compatible', base_url: 'file:///etc/passwd' }),
    'config-wrong-types': JSON.stringify({ provider: 'mock', temperature: 'hot', timeout: -1, max_tokens: 1.5 }),
    'config-huge': JSON.stringify({ provider: 'mock', padding: 'x'.repeat(2 * 1024 * 1024) }),
    'config-deep': `{"provider": "mock", "custom_params": {"x": ${deep(5000)}}}`,
  };
  const brokenConfigs = Object.entries(configs).map(([name, text]) => root.write(`data/llm_configs/${name}.json`, text));
  mkdirSync(root.path('data/llm_configs/folder-config/llm_config.json'), { recursive: true });
  brokenConfigs.push('data/llm_configs/folder-config', 'data/llm_configs/link-file.json', 'data/llm_configs/link-folder/config.json');
  return {
    good,
    brokenConversations,
    brokenConfigs,
    links: [
      'data/conversations/link-folder/conversation.json',
      'data/conversations/link-file/conversation.json',
      'data/conversations/dangling/conversation.json',
    ],
  };
}

function deepJson(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Every probe: for each step, each input field with each bad value, then whole-body and query mutations. */
function generateProbes(steps: Step[], files: SeededFiles, outside: string): Probe[] {
  const huge = 'h'.repeat(1024 * 1024);
  const paths = [
    '',
    ' ',
    '.',
    '/',
    '..',
    '../',
    '../../../../etc/passwd',
    '/etc/passwd',
    join(outside, 'conversation.json'),
    'data/conversations/../../outside/conversation.json',
    'data/conversations/%2e%2e/%2e%2e/outside/conversation.json',
    'data\\conversations\\..\\..\\outside\\conversation.json',
    'data/conversations/good/conversation.json/../../../../outside/conversation.json',
    'data/conversations/good',
    'data/conversations/good/',
    'data/conversations/nope/conversation.json',
    `data/conversations/${'a'.repeat(5000)}/conversation.json`,
    `data/conversations/${'b/'.repeat(2000)}conversation.json`,
    'data/conversations/good/conversation.json\u0000.txt',
    'data/conversations/\ud800/conversation.json',
    'data/conversations/💥/conversation.json',
    'file:///etc/passwd',
    'C:\\Windows\\win.ini',
    '~/.ssh/id_rsa',
    '$(touch /tmp/pwned)',
    'data/llm_configs/mock.json',
    'data/conversations/folder-not-file/conversation.json',
    'data/conversations/good/settings.json',
    ...files.brokenConversations,
    ...files.links,
    ...files.brokenConfigs,
  ];
  const ids = [
    '',
    'a'.repeat(129),
    '../x',
    'a b',
    'ñ',
    '\ud800',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '0',
    '-',
    's',
    'u',
  ];
  const strings = [
    '',
    huge,
    '\u0000',
    '\ud800',
    '\udfff',
    '💥'.repeat(2000),
    'e\u0301',
    '\u202e',
    '\u2028\u2029',
    '\ufeff',
    '<script>alert(1)</script>',
    "'; DROP TABLE x; --",
    '${HOME}',
    '%00',
  ];
  const wrongTypes: unknown[] = [null, true, 0, -1, 1.5, 1e308, [], {}, [1, 2], { a: 1 }, 'text'];
  const probes: Probe[] = [];
  for (const step of steps) {
    const properties = step.input.properties ?? {};
    const base = validBase(step, files.good);
    const add = (what: string, body: Record<string, unknown>): void => {
      probes.push({ step: step.path, kind: step.kind, method: 'POST', body: JSON.stringify(body), what });
    };
    for (const [name, schema] of Object.entries(properties)) {
      const types = new Set(Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type]);
      const names = name.toLowerCase();
      const values: unknown[] = [...wrongTypes];
      if (names.includes('file') || names === 'llm_config') values.push(...paths);
      else if (names.endsWith('id') || names === 'pid') values.push(...ids);
      else if (types.has('string') || schema.enum) values.push(...strings);
      if (types.has('object') || types.size === 0)
        values.push(JSON.parse(deepJson(2000)) as unknown, JSON.parse('{"__proto__": {"polluted": true}}') as unknown);
      if (types.has('array'))
        values.push(
          Array.from({ length: 10_000 }, () => ({ role: 'user', content: 'x' })),
          [[[[[]]]]],
        );
      if (types.has('integer') || types.has('number')) values.push(-1e308, 2 ** 53 + 1, 0.0000001);
      for (const [index, value] of values.entries()) add(`${name} #${index}`, { ...base, [name]: value });
    }
    add('an unknown field', { ...base, surprise: 1 });
    add('no fields at all', {});
    const whole: [string, string, Record<string, string>?][] = [
      ['an empty body', ''],
      ['null', 'null'],
      ['an array', '[]'],
      ['a string', '"text"'],
      ['cut-off JSON', '{"file": '],
      ['deep JSON', deepJson(100_000)],
      ['duplicate keys', '{"file": "a", "file": "b"}'],
      ['a __proto__ key', '{"__proto__": {"polluted": true}}'],
      ['invalid UTF-8', '{"file": "\u0000INVALID-UTF8"}'],
      ['a text/plain body', JSON.stringify(base), { 'content-type': 'text/plain' }],
      ['an 11 MB body', JSON.stringify({ ...base, padding: 'p'.repeat(11 * 1024 * 1024) })],
    ];
    for (const [what, body, headers] of whole) {
      probes.push({ step: step.path, kind: step.kind, method: 'POST', body, what, ...(headers ? { headers } : {}) });
    }
    probes.push({
      step: step.path,
      kind: step.kind,
      method: 'POST',
      body: '',
      bytes: new Uint8Array([0x7b, 0x22, 0x66, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x22, 0x7d]).buffer,
      what: 'bytes that are not UTF-8',
    });
    // The same steps through query strings, as EventSource and links reach them.
    const queryValues = ['', '..%2F..%2Fetc%2Fpasswd', '%00', '%ZZ', 'a'.repeat(4000), '[', '{"a":', 'true', '-1', '1e999'];
    for (const name of [...Object.keys(properties), 'unknown_field', 'camelCaseField']) {
      for (const [index, value] of queryValues.entries()) {
        probes.push({
          step: step.path,
          kind: step.kind,
          method: 'GET',
          query: `${name}=${value}&${name}=${value}`,
          what: `query ${name} #${index}`,
        });
      }
    }
  }
  probes.push({ step: 'modules/chat_branches/nope', kind: 'plain', method: 'POST', body: '{}', what: 'an unknown step' });
  probes.push({ step: '../../etc/passwd', kind: 'plain', method: 'GET', query: '', what: 'a traversal in the step path' });
  return probes;
}

/** Valid values for the required fields, so each probe breaks one thing at a time. */
function validBase(step: Step, good: string): Record<string, unknown> {
  const base: Record<string, unknown> = {};
  for (const name of step.input.required ?? []) {
    if (name === 'file' || name === 'conversation_file') base[name] = good;
    else if (name === 'messages') base[name] = [{ role: 'user', content: 'hi' }];
    else if (name === 'role') base[name] = 'user';
    else if (name === 'content') base[name] = 'hello';
    else if (name === 'pid') base[name] = 'u';
    else if (name === 'name') base[name] = 'A bad input test';
    else if (name === 'generation_id') base[name] = 'gen_unknown';
    else base[name] = 'u';
  }
  return base;
}

/** Sends one probe; a stream is read for a moment and then left, as a client that gives up does. */
async function send(baseUrl: string, probe: Probe): Promise<number> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), probe.kind === 'stream' ? 1500 : 20_000);
  try {
    const url = `${baseUrl}/api/${probe.step}${probe.query === undefined ? '' : `?${probe.query}`}`;
    const response = await fetch(url, {
      method: probe.method,
      headers: { 'content-type': 'application/json', ...probe.headers },
      ...(probe.body === undefined ? {} : { body: probe.bytes ?? probe.body }),
      signal: controller.signal,
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  } finally {
    clearTimeout(timer);
  }
}

test.run();
