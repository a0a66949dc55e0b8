import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { createEngine, type Engine } from '../../src/engine.js';
import { Generation } from '../../src/generation/generation.js';
import { openRedisGenerationLog } from '../../src/generation/redis-generation-log.js';
import { silentLogger } from '../../src/lib/logger.js';
import { importConversations } from '../../src/store/postgres/transfer.js';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { failure } from '../helpers/call-failure.js';
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

type Event = { type: string; [key: string]: unknown };

const available =
  (await serviceAvailable('postgres', 'tests/generation/redis-generation-log.test.ts')) &&
  (await serviceAvailable('redis', 'tests/generation/redis-generation-log.test.ts'));

if (available) {
  const test = suite('the Redis generation log: two engines');
  let database: TestDatabase;
  let redis: TestRedisPrefix;
  let roots: TempRoot[];
  let engines: Engine[];

  async function engine(): Promise<Engine> {
    const temp = createTempRoot();
    roots.push(temp);
    temp.writeLlmConfig('slow', { provider: 'mock', mock: { text: reply, chunk_size: 4, delay_ms: 50 } });
    const created = await createEngine({
      root: temp.root,
      env: { BRANCHFLOW_STORE: database.url, BRANCHFLOW_REDIS: redis.url, BRANCHFLOW_REDIS_PREFIX: redis.prefix },
    });
    engines.push(created);
    return created;
  }

  test.before.each(async () => {
    roots = [];
    engines = [];
    database = await createTestDatabase();
    redis = createTestRedisPrefix();
    const seed = createTempRoot();
    seed.writeConversation('shared', {
      roots: ['u1'],
      nodes: { u1: { pid: null, role: 'user', content: 'Go on.' } },
      active_path: ['u1'],
    });
    await importConversations({ url: database.url, root: seed.root, logger: silentLogger });
    seed.cleanup();
  });
  test.after.each(async () => {
    for (const running of engines) await running.close();
    for (const root of roots) root.cleanup();
    await database.drop();
    await redis.drop();
  });

  test('B attaches to, reports on and aborts a generation A runs; the partial is saved once by A', async () => {
    const [a, b] = [await engine(), await engine()];
    const stream = a.api.stream<Event>('workflow/chat_completion/complete_stream', {
      conversation_file: file,
      llm_config_file: 'data/llm_configs/slow.json',
    });
    const seenByA: Event[] = [];
    const iterator = stream[Symbol.asyncIterator]();
    while (seenByA.filter((event) => event.type === 'chunk').length < 3) seenByA.push((await iterator.next()).value as Event);
    const generationId = seenByA[0]!['generation_id'] as string;

    const status = await b.api.call<{ generation: { status: string; conversation_file: string } }>('workflow/chat_completion/status', {
      generation_id: generationId,
    });
    assert.equal([status.generation.status, status.generation.conversation_file], ['running', file]);

    const attached: Event[] = [];
    const attaching = (async () => {
      for await (const event of b.api.stream<Event>('workflow/chat_completion/attach', { generation_id: generationId }))
        attached.push(event);
    })();
    const aborted = await b.api.call<{ generation: { status: string } }>('workflow/chat_completion/abort', { generation_id: generationId });
    assert.is(aborted.generation.status, 'done');
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) seenByA.push(next.value);
    await attaching;

    const strip = (events: Event[]) => events.map(({ type, ...rest }) => ({ type, ...rest }));
    assert.equal(JSON.parse(JSON.stringify(strip(attached))), JSON.parse(JSON.stringify(strip(seenByA))), 'B saw the same log as A');
    assert.equal(
      seenByA.slice(-3).map((event) => event.type),
      ['finish', 'saved', 'end'],
    );
    const saved = seenByA.find((event) => event.type === 'saved')!;
    assert.is(saved['partial'], true);
    const doc = await b.services.store.read(file);
    const replies = Object.values(doc.nodes).filter((node) => node.role === 'assistant');
    assert.is(replies.length, 1);
    const streamed = seenByA.map((event) => (event.type === 'chunk' ? (event['content'] as string) : '')).join('');
    assert.is(replies[0]!.content, streamed);
    assert.is(replies[0]!.meta?.partial, true);
  });

  test('a resume on B from a Last-Event-ID gets exactly the events after it', async () => {
    const [a, b] = [await engine(), await engine()];
    const all: Event[] = [];
    for await (const event of a.api.stream<Event>('workflow/chat_completion/complete_stream', {
      conversation_file: file,
      llm_config_file: 'data/llm_configs/slow.json',
    }))
      all.push(event);
    const generationId = all[0]!['generation_id'] as string;
    const rest: Event[] = [];
    for await (const event of b.api.stream<Event>('workflow/chat_completion/complete_stream', {
      conversation_file: file,
      last_event_id: `${generationId}:5`,
    }))
      rest.push(event);
    assert.equal(JSON.parse(JSON.stringify(rest)), JSON.parse(JSON.stringify(all.slice(5))));
    const doc: ConversationDoc = await b.services.store.read(file);
    assert.is(Object.values(doc.nodes).filter((node) => node.role === 'assistant').length, 1);
  });

  test.run();
}

if (available) {
  const keys = suite('the Redis generation log: request ids and the list');
  let redis: TestRedisPrefix;
  keys.before.each(() => {
    redis = createTestRedisPrefix();
  });
  keys.after.each(async () => {
    await redis.drop();
  });

  keys('a request id is claimed once, kept while its generation runs and as long as its log after; the list follows', async () => {
    const log = await openRedisGenerationLog({ url: redis.url, prefix: redis.prefix, logger: silentLogger, retentionMs: 400 });
    const peek = new Redis(redis.url);
    try {
      assert.is(await log.claimRequest('req-1', 'gen_one'), undefined);
      assert.is(await log.claimRequest('req-1', 'gen_two'), 'gen_one');
      assert.is(await log.findRequest('req-1'), 'gen_one');
      assert.is(await log.findRequest('req-other'), undefined);

      const generation = new Generation({ id: 'gen_one', conversationFile: file, parentId: 'u1', nodeId: 'n1', requestId: 'req-1' });
      log.started(generation, { fillTarget: false });
      generation.push({ type: 'chunk', content: 'Hello' });
      const expected = (status: string) => ({ generation_id: 'gen_one', status, conversation_file: file, parent_id: 'u1', node_id: 'n1' });
      const listed = async () =>
        (await log.list()).map(({ generation_id, status, conversation_file, parent_id, node_id }) => ({
          generation_id,
          status,
          conversation_file,
          parent_id,
          node_id,
        }));
      for (let waited = 0; (await listed()).length === 0 && waited < 5000; waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await listed(), [expected('running')]);
      // Running: the claim does not expire with the log's retention.
      assert.ok((await peek.pttl(`${redis.prefix}request:req-1`)) > 400);

      generation.push({ type: 'end' });
      for (let waited = 0; (await listed())[0]?.status !== 'done' && waited < 5000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(await listed(), [expected('done')]);
      const ttl = await peek.pttl(`${redis.prefix}request:req-1`);
      assert.ok(ttl > 0 && ttl <= 400, `the claim expires with the log (${ttl} ms left)`);
      // Once the log has expired, the claim and the list entry are gone too.
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.is(await log.findRequest('req-1'), undefined);
      assert.equal(await listed(), []);
      assert.is(await peek.zcard(`${redis.prefix}generations:all`), 0);
    } finally {
      peek.disconnect();
      await log.close();
    }
  });

  keys.run();
}

const settings = suite('the Redis generation log: settings');

settings('a URL that is not redis:// and a refused connection are errors naming BRANCHFLOW_REDIS', async () => {
  const wrong = await failure(openRedisGenerationLog({ url: 'http://127.0.0.1:6379', logger: silentLogger }));
  assert.equal(
    [wrong.code, wrong.message],
    ['BAD_INPUT', 'BRANCHFLOW_REDIS must start with redis:// or rediss:// (it starts with http://)'],
  );
  const refused = await failure(openRedisGenerationLog({ url: 'redis://:secret@127.0.0.1:1', logger: silentLogger }));
  assert.is(refused.code, 'UNAVAILABLE');
  assert.match(refused.message, /^BRANCHFLOW_REDIS: cannot use Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: /);
  assert.not.match(refused.message, /secret/);
});

settings.run();
