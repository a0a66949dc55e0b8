/**
 * @module Fault family 2, provider faults: the real server (a child process) streams replies from fake OpenAI
 * and Gemini servers that drop the connection, hang before the first token or between chunks, answer 429 storms,
 * 500s, malformed SSE frames and bodies that are not JSON. Each fault must give the documented event sequence
 * (DESIGN §3) and code, save the partial text marked `meta.partial` with `meta.error`, and leave the server
 * serving others: a healthy stream on another conversation runs alongside every fault and must complete.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { startFakeGemini } from '../helpers/fake-gemini.js';
import { startFakeOpenAi, type FakeReply, type FakeServer } from '../helpers/fake-openai.js';
import { recordFigures } from './fault-figures.js';
import { chatSeed, createFaultRoot, fakeProviderConfig, inspectConversations, nodesOfGeneration, type FaultRoot } from './fault-root.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { apiUrl, eventsOfType, eventTypes, recordSse, streamedText, type RecordedStream } from './stream-recorder.js';

const test = suite('fault family 2: provider faults');

interface Fault {
  name: string;
  /** What the fake server answers to the request and, the same again, to each retry. */
  replies: FakeReply[];
  code: string;
  /** Text chunks that reach the client before the fault. */
  chunksBefore: number;
}

const pieces = ['Alpha ', 'beta ', 'gamma ', 'delta ', 'epsilon.'];
const storm = (reply: FakeReply): FakeReply[] => [reply, reply, reply];
const faults: Fault[] = [
  { name: 'connection reset mid-stream', replies: [{ chunks: pieces, dropAfterChunks: 2 }], code: 'UPSTREAM_FAILED', chunksBefore: 2 },
  {
    name: 'connection reset before the first token, on every retry',
    replies: storm({ chunks: pieces, dropAfterChunks: 0 }),
    code: 'UPSTREAM_FAILED',
    chunksBefore: 0,
  },
  { name: 'hang before the first token', replies: [{ chunks: pieces, hangAfterChunks: 0 }], code: 'UPSTREAM_TIMEOUT', chunksBefore: 0 },
  { name: 'hang between chunks', replies: [{ chunks: pieces, hangAfterChunks: 3 }], code: 'UPSTREAM_TIMEOUT', chunksBefore: 3 },
  {
    name: 'hang before the response headers',
    replies: [{ chunks: pieces, headersDelayMs: Infinity }],
    code: 'UPSTREAM_TIMEOUT',
    chunksBefore: 0,
  },
  { name: '429 storm', replies: storm({ status: 429, headers: { 'retry-after': '0' } }), code: 'RATE_LIMITED', chunksBefore: 0 },
  {
    name: '500 on every retry',
    replies: storm({ status: 500, headers: { 'retry-after': '0' } }),
    code: 'UPSTREAM_FAILED',
    chunksBefore: 0,
  },
  {
    name: 'malformed SSE frame mid-stream',
    replies: [{ chunks: pieces, malformedAfterChunks: 2 }],
    code: 'UPSTREAM_FAILED',
    chunksBefore: 2,
  },
  {
    name: 'a 200 body that is not JSON, on every retry',
    replies: storm({ rawBody: 'this is not JSON at all' }),
    code: 'UPSTREAM_FAILED',
    chunksBefore: 0,
  },
  {
    name: 'an HTML 502 page from a proxy',
    replies: storm({ status: 502, rawBody: '<html><body>Bad Gateway</body></html>', headers: { 'retry-after': '0' } }),
    code: 'UPSTREAM_FAILED',
    chunksBefore: 0,
  },
];

const results: { name: string; survived: boolean; repliesLost: number }[] = [];
let root: FaultRoot;
let server: ServerProcess;
let openAi: FakeServer;
let gemini: FakeServer;
let healthy: FakeServer;
const key = 'sk-fault-suite-provider-key-0123456789';

test.before(async () => {
  [openAi, gemini, healthy] = await Promise.all([startFakeOpenAi(), startFakeGemini(), startFakeOpenAi()]);
  healthy.defaultReply = { chunks: pieces, chunkDelayMs: 100 };
  root = createFaultRoot('provider');
  // Short timeouts keep the hangs quick; the fault is the same at 60 s.
  const timeouts = { timeout: 1, connect_timeout: 1, max_retries: 2 };
  root.write('data/llm_configs/openai.json', fakeProviderConfig(openAi.baseUrl, timeouts));
  root.write('data/llm_configs/gemini.json', {
    provider: 'gemini',
    base_url: gemini.baseUrl,
    api_key: '${FAULT_SUITE_KEY}',
    model: 'gemini-fault',
    ...timeouts,
  });
  root.write('data/llm_configs/healthy.json', fakeProviderConfig(healthy.baseUrl));
  server = await startServerProcess({ root: root.root, env: { FAULT_SUITE_KEY: key, LOG_LEVEL: 'warn' } });
});

test.after(async () => {
  await server.stop();
  await Promise.all([openAi.close(), gemini.close(), healthy.close()]);
  const state = inspectConversations(root.root);
  root.cleanup();
  const survived = results.filter((result) => result.survived).length;
  const lost = results.reduce((sum, result) => sum + result.repliesLost, 0);
  recordFigures({
    family: 2,
    name: 'provider faults',
    faults: results.length,
    survived,
    badInputs: 0,
    repliesLost: lost,
    filesCorrupted: state.invalid.length,
    line:
      `provider faults: ${survived}/${results.length} faults (${faults.length} kinds x OpenAI and Gemini) gave the documented events and codes, ` +
      `partial text saved and marked, others served meanwhile; replies lost ${lost}, files corrupted ${state.invalid.length}`,
  });
});

let conversationCount = 0;

function stream(config: string, file: string): Promise<RecordedStream> {
  return recordSse(
    apiUrl(server.url, 'workflow/chat_completion/complete_stream', {
      conversation_file: file,
      llm_config_file: config,
      include_doc: false,
    }),
  );
}

function expectedTypes(chunks: number, saved: boolean): string[] {
  return ['start', ...Array<string>(chunks).fill('chunk'), 'finish', ...(saved ? ['saved'] : []), 'error', 'end'];
}

for (const vendor of ['openai', 'gemini'] as const) {
  for (const fault of faults) {
    test(`${vendor}: ${fault.name} gives ${fault.code}, saves the partial text, and the server serves others meanwhile`, async () => {
      const fake = vendor === 'openai' ? openAi : gemini;
      fake.reset();
      fake.enqueue(...fault.replies);
      conversationCount++;
      const faulty = root.writeConversation(`faulty${conversationCount}`, chatSeed(`faulty${conversationCount}`));
      const other = root.writeConversation(`other${conversationCount}`, chatSeed(`other${conversationCount}`));
      const [faultStream, healthyStream] = await Promise.all([
        stream(`data/llm_configs/${vendor}.json`, faulty),
        stream('data/llm_configs/healthy.json', other),
      ]);

      const issues: string[] = [];
      let repliesLost = 0;
      const saved = fault.chunksBefore > 0;
      const types = eventTypes(faultStream);
      if (JSON.stringify(types) !== JSON.stringify(expectedTypes(fault.chunksBefore, saved))) issues.push(`events ${types.join(', ')}`);
      const error = eventsOfType(faultStream, 'error')[0];
      if (error?.['code'] !== fault.code)
        issues.push(`error code ${String(error?.['code'])}, expected ${fault.code}: ${String(error?.['message'])}`);
      if (eventsOfType(faultStream, 'finish')[0]?.['finish_reason'] !== 'error') issues.push('finish_reason is not "error"');
      const doc = JSON.parse(readFileSync(root.path(faulty), 'utf8')) as ConversationDoc;
      const generationId = String(eventsOfType(faultStream, 'start')[0]?.['generation_id']);
      const nodes = nodesOfGeneration(doc, generationId);
      if (saved) {
        const node = doc.nodes[nodes[0] ?? ''];
        if (nodes.length !== 1 || node?.content !== streamedText(faultStream)) {
          repliesLost++;
          issues.push(`the partial text is not saved once as streamed (nodes ${nodes.join(', ')})`);
        } else if (node.meta?.partial !== true || node.meta.error?.code !== fault.code) {
          issues.push(`the partial node is not marked: ${JSON.stringify(node.meta)}`);
        }
      } else if (nodes.length > 0) {
        issues.push(`an empty reply was saved as ${nodes.join(', ')}`);
      }
      const healthyTypes = eventTypes(healthyStream);
      if (healthyStream.status !== 200 || healthyTypes.at(-2) !== 'saved' || streamedText(healthyStream) !== pieces.join('')) {
        issues.push(`the healthy stream beside the fault did not complete: ${healthyTypes.join(', ')}`);
      }
      if (!server.alive()) issues.push('the server died');
      results.push({ name: `${vendor}: ${fault.name}`, survived: issues.length === 0, repliesLost });
      assert.equal(issues, []);
    });
  }
}

test('the server is still healthy after every fault', async () => {
  const response = await fetch(`${server.url}/health`);
  assert.is(response.status, 200);
  assert.ok(server.alive());
});

test.run();
