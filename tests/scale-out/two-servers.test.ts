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
const reply = Array.from({ length: 60 }, (_, index) => `w${index} `).join('');

function conversation(): ConversationDoc {
  return {
    name: 'Shared',
    roots: ['u1'],
    nodes: { u1: { pid: null, role: 'user', content: 'Tell me something long.' } },
    active_path: ['u1'],
  };
}

function events(reply: SseReply): { id: string | undefined; event: Record<string, unknown> }[] {
  return reply.frames.map((frame) => ({ id: frame.id, event: JSON.parse(frame.data) as Record<string, unknown> }));
}

async function storedTree(url: string): Promise<ConversationDoc> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ tree_text: string }>('SELECT tree_text FROM conversations WHERE file = $1', [file]);
    return JSON.parse(result.rows[0]!.tree_text) as ConversationDoc;
  } finally {
    await client.end();
  }
}

const available =
  (await serviceAvailable('postgres', 'tests/scale-out/two-servers.test.ts')) &&
  (await serviceAvailable('redis', 'tests/scale-out/two-servers.test.ts'));

if (available) {
  const test = suite('two servers sharing PostgreSQL and Redis');
  let database: TestDatabase;
  let redis: TestRedisPrefix;
  const roots: TempRoot[] = [];
  const servers: ServerProcess[] = [];

  async function startServer(): Promise<ServerProcess> {
    // Each server its own root, as on two machines: they share only the database and Redis.
    const root = createTempRoot();
    roots.push(root);
    root.writeLlmConfig('slow', { provider: 'mock', mock: { text: reply, chunk_size: 4, delay_ms: 60 } });
    root.writeLlmConfig('fast', { provider: 'mock', mock: { text: 'quick', chunk_size: 5 } });
    const server = await startServerProcess({
      root: root.root,
      env: {
        BRANCHFLOW_STORE: database.url,
        BRANCHFLOW_REDIS: redis.url,
        BRANCHFLOW_REDIS_PREFIX: redis.prefix,
        BRANCHFLOW_LEASE_MS: '1500',
        LOG_LEVEL: 'warn',
      },
    });
    servers.push(server);
    return server;
  }

  test.before.each(async () => {
    database = await createTestDatabase();
    redis = createTestRedisPrefix();
    const seed = createTempRoot();
    seed.writeConversation('shared', conversation());
    await importConversations({ url: database.url, root: seed.root, logger: silentLogger });
    seed.cleanup();
  });
  test.after.each(async () => {
    for (const server of servers.splice(0)) await server.kill();
    for (const root of roots.splice(0)) root.cleanup();
    await database.drop();
    await redis.drop();
  });

  test('A killed mid-stream: the client resumes on B with Last-Event-ID, gets the rest and the end; the reply is saved once', async () => {
    const [a, b] = [await startServer(), await startServer()];
    const query = `conversation_file=${encodeURIComponent(file)}&llm_config_file=data/llm_configs/slow.json`;
    const first = await readSse(`${a.url}/api/workflow/chat_completion/complete_stream?${query}`, {
      until: (sofar) => sofar.frames.filter((frame) => frame.data.includes('"chunk"')).length >= 5,
    });
    const before = events(first);
    const start = before[0]!.event;
    assert.is(start['type'], 'start');
    const killedAt = performance.now();
    await a.kill();
    const second = await readSse(`${b.url}/api/workflow/chat_completion/complete_stream?${query}`, { lastEventId: first.lastEventId! });
    const after = events(second);
    const all = [...before, ...after];
    // One log, no gap and no repeat: ids `<generation>:<seq>` count up by one across both servers.
    assert.equal(
      all.map(({ id }) => id),
      all.map((_, index) => `${start['generation_id'] as string}:${index + 1}`),
    );
    const types = after.map(({ event }) => event.type);
    assert.equal(types.slice(-4), ['finish', 'saved', 'error', 'end']);
    assert.equal(after.at(-4)!.event, { type: 'finish', finish_reason: 'interrupted' });
    assert.equal(after.at(-3)!.event, { type: 'saved', node_id: start['node_id'], usage: null, partial: true });
    assert.is(after.at(-2)!.event['code'], 'UNAVAILABLE');
    const streamed = all.map(({ event }) => (event.type === 'chunk' ? (event.content as string) : '')).join('');
    assert.ok(streamed.length > 0 && reply.startsWith(streamed), 'the text streamed is a prefix of the reply');
    const doc = await storedTree(database.url);
    const saved = Object.entries(doc.nodes).filter(([, node]) => node.role === 'assistant');
    assert.is(saved.length, 1, 'the reply is in the conversation exactly once');
    assert.equal(saved[0]![0], start['node_id']);
    assert.is(saved[0]![1].content, streamed);
    assert.equal([saved[0]![1].meta?.partial, saved[0]![1].meta?.interrupted], [true, true]);
    process.stdout.write(`takeover: ${Math.round(performance.now() - killedAt)} ms from SIGKILL to the end of the stream on B\n`);
  });

  test('two clients appending through A and B at once lose no update; a stale expected_content is a 409 on either', async () => {
    const [a, b] = [await startServer(), await startServer()];
    const append = (server: ServerProcess, index: number) =>
      fetch(`${server.url}/api/modules/chat_branches/append_message`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ file, node_id: `m${index}`, pid: 'u1', role: 'user', content: `from ${index}`, return_mode: 'none' }),
      });
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, index) => append(index % 2 === 0 ? a : b, index).then((r) => r.status)),
    );
    assert.equal(
      statuses,
      Array.from({ length: 20 }, () => 200),
    );
    const doc = await storedTree(database.url);
    assert.equal(
      Object.keys(doc.nodes)
        .filter((id) => id.startsWith('m'))
        .sort(),
      Array.from({ length: 20 }, (_, index) => `m${index}`).sort(),
    );
    // Both read "from 0", both try to replace it: exactly one wins, the other is told its view was stale.
    const update = (server: ServerProcess, content: string) =>
      fetch(`${server.url}/api/modules/chat_branches/update_message`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ file, node_id: 'm0', content, expected_content: 'from 0', return_mode: 'none' }),
      });
    const raced = await Promise.all([update(a, 'by A'), update(b, 'by B')]);
    assert.equal(raced.map((response) => response.status).sort(), [200, 409]);
    const body = (await raced.find((response) => response.status === 409)!.json()) as { error: { code: string } };
    assert.is(body.error.code, 'CONFLICT');
  });

  test('/ready reports PostgreSQL and Redis', async () => {
    const a = await startServer();
    const ready = (await (await fetch(`${a.url}/ready`)).json()) as unknown;
    assert.equal(ready, { status: 'ready', checks: { store: true, watcher: true, generation_log: true } });
  });

  test.run();
}
