import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmService } from '../../src/llm/llm-service.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { FakeServer, RecordedRequest } from '../helpers/fake-server.js';
import { startFakeGemini } from '../helpers/fake-gemini.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import { collect, collectUntilFailure, failure, neverAborted, userSaysHi } from './llm-test-kit.js';

// Generous values: the assertions must hold on a loaded two-core machine.
const connectTimeout = 0.3;
const idleTimeout = 0.4;

interface Vendor {
  name: string;
  start(): Promise<FakeServer>;
  config(server: FakeServer): Record<string, unknown>;
}

const vendors: Vendor[] = [
  {
    name: 'openai_compatible',
    start: startFakeOpenAi,
    config: (server) => ({ provider: 'openai_compatible', base_url: server.baseUrl, model: 'gpt-test', api_key: 'sk-timeouts' }),
  },
  {
    name: 'gemini',
    start: startFakeGemini,
    config: (server) => ({ provider: 'gemini', base_url: server.baseUrl, model: 'gemini-test', api_key: 'gm-timeouts' }),
  },
];

/** The fake server saw the client close the connection (bounded, so a regression fails instead of hanging). */
async function closedByClient(request: RecordedRequest | undefined): Promise<void> {
  assert.ok(request, 'the server saw no request');
  const outcome = await Promise.race([request.done.then(() => 'done'), sleep(5000, undefined, { ref: false }).then(() => 'still open')]);
  assert.is(outcome, 'done', 'the upstream connection was never closed');
  assert.ok(request.clientClosed, 'the client did not close the connection');
}

for (const vendor of vendors) {
  const test = suite(`${vendor.name}: timeouts and abort`);
  let server: FakeServer;
  const provider = () => {
    const llm = createLlmService({ root: process.cwd(), logger: silentLogger, env: {} });
    return llm.provider(llm.inlineConfig({ ...vendor.config(server), connect_timeout: connectTimeout, timeout: idleTimeout }));
  };

  test.before(async () => {
    server = await vendor.start();
  });
  test.before.each(() => server.reset());
  test.after(() => server.close());

  test('no response headers within connect_timeout: UPSTREAM_TIMEOUT, request closed, no retry', async () => {
    server.defaultReply = { headersDelayMs: Infinity };
    const started = performance.now();
    const error = await failure(collect(provider().stream(userSaysHi, { signal: neverAborted })));
    assert.ok(performance.now() - started >= connectTimeout * 1000 - 20);
    assert.is(error.code, 'UPSTREAM_TIMEOUT');
    assert.match(error.message, `${vendor.name} did not start answering within 0.3 s (connect_timeout, inline config); `);
    await closedByClient(server.requests[0]);
    assert.is(server.requests.length, 1);
  });

  test('headers but no first token within timeout: UPSTREAM_TIMEOUT', async () => {
    server.defaultReply = { hangAfterChunks: 0 };
    const error = await failure(collect(provider().stream(userSaysHi, { signal: neverAborted })));
    assert.is(error.code, 'UPSTREAM_TIMEOUT');
    assert.is(error.message, `${vendor.name} sent no token within 0.4 s after its response started (timeout, inline config)`);
    assert.equal(error.details, { provider: vendor.name, phase: 'first_token' });
    await closedByClient(server.requests[0]);
  });

  test('silence between chunks past timeout: the partial text, then UPSTREAM_TIMEOUT', async () => {
    server.defaultReply = { chunks: ['part', 'never'], hangAfterChunks: 1 };
    const { events, error } = await collectUntilFailure(provider().stream(userSaysHi, { signal: neverAborted }));
    assert.equal(
      events.filter((event) => event.type === 'text'),
      [{ type: 'text', text: 'part' }],
    );
    assert.is(error.message, `${vendor.name} went silent for 0.4 s mid-reply (timeout, inline config)`);
    await closedByClient(server.requests[0]);
    assert.is(server.requests.length, 1);
  });

  test('timeout bounds the silence, not the whole reply', async () => {
    server.defaultReply = { chunks: ['a', 'b', 'c', 'd', 'e', 'f'], chunkDelayMs: 150 };
    const events = await collect(provider().stream(userSaysHi, { signal: neverAborted }));
    assert.is(events.filter((event) => event.type === 'text').length, 6);
  });

  test('a consumer that holds each chunk longer than timeout is not a silent provider', async () => {
    server.defaultReply = { chunks: ['a', 'b', 'c'] };
    const texts: string[] = [];
    for await (const event of provider().stream(userSaysHi, { signal: neverAborted })) {
      if (event.type !== 'text') continue;
      texts.push(event.text);
      // The clock runs only while the next chunk is awaited, never while the consumer works on this one.
      await sleep(idleTimeout * 1000 + 200);
    }
    assert.equal(texts, ['a', 'b', 'c']);
  });

  test('complete(): no answer within timeout is UPSTREAM_TIMEOUT', async () => {
    server.defaultReply = { headersDelayMs: Infinity };
    const error = await failure(provider().complete(userSaysHi, { signal: neverAborted }));
    assert.is(error.message, `${vendor.name} did not answer within 0.4 s (timeout, inline config)`);
    await closedByClient(server.requests[0]);
  });

  test('leaving the stream early closes the upstream request', async () => {
    server.defaultReply = { chunks: ['first', 'second', 'third'], chunkDelayMs: 200 };
    for await (const event of provider().stream(userSaysHi, { signal: neverAborted })) {
      if (event.type === 'text') break;
    }
    await closedByClient(server.requests[0]);
  });

  test('aborting the signal mid-reply is ABORTED and closes the upstream request', async () => {
    server.defaultReply = { chunks: ['first', 'never'], hangAfterChunks: 1 };
    const controller = new AbortController();
    const events: string[] = [];
    try {
      for await (const event of provider().stream(userSaysHi, { signal: controller.signal })) {
        events.push(event.type);
        if (event.type === 'text') controller.abort();
      }
      assert.unreachable();
    } catch (error) {
      assert.is((error as { code: string }).code, 'ABORTED');
    }
    assert.equal(events, ['model', 'text']);
    await closedByClient(server.requests[0]);
  });

  test('aborting before the response starts is ABORTED at once', async () => {
    server.defaultReply = { headersDelayMs: Infinity };
    const controller = new AbortController();
    const pending = provider().complete(userSaysHi, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await failure(pending);
    assert.is(error.code, 'ABORTED');
    await closedByClient(server.requests[0]);
  });

  test.run();
}
