/**
 * MCP tools inside the completion loop, offline: the mock provider calls them (`mock.tool_calls`), a real MCP server
 * (the SDK's server side, over stdio and Streamable HTTP) answers. Progress becomes tool_stream_chunk events; a
 * server that crashes mid-call is an error result naming it, the loop goes on, and the next call restarts it.
 */
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../../src/engine.js';
import { silentLogger } from '../../../src/lib/logger.js';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { startHttpMcpServer } from '../../helpers/mcp-test-server.js';
import { createTempRoot } from '../../helpers/temp-root.js';

const serverScript = fileURLToPath(new URL('../../helpers/mcp-test-server.ts', import.meta.url));
const stdioServer = { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), serverScript] };

const root = createTempRoot('branchflow-mcp-loop-');
const http = await startHttpMcpServer();
// `impatient` is the same HTTP server with a short timeout, configured from the start: the hung-server test must not
// depend on a config reload being noticed in time on a loaded machine.
root.write('data/mcp_servers.json', {
  mcpServers: { local: { ...stdioServer, timeout_ms: 20_000 }, remote: { url: http.url }, impatient: { url: http.url, timeout_ms: 300 } },
});
const engine: Engine = await createEngine({ root: root.root, logger: silentLogger });

const test = suite('MCP tools in the completion loop');
test.after(async () => {
  await engine.close();
  await http.close();
  root.cleanup();
});

type Event = { type: string; [key: string]: unknown };

async function streamWith(toolCalls: object[], tools: string[]): Promise<{ events: Event[]; doc: ConversationDoc }> {
  const config = root.writeLlmConfig('mock_tools', { provider: 'mock', model: 'mock-1', mock: { tool_calls: toolCalls }, tools });
  const file = root.writeConversation(
    'loop',
    {
      roots: ['n_user'],
      nodes: { n_user: { pid: null, role: 'user', content: 'Go.' } },
      active_path: ['n_user'],
    },
    { llm_config: config },
  );
  const events: Event[] = [];
  for await (const event of engine.api.stream<Event>('workflow/chat_completion/complete_stream', {
    conversation_file: file,
    include_doc: false,
  }))
    events.push(event);
  return { events, doc: root.readJson<ConversationDoc>(file) };
}

const toolEvents = (events: Event[]) =>
  events
    .filter((event) => event.type.startsWith('tool_') || event.type === 'step')
    .map((event) => {
      const { started_at: _started, duration_ms: _duration, ...rest } = event;
      return rest;
    });

test('a stdio MCP tool streams its progress as tool_stream_chunk events, then its result; the mock answers with it', async () => {
  const { events, doc } = await streamWith([{ name: 'mcp:local/count', arguments: { to: 3 } }], ['mcp:local/count']);
  assert.equal(toolEvents(events), [
    { type: 'tool_call', tool_call_id: 'call_mock_1', tool_name: 'mcp:local/count', arguments: { to: 3 }, step: 1 },
    { type: 'tool_stream_chunk', tool_call_id: 'call_mock_1', content: 'step 1' },
    { type: 'tool_stream_chunk', tool_call_id: 'call_mock_1', content: 'step 2' },
    { type: 'tool_stream_chunk', tool_call_id: 'call_mock_1', content: 'step 3' },
    { type: 'tool_result', tool_call_id: 'call_mock_1', status: 'ok', result: 'counted to 3' },
    { type: 'step', step: 2 },
  ]);
  const saved = events.find((event) => event.type === 'saved')!;
  const node = doc.nodes[saved['node_id'] as string]!;
  assert.is(node.content, 'Mock reply to: Go. (tool mcp:local/count: counted to 3)');
  assert.is((node['tool_steps'] as unknown[]).length, 1);
});

test('a server that crashes mid-call: an error result naming it, the loop goes on; the next call starts it again', async () => {
  const crashed = await streamWith(
    [
      { name: 'mcp:local/crash', arguments: {} },
      { name: 'mcp:remote/add', arguments: { a: 1, b: 2 } },
    ],
    ['mcp:local/crash', 'mcp:remote/add'],
  );
  const results = toolEvents(crashed.events).filter((event) => event.type === 'tool_result');
  const byId = Object.fromEntries(results.map((event) => [event['tool_call_id'], event]));
  assert.equal(byId['call_mock_2'], { type: 'tool_result', tool_call_id: 'call_mock_2', status: 'ok', result: '3' });
  assert.is(byId['call_mock_1']!['status'], 'error');
  assert.match(byId['call_mock_1']!['result'] as string, 'local');
  assert.ok(crashed.events.some((event) => event.type === 'saved'));
  assert.is(crashed.events.at(-1)!.type, 'end');

  const again = await streamWith([{ name: 'mcp:local/add', arguments: { a: 2, b: 2 } }], ['mcp:local/add']);
  assert.equal(
    toolEvents(again.events).find((event) => event.type === 'tool_result'),
    { type: 'tool_result', tool_call_id: 'call_mock_1', status: 'ok', result: '4' },
  );
});

test('a hung server: the call times out with status timeout and the reply is still saved', async () => {
  const { events } = await streamWith([{ name: 'mcp:impatient/hang', arguments: {} }], ['mcp:impatient/hang']);
  const result = toolEvents(events).find((event) => event.type === 'tool_result')!;
  assert.is(result['status'], 'timeout');
  assert.match(result['result'] as string, 'impatient');
  assert.ok(events.some((event) => event.type === 'saved'));
});

test.run();
