/**
 * @module Regression: EventSource reconnects to the very URL it was following, with Last-Event-ID. A reconnect to
 * `send` or `regenerate` used to run the step again (a second user message, a second branch, a second paid reply).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../../src/engine.js';
import { startServer, type RunningServer } from '../../../src/http/index.js';
import { silentLogger } from '../../../src/lib/logger.js';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { frameData, readSse } from '../../helpers/sse-client.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

type WireEvent = { type: string; [field: string]: unknown };

const doc: ConversationDoc = {
  roots: ['n_root'],
  nodes: {
    n_root: { pid: null, role: 'system', content: 'You are terse.' },
    n_user: { pid: 'n_root', role: 'user', content: 'Say hello.' },
    n_reply: { pid: 'n_user', role: 'assistant', content: 'Hello.' },
  },
  active_path: ['n_root', 'n_user', 'n_reply'],
};

let root: TempRoot;
let engine: Engine;
let server: RunningServer;
let file: string;

const reconnect = suite('a reconnect to send or regenerate resumes the same generation');

reconnect.before.each(async () => {
  root = createTempRoot('branchflow-reconnect-');
  // Slow enough that the first connection can leave in the middle of the reply.
  const config = root.writeLlmConfig('slow_mock', {
    provider: 'mock',
    model: 'mock',
    mock: { text: 'one two three four five six', chunk_size: 4, delay_ms: 40 },
  });
  file = root.writeConversation('test', doc, { llm_config: config });
  engine = await createEngine({ root: root.root, logger: silentLogger });
  server = await startServer({ registry: engine.api, logger: silentLogger, port: 0 });
});

reconnect.after.each(async () => {
  await server.close();
  await engine.close();
  root.cleanup();
});

function url(path: string, query: Record<string, string>): string {
  return `${server.url}/api/workflow/chat_completion/${path}?${new URLSearchParams(query).toString()}`;
}

/** Follows a stream for two frames, leaves, then reconnects as EventSource does; returns both halves. */
async function leaveAndReconnect(target: string): Promise<{ first: WireEvent[]; second: WireEvent[]; secondStatus: number }> {
  const first = await readSse(target, { until: (reply) => reply.frames.length >= 2 });
  assert.ok(first.lastEventId, 'the first connection saw ids');
  const second = await readSse(target, { lastEventId: first.lastEventId });
  return { first: frameData(first) as WireEvent[], second: frameData(second) as WireEvent[], secondStatus: second.status };
}

reconnect('regenerate: the reconnect gets the rest of the reply and no second branch is made', async () => {
  const { first, second } = await leaveAndReconnect(url('regenerate', { conversation_file: file, node_id: 'n_reply' }));
  assert.is(first[0]?.type, 'start');
  assert.not.ok(
    second.some((event) => event.type === 'start'),
    'no second start',
  );
  assert.equal(second.slice(-1), [{ type: 'end' }]);
  const saved = second.find((event) => event.type === 'saved');
  assert.is(saved?.['node_id'], first[0]?.['node_id']);
  const stored = root.readJson<ConversationDoc>(file);
  const replies = Object.values(stored.nodes).filter((node) => node.pid === 'n_user');
  assert.equal(
    replies.map((node) => node.content),
    ['Hello.', 'one two three four five six'],
  );
});

reconnect('send: the reconnect gets the rest of the reply and the message is not sent twice', async () => {
  const { first, second } = await leaveAndReconnect(url('send', { conversation_file: file, content: 'Again, please.' }));
  assert.is(first[0]?.type, 'start');
  assert.not.ok(
    second.some((event) => event.type === 'start'),
    'no second start',
  );
  assert.equal(second.slice(-1), [{ type: 'end' }]);
  const stored = root.readJson<ConversationDoc>(file);
  const sent = Object.values(stored.nodes).filter((node) => node.content === 'Again, please.');
  assert.is(sent.length, 1);
  assert.is(Object.keys(stored.nodes).length, 5);
});

reconnect('a reconnect after the reply ended answers 204 and starts nothing', async () => {
  const target = url('regenerate', { conversation_file: file, node_id: 'n_reply' });
  const whole = await readSse(target);
  const events = frameData(whole) as WireEvent[];
  assert.equal(events.slice(-1), [{ type: 'end' }]);
  const again = await readSse(target, { lastEventId: whole.lastEventId! });
  assert.is(again.status, 204);
  const stored = root.readJson<ConversationDoc>(file);
  assert.is(Object.values(stored.nodes).filter((node) => node.pid === 'n_user').length, 2);
});

reconnect.run();
