/**
 * Two server processes sharing one database and one Redis: a request_id is one generation across servers (a retry
 * on the other server attaches to it, two at once start it once), and either server lists both servers' generations.
 */
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { importConversations } from '../../src/store/postgres/transfer.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startServerProcess, type ServerProcess } from '../faults/server-process.js';
import { readSse, type SseReply } from '../helpers/sse-client.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';
import {
  createTestDatabase,
  createTestRedisPrefix,
  serviceAvailable,
  type TestDatabase,
  type TestRedisPrefix,
} from '../helpers/services.js';

const file = 'data/conversations/shared/conversation.json';
const reply = Array.from({ length: 40 }, (_, index) => `w${index} `).join('');
const stream = 'workflow/chat_completion/complete_stream';

interface Summary {
  generation_id: string;
  status: string;
  conversation_file: string;
  parent_id: string;
  node_id: string;
}

function events(sse: SseReply): Record<string, unknown>[] {
  return sse.frames.map((frame) => JSON.parse(frame.data) as Record<string, unknown>);
}

function textOf(all: Record<string, unknown>[]): string {
  return all.map((event) => (event['type'] === 'chunk' ? (event['content'] as string) : '')).join('');
}

async function assistantNodes(url: string): Promise<{ id: string; content: string }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ tree_text: string }>('SELECT tree_text FROM conversations WHERE file = $1', [file]);
    const doc = JSON.parse(result.rows[0]!.tree_text) as ConversationDoc;
    return Object.entries(doc.nodes)
      .filter(([, node]) => node.role === 'assistant')
      .map(([id, node]) => ({ id, content: node.content }));
  } finally {
    await client.end();
  }
}

async function listed(server: ServerProcess): Promise<Summary[]> {
  const response = await fetch(`${server.url}/api/workflow/chat_completion/generations`);
  const body = (await response.json()) as { generations: Summary[] };
  return body.generations.map(({ generation_id, status, conversation_file, parent_id, node_id }) => ({
    generation_id,
    status,
    conversation_file,
    parent_id,
    node_id,
  }));
}

const available =
  (await serviceAvailable('postgres', 'tests/scale-out/cluster-generations.test.ts')) &&
  (await serviceAvailable('redis', 'tests/scale-out/cluster-generations.test.ts'));

if (available) {
  const test = suite('request_id and the generations list across two servers');
  let database: TestDatabase;
  let redis: TestRedisPrefix;
  const roots: TempRoot[] = [];
  const servers: ServerProcess[] = [];

  async function startServer(): Promise<ServerProcess> {
    const root = createTempRoot();
    roots.push(root);
    root.writeLlmConfig('slow', { provider: 'mock', mock: { text: reply, chunk_size: 4, delay_ms: 40 } });
    const server = await startServerProcess({
      root: root.root,
      env: { BRANCHFLOW_STORE: database.url, BRANCHFLOW_REDIS: redis.url, BRANCHFLOW_REDIS_PREFIX: redis.prefix, LOG_LEVEL: 'warn' },
    });
    servers.push(server);
    return server;
  }

  const url = (server: ServerProcess, requestId?: string): string =>
    `${server.url}/api/${stream}?conversation_file=${encodeURIComponent(file)}&llm_config_file=data/llm_configs/slow.json` +
    (requestId === undefined ? '' : `&request_id=${requestId}`);
  const chunksAtLeast = (count: number) => (sofar: SseReply) =>
    sofar.frames.filter((frame) => frame.data.includes('"chunk"')).length >= count;

  test.before.each(async () => {
    database = await createTestDatabase();
    redis = createTestRedisPrefix();
    const seed = createTempRoot();
    seed.writeConversation('shared', {
      name: 'Shared',
      roots: ['u1'],
      nodes: { u1: { pid: null, role: 'user', content: 'Tell me something.' } },
      active_path: ['u1'],
    });
    await importConversations({ url: database.url, root: seed.root, logger: silentLogger });
    seed.cleanup();
  });
  test.after.each(async () => {
    for (const server of servers.splice(0)) await server.kill();
    for (const root of roots.splice(0)) root.cleanup();
    await database.drop();
    await redis.drop();
  });

  test('a request retried on the other server attaches to the generation it started there, streaming and not', async () => {
    const [a, b] = [await startServer(), await startServer()];
    const first = events(await readSse(url(a, 'retry-1'), { until: chunksAtLeast(3) }));
    const start = first[0]!;
    assert.is(start['type'], 'start');
    // The client lost A and retries on B with the same request_id: the same generation, from its first event.
    const retried = events(await readSse(url(b, 'retry-1')));
    assert.equal(retried[0], start);
    assert.is(textOf(retried), reply);
    const saved = retried.find((event) => event['type'] === 'saved')!;
    assert.equal([saved['node_id'], saved['partial']], [start['node_id'], undefined]);
    assert.is(retried.at(-1)!['type'], 'end');
    // `complete` retried on B answers with that generation's reply, not a second one.
    const response = await fetch(`${b.url}/api/workflow/chat_completion/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversation_file: file, llm_config_file: 'data/llm_configs/slow.json', request_id: 'retry-1' }),
    });
    assert.is(response.status, 200);
    const answer = (await response.json()) as Record<string, unknown>;
    assert.equal(
      [answer['content'], answer['node_id'], answer['parent_id'], answer['generation_id'], answer['model_used']],
      [reply, start['node_id'], 'u1', start['generation_id'], 'mock'],
    );
    assert.equal(await assistantNodes(database.url), [{ id: start['node_id'] as string, content: reply }]);
  });

  test('the same request_id sent to both servers at once starts one generation', async () => {
    const [a, b] = [await startServer(), await startServer()];
    const [onA, onB] = (await Promise.all([readSse(url(a, 'twice-1')), readSse(url(b, 'twice-1'))])).map(events);
    assert.equal(onA![0], onB![0]);
    assert.equal([textOf(onA!), textOf(onB!)], [reply, reply]);
    assert.equal(await assistantNodes(database.url), [{ id: onA![0]!['node_id'] as string, content: reply }]);
  });

  test('either server lists the generations of both, running and done', async () => {
    const [a, b] = [await startServer(), await startServer()];
    const started = events(await readSse(url(a), { until: chunksAtLeast(2) }))[0]!;
    const expected = (status: string): Summary[] => [
      {
        generation_id: started['generation_id'] as string,
        status,
        conversation_file: file,
        parent_id: 'u1',
        node_id: started['node_id'] as string,
      },
    ];
    assert.equal(await listed(b), expected('running'));
    // Follow it to its end on B, then both servers list it as done.
    await readSse(`${b.url}/api/workflow/chat_completion/attach?generation_id=${started['generation_id'] as string}`);
    assert.equal(await listed(b), expected('done'));
    assert.equal(await listed(a), expected('done'));
  });

  test.run();
}
