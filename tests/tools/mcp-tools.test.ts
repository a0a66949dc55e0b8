/** MCP servers as tools: listing, a call, progress, an error result, bad arguments, a crash, a hang, over stdio and HTTP. */
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/engine.js';
import { failure } from '../helpers/call-failure.js';
import { startHttpMcpServer, testTools } from '../helpers/mcp-test-server.js';
import { createTempRoot } from '../helpers/temp-root.js';

const serverScript = fileURLToPath(new URL('../helpers/mcp-test-server.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
const stdioServer = { command: process.execPath, args: ['--import', tsx, serverScript] };

const fixture = createTempRoot();
const http = await startHttpMcpServer();
fixture.write('data/mcp_servers.json', {
  mcpServers: {
    local: { ...stdioServer, timeout_ms: 20_000 },
    remote: { url: '${MCP_URL}', headers: { Authorization: 'Bearer ${MCP_TOKEN:-none}' } },
    broken: { url: '${MCP_UNSET_URL}' },
    off: { ...stdioServer, disabled: true },
  },
});
const engine: Engine = await createEngine({ root: fixture.root, env: { MCP_URL: http.url } });
const call = <Output>(path: string, input: object) => engine.api.call<Output>(path, input);

const test = suite('MCP tools');
test.after(async () => {
  await engine.close();
  await http.close();
  fixture.cleanup();
});

const toolNames = testTools.map((tool) => tool.name);

test('servers lists each configured server, started, with its tools; a missing variable names it', async () => {
  const { servers } = await call<{ servers: unknown[] }>('modules/tools/servers', {});
  assert.equal(servers, [
    { name: 'local', transport: 'stdio', status: 'running', tools: toolNames, restarts: 0, last_error: null },
    { name: 'remote', transport: 'http', status: 'running', tools: toolNames, restarts: 0, last_error: null },
    {
      name: 'broken',
      transport: null,
      status: 'misconfigured',
      tools: [],
      restarts: 0,
      last_error: 'MCP server broken in data/mcp_servers.json: variable MCP_UNSET_URL is not set (at /mcpServers/broken/url)',
    },
  ]);
});

test('list names every tool with its schema and origin: the step tools, then the MCP ones', async () => {
  const { tools } = await call<{ tools: { name: string; origin: object; parameters: object; description: string }[] }>(
    'modules/tools/list',
    {},
  );
  assert.equal(
    tools.map((tool) => [tool.name, tool.origin]),
    [
      ['modules/tools/current_time', { kind: 'step', path: 'modules/tools/current_time' }],
      ...toolNames.map((name) => [`mcp:local/${name}`, { kind: 'mcp', server: 'local' }]),
      ...toolNames.map((name) => [`mcp:remote/${name}`, { kind: 'mcp', server: 'remote' }]),
    ],
  );
  assert.equal(tools[1], {
    name: 'mcp:local/add',
    description: 'Add two numbers.',
    parameters: testTools[0]?.inputSchema,
    origin: { kind: 'mcp', server: 'local' },
  });
});

for (const server of ['local', 'remote']) {
  test(`${server}: a call returns the tool's content`, async () => {
    const { result } = await call<{ result: unknown }>('modules/tools/call', { name: `mcp:${server}/add`, arguments: { a: 2, b: 40 } });
    assert.equal(result, { content: [{ type: 'text', text: '42' }], text: '42', is_error: false });
  });

  test(`${server}: progress messages arrive while the tool runs, then its result`, async () => {
    const progress: string[] = [];
    const result = await engine.services.tools.call(
      `mcp:${server}/count`,
      { to: 3 },
      { signal: new AbortController().signal, onProgress: (message) => progress.push(message) },
    );
    assert.equal(progress, ['step 1', 'step 2', 'step 3']);
    assert.equal(result, { content: [{ type: 'text', text: 'counted to 3' }], text: 'counted to 3', is_error: false });
  });

  test(`${server}: arguments that fail the tool's schema come back as an error result naming the field`, async () => {
    const { result } = await call<{ result: unknown }>('modules/tools/call', { name: `mcp:${server}/add`, arguments: { a: 'two' } });
    const text = `arguments of mcp:${server}/add is invalid: /b must have required property 'b'; /a must be number`;
    assert.equal(result, { content: [{ type: 'text', text }], text, is_error: true });
  });

  test(`${server}: a tool's own failure is an error result`, async () => {
    const { result } = await call<{ result: unknown }>('modules/tools/call', { name: `mcp:${server}/fail` });
    const text = 'the tool failed on purpose';
    assert.equal(result, { content: [{ type: 'text', text }], text, is_error: true });
  });
}

test('an unknown tool or server is NOT_FOUND naming it', async () => {
  const noTool = await failure(call('modules/tools/call', { name: 'mcp:local/nope' }));
  assert.equal([noTool.code, noTool.message], ['NOT_FOUND', 'MCP server local has no tool nope']);
  const noServer = await failure(call('modules/tools/call', { name: 'mcp:elsewhere/add' }));
  assert.equal([noServer.code, noServer.message], ['NOT_FOUND', 'no MCP server elsewhere in data/mcp_servers.json']);
  const internal = await failure(call('modules/tools/call', { name: 'modules/llm_api/chat' }));
  assert.equal([internal.code, internal.message], ['NOT_FOUND', 'no tool modules/llm_api/chat (see modules/tools/list)']);
});

test('a server that crashes mid-call: an error result naming the server, and the next call restarts it', async () => {
  const { result } = await call<{ result: { text: string; is_error: boolean } }>('modules/tools/call', { name: 'mcp:local/crash' });
  assert.ok(result.is_error);
  assert.match(result.text, /^MCP server local failed while running crash: /);
  const again = await call<{ result: unknown }>('modules/tools/call', { name: 'mcp:local/add', arguments: { a: 1, b: 1 } });
  assert.equal(again.result, { content: [{ type: 'text', text: '2' }], text: '2', is_error: false });
  const { servers } = await call<{ servers: { name: string; status: string; restarts: number }[] }>('modules/tools/servers', {});
  assert.equal(servers[0] && [servers[0].status, servers[0].restarts], ['running', 1]);
});

test('a server that hangs: the call times out with an error result, and the server is restarted for the next', async () => {
  const { result } = await call<{ result: { text: string; is_error: boolean } }>('modules/tools/call', {
    name: 'mcp:local/hang',
    timeout_ms: 300,
  });
  assert.equal([result.is_error, result.text.startsWith('MCP server local failed while running hang: ')], [true, true]);
  const again = await call<{ result: unknown }>('modules/tools/call', { name: 'mcp:local/add', arguments: { a: 3, b: 4 } });
  assert.equal(again.result, { content: [{ type: 'text', text: '7' }], text: '7', is_error: false });
});

test('an abort stops the call: ABORTED, not a result', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const error = await failure(engine.api.call('modules/tools/call', { name: 'mcp:remote/hang' }, { signal: controller.signal }));
  assert.is(error.code, 'ABORTED');
});

test('a step tool runs through the registry; bad arguments are an error result', async () => {
  const { result } = await call<{ result: { text: string; is_error: boolean } }>('modules/tools/call', {
    name: 'modules/tools/current_time',
    arguments: { time_zone: 'Asia/Tokyo' },
  });
  const parsed = JSON.parse(result.text) as { time_zone: string; local_time: string };
  assert.equal(
    [result.is_error, parsed.time_zone, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/.test(parsed.local_time)],
    [false, 'Asia/Tokyo', true],
  );
  const bad = await call<{ result: unknown }>('modules/tools/call', {
    name: 'modules/tools/current_time',
    arguments: { time_zone: 'Mars/Olympus' },
  });
  const text = 'time_zone Mars/Olympus is not an IANA time zone (e.g. Europe/Paris)';
  assert.equal(bad.result, { content: [{ type: 'text', text }], text, is_error: true });
});

test('a malformed servers file is INVALID_FILE naming the file and field', async () => {
  const other = createTempRoot();
  other.write('data/mcp_servers.json', { mcpServers: { 'bad name': { command: 'x' }, both: { command: 'x', url: 'http://x' } } });
  const otherEngine = await createEngine({ root: other.root, env: {} });
  try {
    const error = await failure(otherEngine.api.call('modules/tools/servers', {}));
    assert.is(error.code, 'INVALID_FILE');
    assert.match(error.message, /^data\/mcp_servers.json is invalid: /);
    assert.match(error.message, '/mcpServers/bad name');
    assert.match(error.message, '/mcpServers/both must match exactly one schema in oneOf');
  } finally {
    await otherEngine.close();
    other.cleanup();
  }
});

test.run();
