/**
 * @module Regression: a regenerate that produced no reply (refused before it started, or failed before its first
 * token) used to leave its empty sibling behind as the active leaf, which the next send then answered under.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../../src/engine.js';
import { startServer, type RunningServer } from '../../../src/http/index.js';
import { silentLogger } from '../../../src/lib/logger.js';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { frameData, readSse } from '../../helpers/sse-client.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

// Three replies to one message; the middle one is active, so "the one before the last" is not the one to go back to.
const doc: ConversationDoc = {
  roots: ['n_root'],
  nodes: {
    n_root: { pid: null, role: 'system', content: 'You are terse.' },
    n_user: { pid: 'n_root', role: 'user', content: 'Say hello.' },
    n_first: { pid: 'n_user', role: 'assistant', content: 'Hello.' },
    n_middle: { pid: 'n_user', role: 'assistant', content: 'Hi.' },
    n_last: { pid: 'n_user', role: 'assistant', content: 'Hey.' },
  },
  children: { n_root: ['n_user'], n_user: ['n_first', 'n_middle', 'n_last'] },
  active_path: ['n_root', 'n_user', 'n_middle'],
};

let root: TempRoot;
let engine: Engine;
let server: RunningServer;
let file: string;

const regenerate = suite('a regenerate that saves no reply leaves the conversation as it was');

regenerate.before.each(async () => {
  root = createTempRoot('branchflow-regenerate-');
  root.writeLlmConfig('fails_at_once', { provider: 'mock', model: 'mock', mock: { fail_after_chunks: 0 } });
  root.writeLlmConfig('needs_a_key', { provider: 'openai', model: 'gpt-test', api_key: '${BRANCHFLOW_TEST_MISSING_KEY}' });
  file = root.writeConversation('test', doc);
  engine = await createEngine({ root: root.root, logger: silentLogger, env: {} });
  server = await startServer({ registry: engine.api, logger: silentLogger, port: 0 });
});

regenerate.after.each(async () => {
  await server.close();
  await engine.close();
  root.cleanup();
});

function regenerateUrl(config: string): string {
  const query = new URLSearchParams({ conversation_file: file, node_id: 'n_middle', llm_config_file: `data/llm_configs/${config}.json` });
  return `${server.url}/api/workflow/chat_completion/regenerate?${query.toString()}`;
}

function shape(stored: ConversationDoc): { nodes: string[]; siblings: unknown; active_path: readonly string[] } {
  return { nodes: Object.keys(stored.nodes), siblings: stored.children?.['n_user'], active_path: stored.active_path };
}

const before = {
  nodes: Object.keys(doc.nodes),
  siblings: ['n_first', 'n_middle', 'n_last'],
  active_path: ['n_root', 'n_user', 'n_middle'],
};

regenerate(
  'refused before it starts (a config whose key is missing): no empty branch, the path back on the regenerated reply',
  async () => {
    const reply = await readSse(regenerateUrl('needs_a_key'));
    assert.is(reply.status, 400);
    assert.match(reply.text, /BRANCHFLOW_TEST_MISSING_KEY/);
    assert.equal(shape(root.readJson<ConversationDoc>(file)), before);
  },
);

regenerate('failed before its first token: the stream reports the error, and no empty branch is left', async () => {
  const reply = await readSse(regenerateUrl('fails_at_once'));
  const types = (frameData(reply) as { type: string }[]).map((event) => event.type);
  assert.equal(types, ['start', 'finish', 'error', 'end']);
  assert.equal(shape(root.readJson<ConversationDoc>(file)), before);
});

regenerate.run();
