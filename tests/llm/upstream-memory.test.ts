import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../src/lib/logger.js';
import { createLlmService } from '../../src/llm/llm-service.js';
import type { ChatRequest } from '../../src/llm/provider.js';
import type { FakeServer } from '../helpers/fake-server.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { startFakeGemini } from '../helpers/fake-gemini.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import type { Connection } from '../../src/llm/transport/connection.js';
import { runUpstream, type UpstreamCall } from '../../src/llm/transport/upstream-stream.js';

const test = suite('upstream memory');

/** A full collection, on request only (the flag is set at runtime, as the benchmark's probe does). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const connection: Connection = {
  provider: 'openai_compatible',
  label: 'memory test',
  model: 'm',
  baseUrl: undefined,
  apiKey: undefined,
  connectTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  maxRetries: 0,
};

test('an open upstream stream does not keep the chunks it has already relayed (the per-chunk deadline race kept them all)', async () => {
  const chunkCount = 40;
  const relayed: WeakRef<object>[] = [];
  const controller = new AbortController();
  const call: UpstreamCall<{ text: string }> = {
    async open(signal) {
      return (async function* () {
        for (let index = 0; index < chunkCount; index++) {
          const chunk = { text: `chunk ${index} `.repeat(20) };
          relayed.push(new WeakRef(chunk));
          yield chunk;
        }
        // Held open after the last chunk, as a provider between tokens, until the consumer leaves.
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      })();
    },
    toEvents: (chunk) => [{ type: 'text', text: chunk.text.slice(0, 8) }],
    toFailure: (error) => ({ kind: 'connection', message: String(error) }),
  };
  const events = runUpstream(call, { connection, streaming: true, logger: silentLogger, signal: controller.signal });
  for (let index = 0; index < chunkCount; index++) await events.next();
  const waiting = events.next(); // waits on the open upstream
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  const kept = relayed.filter((reference) => reference.deref() !== undefined).length;
  controller.abort();
  await waiting.catch(() => undefined);
  // The chunk being awaited may be referenced by the generator's own frame; none of the earlier ones may.
  assert.ok(kept <= 1, `${kept} of ${chunkCount} relayed chunks are still alive`);
});

const vendors = [
  { provider: 'openai_compatible', start: startFakeOpenAi, model: 'gpt-test' },
  { provider: 'anthropic', start: startFakeAnthropic, model: 'claude-test' },
  { provider: 'gemini', start: startFakeGemini, model: 'gemini-test' },
];

for (const vendor of vendors) {
  test(`${vendor.provider}: an open stream does not keep the request once its text has reached the consumer (no retry can resend it)`, async () => {
    const server: FakeServer = await vendor.start();
    try {
      server.defaultReply = { chunks: ['one ', 'two ', 'three '], hangAfterChunks: 3 };
      const llm = createLlmService({ root: process.cwd(), logger: silentLogger, env: {} });
      const provider = llm.provider(
        llm.inlineConfig({
          provider: vendor.provider,
          base_url: server.baseUrl,
          model: vendor.model,
          api_key: 'sk-memory',
          max_retries: 2,
        }),
      );
      const controller = new AbortController();
      // Built here and referenced only weakly: the prompt of a long conversation, as the caller hands it over.
      const sent = (): { request: ChatRequest; reference: WeakRef<ChatRequest> } => {
        const request: ChatRequest = { messages: [{ role: 'user', content: 'a long conversation '.repeat(100) }] };
        return { request, reference: new WeakRef(request) };
      };
      const built = sent();
      const reference = built.reference;
      const events = provider.stream(built.request, { signal: controller.signal })[Symbol.asyncIterator]();
      delete (built as Partial<typeof built>).request;
      let texts = 0;
      while (texts < 3) {
        const next = await events.next();
        assert.not.ok(next.done, 'the stream ended before its third chunk');
        if (next.value.type === 'text') texts++;
      }
      const waiting = events.next(); // waits on the open upstream
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
      const kept = reference.deref() !== undefined;
      controller.abort();
      await waiting.catch(() => undefined);
      assert.not.ok(kept, 'the request (its messages) is still alive while the stream is open');
    } finally {
      await server.close();
    }
  });
}

test.run();
