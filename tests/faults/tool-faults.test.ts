/**
 * @module Fault family 9: tools that misbehave inside the completion loop of a real server process. An MCP server
 * that crashes mid-call or hangs, arguments that are not JSON or fail the schema, a tool that does not exist, a
 * result far too big, and a client that leaves while a tool runs: each reply must end, be saved with every call and
 * its result (an error the model can read), leave the file valid, and the server must serve the next reply.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { recordFigures } from './fault-figures.js';
import { chatSeed, createFaultRoot, inspectConversations } from './fault-root.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { apiUrl, eventsOfType, eventTypes, recordSse } from './stream-recorder.js';

const mcpScript = fileURLToPath(new URL('../helpers/mcp-test-server.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

interface ToolFault {
  name: string;
  /** What the mock model calls. */
  call: { name: string; arguments: unknown };
  /** The status the call's result must have. */
  status: string;
  /** Leave after the tool_call event, as a closed tab does. */
  leave?: boolean;
  check?: (result: unknown) => string | undefined;
}

const faults: ToolFault[] = [
  { name: 'an MCP server that crashes mid-call', call: { name: 'mcp:local/crash', arguments: {} }, status: 'error' },
  { name: 'an MCP server that hangs', call: { name: 'mcp:local/hang', arguments: {} }, status: 'timeout' },
  { name: 'arguments that are not JSON', call: { name: 'mcp:local/add', arguments: '{"a": 1,' }, status: 'error' },
  { name: 'arguments that fail the schema', call: { name: 'mcp:local/add', arguments: { a: 'one' } }, status: 'error' },
  { name: 'a tool that does not exist', call: { name: 'mcp:local/nothing', arguments: {} }, status: 'error' },
  {
    name: 'a 5 MB result',
    call: { name: 'mcp:local/big', arguments: { size: 5_000_000 } },
    status: 'ok',
    check: (result) =>
      typeof result === 'string' && result.length < 100_200 && result.includes('[cut: ') ? undefined : 'the result was not cut',
  },
  { name: 'a client that leaves while the tool runs', call: { name: 'mcp:local/count', arguments: { to: 20 } }, status: 'ok', leave: true },
];

const test = suite('fault family 9: tools');
const root = createFaultRoot('tools');
let server: ServerProcess;
const outcomes: Array<{ survived: boolean; lost: number }> = [];

test.before(async () => {
  root.write('data/mcp_servers.json', {
    mcpServers: { local: { command: process.execPath, args: ['--import', tsx, mcpScript], timeout_ms: 30_000 } },
  });
  server = await startServerProcess({ root: root.root, env: { LOG_LEVEL: 'error' } });
});

test.after(async () => {
  await server.stop();
  const state = inspectConversations(root.root);
  root.cleanup();
  const survived = outcomes.filter((outcome) => outcome.survived).length;
  const lost = outcomes.reduce((sum, outcome) => sum + outcome.lost, 0);
  recordFigures({
    family: 9,
    name: 'tool faults',
    faults: outcomes.length,
    survived,
    badInputs: 0,
    repliesLost: lost,
    filesCorrupted: state.invalid.length,
    line:
      `tool faults: ${survived}/${outcomes.length} (crash, hang, bad JSON, bad arguments, unknown tool, huge result, client gone) ` +
      `saved with an error result the model read, the server serving on; replies lost ${lost}, files corrupted ${state.invalid.length}`,
  });
});

faults.forEach((fault, index) => {
  test(`${fault.name}: the call gets a ${fault.status} result, the reply is saved, the server serves the next one`, async () => {
    const config = root.write(`data/llm_configs/tools${index}.json`, {
      provider: 'mock',
      model: 'mock-1',
      mock: { tool_calls: [fault.call] },
      tools: [fault.call.name.replace('nothing', 'add')],
      // A hung call is given up after 1.5 s; other calls, and the server's start-up, get long enough for a loaded machine.
      tool_timeout_ms: fault.status === 'timeout' ? 1500 : 20_000,
    });
    const file = root.writeConversation(`tools${index}`, chatSeed(`tools${index}`), { llm_config: config });
    const issues: string[] = [];
    const stream = await recordSse(
      apiUrl(server.url, 'workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: false }),
      {
        ...(fault.leave
          ? { until: (events) => events.some((event) => typeof event.data === 'object' && event.data.type === 'tool_call') }
          : {}),
      },
    );
    if (fault.leave) {
      // The loop goes on without its client: wait until the reply is in the file.
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !savedReply(root.path(file))) await new Promise((resolve) => setTimeout(resolve, 50));
    } else {
      const types = eventTypes(stream);
      if (types.at(-1) !== 'end') issues.push(`the stream ended with ${String(types.at(-1))}`);
      if (!types.includes('saved')) issues.push(`no saved event: ${stream.text.slice(0, 300)}`);
      const result = eventsOfType(stream, 'tool_result')[0];
      if (result?.['status'] !== fault.status)
        issues.push(`status ${String(result?.['status'])}, expected ${fault.status}: ${String(result?.['result']).slice(0, 200)}`);
      const problem = fault.check?.(result?.['result']);
      if (problem) issues.push(problem);
    }
    const node = savedReply(root.path(file));
    const call = (node?.['tool_steps'] as Array<{ tool_calls: Array<{ status: string }> }> | undefined)?.[0]?.tool_calls[0];
    if (!node) issues.push('the reply is not in the file');
    else if (call?.status !== fault.status) issues.push(`the node's call has status ${String(call?.status)}`);
    else if (!node.content.startsWith('Mock reply to:')) issues.push(`the answer after the tool is missing: ${node.content.slice(0, 80)}`);

    const next = await recordSse(
      apiUrl(server.url, 'workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: false, tools: '[]' }),
    );
    if (!eventTypes(next).includes('saved')) issues.push(`the next reply was not served: ${next.text.slice(0, 200)}`);
    outcomes.push({ survived: issues.length === 0, lost: node ? 0 : 1 });
    assert.equal(issues, []);
  });
});

function savedReply(path: string): ConversationDoc['nodes'][string] | undefined {
  const doc = readDoc(path);
  return Object.values(doc?.nodes ?? {}).find((node) => node.role === 'assistant' && node['tool_steps'] !== undefined);
}

function readDoc(path: string): ConversationDoc | undefined {
  try {
    return JSON.parse(readFileSyncText(path)) as ConversationDoc;
  } catch {
    return undefined;
  }
}

function readFileSyncText(path: string): string {
  return readFileSync(path, 'utf8');
}

test.run();
