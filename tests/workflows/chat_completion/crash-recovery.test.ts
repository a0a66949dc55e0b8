import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { startFakeOpenAi, type FakeServer } from '../../helpers/fake-openai.js';
import { frameData, readSse } from '../../helpers/sse-client.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

const mainScript = fileURLToPath(new URL('../../../src/main.ts', import.meta.url));
const test = suite('kill -9 during a stream');
let root: TempRoot;
let openAi: FakeServer;

test.before(async () => {
  root = createTempRoot('branchflow-crash-');
  openAi = await startFakeOpenAi();
  root.writeLlmConfig('fake', { provider: 'openai_compatible', base_url: openAi.baseUrl, model: 'gpt-test' });
  root.writeConversation('crash', {
    roots: ['n_root'],
    nodes: {
      n_root: { pid: null, role: 'system', content: 'You are terse.' },
      n_user: { pid: 'n_root', role: 'user', content: 'Tell a long story.' },
    },
    active_path: ['n_root', 'n_user'],
  });
});
test.after(async () => {
  await openAi.close();
  root.cleanup();
});

/** Starts the real server in a child process; resolves with its URL once it prints that it is ready. */
function startServerProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', mainScript], {
    env: { ...process.env, BRANCHFLOW_ROOT: root.root, PORT: '0', LOG_LEVEL: 'warn', BRANCHFLOW_CHECKPOINT_MS: '100' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const url = /ready at (http:\/\/[^\s]+)/.exec(output)?.[1];
      if (url) resolve({ child, url });
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before it was ready:\n${output}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

test('the partial text is in the file after a restart, marked interrupted, and the file is valid', async () => {
  const chunks = Array.from({ length: 40 }, (_, index) => `word${index} `);
  openAi.defaultReply = { chunks, chunkDelayMs: 50 };
  const first = await startServerProcess();
  const file = 'data/conversations/crash/conversation.json';
  const reply = await readSse(
    `${first.url}/api/workflow/chat_completion/complete_stream?conversation_file=${file}&llm_config_file=data/llm_configs/fake.json&include_doc=false`,
    {
      until: (sofar) => sofar.frames.length >= 8,
    },
  );
  const received = frameData(reply) as { type: string; content?: string; node_id?: string }[];
  const nodeId = received[0]!.node_id!;
  const streamed = received
    .filter((event) => event.type === 'chunk')
    .map((event) => event.content)
    .join('');
  // Let at least two checkpoints pass (every 100 ms here), then kill without warning.
  await new Promise((resolve) => setTimeout(resolve, 350));
  first.child.kill('SIGKILL');
  await exited(first.child);
  assert.ok(existsSync(root.path('data/conversations/crash/.journal')), 'a journal was left behind');

  const second = await startServerProcess();
  second.child.kill('SIGTERM');
  await exited(second.child);

  const doc = root.readJson<ConversationDoc>(file);
  const node = doc.nodes[nodeId]!;
  assert.ok(node.content.startsWith(streamed), 'everything the client saw is there');
  assert.ok(chunks.join('').startsWith(node.content), 'and nothing that was not generated');
  assert.equal(
    {
      pid: node.pid,
      role: node.role,
      partial: node.meta?.partial,
      interrupted: node.meta?.interrupted,
      finish_reason: node.meta?.finish_reason,
    },
    {
      pid: 'n_user',
      role: 'assistant',
      partial: true,
      interrupted: true,
      finish_reason: 'interrupted',
    },
  );
  assert.equal(readdirSync(root.path('data/conversations/crash/.journal')), [], 'the journal is removed once folded in');
});

test('kill -9 mid tool loop: the calls and results journalled so far are folded into the node at restart', async () => {
  root.writeLlmConfig('fake_tools', {
    provider: 'openai_compatible',
    base_url: openAi.baseUrl,
    model: 'gpt-test',
    tools: ['modules/tools/current_time'],
  });
  openAi.reset();
  openAi.enqueue(
    { chunks: ['Checking.'], toolCalls: [{ id: 'call_now', name: 'modules_tools_current_time', arguments: '{"time_zone":"UTC"}' }] },
    { chunks: ['It is ', 'now ', 'late.'], hangAfterChunks: 1 },
  );
  const first = await startServerProcess();
  const file = 'data/conversations/crash/conversation.json';
  const reply = await readSse(
    `${first.url}/api/workflow/chat_completion/complete_stream?conversation_file=${file}&llm_config_file=data/llm_configs/fake_tools.json&include_doc=false`,
    { until: (sofar) => (frameData(sofar) as { type: string }[]).filter((event) => event.type === 'chunk').length >= 2 },
  );
  const received = frameData(reply) as Array<Record<string, unknown>>;
  const nodeId = received[0]!['node_id'] as string;
  const result = received.find((event) => event['type'] === 'tool_result')!;
  await new Promise((resolve) => setTimeout(resolve, 350));
  first.child.kill('SIGKILL');
  await exited(first.child);

  const second = await startServerProcess();
  second.child.kill('SIGTERM');
  await exited(second.child);
  const node = root.readJson<ConversationDoc>(file).nodes[nodeId]!;
  assert.equal(node['tool_steps'], [
    {
      content: 'Checking.',
      tool_calls: [
        {
          id: 'call_now',
          name: 'modules/tools/current_time',
          arguments: { time_zone: 'UTC' },
          status: 'ok',
          result: result['result'],
          started_at: result['started_at'],
          duration_ms: result['duration_ms'],
        },
      ],
    },
  ]);
  assert.is(node.content, 'It is ');
  assert.equal([node.meta?.partial, node.meta?.interrupted], [true, true]);
});

test.run();
