/**
 * @module Fault family: PostgreSQL or Redis restarting under a running server. The services are reached through a
 * TCP relay that is cut and restored (the shared services themselves keep running). While one is gone, calls
 * that need it answer 503 UNAVAILABLE naming it, /ready says which, nothing is saved twice or half; once it is
 * back, the same server (no restart of its own) serves again, and its change listener reconnects by itself.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/engine.js';
import { startServer, type RunningServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/lib/logger.js';
import { importConversations } from '../../src/store/postgres/transfer.js';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';
import { recordFigures } from './fault-figures.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import {
  createTestDatabase,
  createTestRedisPrefix,
  redisTestUrl,
  serviceAvailable,
  type TestDatabase,
  type TestRedisPrefix,
} from '../helpers/services.js';

const file = 'data/conversations/shared/conversation.json';

const available =
  (await serviceAvailable('postgres', 'tests/faults/shared-services-restart.test.ts')) &&
  (await serviceAvailable('redis', 'tests/faults/shared-services-restart.test.ts'));

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

if (available) {
  const test = suite('fault family: PostgreSQL and Redis restarting');
  let database: TestDatabase;
  let redis: TestRedisPrefix;
  let postgresProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let temp: TempRoot;
  let engine: Engine;
  let server: RunningServer;
  /** Each cut survived: the 503 or the saved reply as documented, then the same server working again. */
  const survived = { postgres: false, redis: false };
  test.after(() => {
    const count = Number(survived.postgres) + Number(survived.redis);
    recordFigures({
      family: 8,
      name: 'shared services',
      faults: 2,
      survived: count,
      badInputs: 0,
      repliesLost: 0,
      filesCorrupted: 0,
      line:
        `shared services: ${count}/2 outages survived under a running server (PostgreSQL cut off: 503 UNAVAILABLE, then ` +
        `writes again; Redis cut off: /ready 503, replies still saved once, then ready again); replies lost 0, files corrupted 0`,
    });
  });

  test.before.each(async () => {
    database = await createTestDatabase();
    redis = createTestRedisPrefix();
    temp = createTempRoot();
    temp.writeConversation('shared', { roots: ['u1'], nodes: { u1: { pid: null, role: 'user', content: 'Hi.' } }, active_path: ['u1'] });
    temp.writeLlmConfig('quick', { provider: 'mock', mock: { text: 'A short reply.', chunk_size: 4 } });
    await importConversations({ url: database.url, root: temp.root, logger: silentLogger });
    postgresProxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(database.url).port || 5432) });
    const redisUrl = new URL(redisTestUrl);
    redisProxy = await startTcpProxy({ host: '127.0.0.1', port: Number(redisUrl.port || 6379) });
    const proxiedDatabase = new URL(database.url);
    proxiedDatabase.port = String(postgresProxy.port);
    engine = await createEngine({
      root: temp.root,
      watch: true,
      env: {
        BRANCHFLOW_STORE: proxiedDatabase.toString(),
        BRANCHFLOW_REDIS: `redis://127.0.0.1:${redisProxy.port}`,
        BRANCHFLOW_REDIS_PREFIX: redis.prefix,
      },
    });
    const { store, generations } = engine.services;
    server = await startServer({
      registry: engine.api,
      logger: silentLogger,
      port: 0,
      ready: async () => {
        const checks = { store: await store.check!(), watcher: store.status().watching, generation_log: await generations.log.check() };
        return { ok: checks.store === true && checks.watcher && checks.generation_log === true, checks };
      },
    });
  });
  test.after.each(async () => {
    await server.close();
    await engine.close();
    await postgresProxy.close();
    await redisProxy.close();
    await database.drop();
    await redis.drop();
    temp.cleanup();
  });

  const append = (nodeId: string) =>
    fetch(`${server.url}/api/modules/chat_branches/append_message`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ file, node_id: nodeId, pid: 'u1', role: 'user', content: nodeId, return_mode: 'none' }),
    });
  const ready = async () => (await fetch(`${server.url}/ready`)).status === 200;

  test('PostgreSQL gone: 503 UNAVAILABLE naming it, /ready says so; back: the same server writes again, each node once', async () => {
    assert.is((await append('before')).status, 200);
    await postgresProxy.stop();
    const during = await append('during');
    assert.is(during.status, 503);
    const body = (await during.json()) as { error: { code: string; message: string } };
    assert.is(body.error.code, 'UNAVAILABLE');
    assert.match(body.error.message, /^PostgreSQL \(BRANCHFLOW_STORE\) cannot be reached: /);
    assert.is((await fetch(`${server.url}/ready`)).status, 503);
    await postgresProxy.start();
    await eventually(ready, '/ready after PostgreSQL came back');
    assert.is((await append('after')).status, 200);
    const doc: ConversationDoc = await engine.services.store.read(file);
    assert.equal(Object.keys(doc.nodes), ['u1', 'before', 'after']);
    survived.postgres = true;
  });

  test('Redis gone: /ready says so, a reply still streams and is saved once; back: the same server is ready again', async () => {
    await redisProxy.stop();
    await eventually(async () => !(await ready()), '/ready failing while Redis is gone');
    const events: { type: string }[] = [];
    for await (const event of engine.api.stream<{ type: string }>('workflow/chat_completion/complete_stream', {
      conversation_file: file,
      llm_config_file: 'data/llm_configs/quick.json',
    }))
      events.push(event);
    assert.equal(events.at(-1), { type: 'end' });
    assert.ok(events.some((event) => event.type === 'saved'));
    await redisProxy.start();
    await eventually(ready, '/ready after Redis came back');
    const doc: ConversationDoc = await engine.services.store.read(file);
    assert.equal(
      Object.values(doc.nodes)
        .filter((node) => node.role === 'assistant')
        .map((node) => node.content),
      ['A short reply.'],
    );
    survived.redis = true;
  });

  test.run();
}
