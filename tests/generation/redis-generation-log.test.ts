import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/engine.js';
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
