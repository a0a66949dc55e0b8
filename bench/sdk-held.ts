/**
 * @module The floor under scenario 3's held memory: what an open upstream request costs on its own, without the
 * engine. Starts the fake provider, then in this process opens N streamed chat completions held open after their
 * last chunk, three ways: the `openai` SDK iterated as the engine iterates it (undici fetch, web streams, the SDK's
 * SSE decoder), bare `fetch` with its body read by a reader, and `node:http` with the body read as a Node stream.
 * Prints V8 heap in use + external after a full collection, minus before, per open request.
 *
 *   node --expose-gc --import tsx bench/sdk-held.ts [--streams=1000]
 */
import { request as httpRequest, Agent } from 'node:http';
import OpenAI from 'openai';
import { repositoryRoot } from './harness.js';
import { startProcess } from './processes.js';
import { holdTailMs, profileSegment, type ReplyProfile } from './reply-profile.js';

const streams = Number(process.argv.find((argument) => argument.startsWith('--streams='))?.slice(10) ?? 1000);
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('run with node --expose-gc');
const profile: ReplyProfile = { firstTokenMs: 0, gapMinMs: 0, gapMaxMs: 0, chunkCount: 64, chunkSize: 8, tailMs: holdTailMs };

const fake = await startProcess({
  name: 'fake provider',
  nodeArgs: ['--import', 'tsx', 'bench/fake-provider.ts'],
  cpu: undefined,
  cwd: repositoryRoot,
  readyFrom: 'ipc',
});
const baseURL = `${fake.url}/${profileSegment(profile)}/v1`;
const body = { model: 'bench-model', messages: [{ role: 'user' as const, content: 'Hello' }], stream: true as const };

function used(): number {
  collect!();
  collect!();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/** Opens `streams` requests with `open`, each resolving once its last chunk is read (and the read after it is pending). */
async function measure(label: string, open: () => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: 20 }, open)); // warm-up (pools, JIT), then released
  await fake.release();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = used();
  await Promise.all(Array.from({ length: streams }, open));
  const during = used();
  await fake.release();
  await new Promise((resolve) => setTimeout(resolve, 500));
  process.stdout.write(`| ${label} | ${((during - before) / streams / 1024).toFixed(1)} KB |\n`);
}

const held: Promise<unknown>[] = [];
const client = new OpenAI({ baseURL, apiKey: 'bench', maxRetries: 0 });
const sdk = async (): Promise<void> => {
  const stream = await client.chat.completions.create(body);
  const iterator = stream[Symbol.asyncIterator]();
  for (let chunk = 0; chunk < profile.chunkCount + 1; chunk++) await iterator.next(); // the role frame, then 64 texts
  held.push(iterator.next());
};

const bareFetch = async (): Promise<void> => {
  const response = await fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  // Only the tail is kept: the frames' text is the reader's, not the transport's.
  let text = '';
  while (!text.includes(`${profile.chunkCount - 1}.`)) text = (text + decoder.decode((await reader.read()).value)).slice(-64);
  held.push(reader.read());
};

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const bareHttp = (): Promise<void> =>
  new Promise((resolve, reject) => {
    const url = new URL(`${baseURL}/chat/completions`);
    const request = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text = (text + chunk).slice(-64);
          if (text.includes(`${profile.chunkCount - 1}.`)) resolve();
        });
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });

try {
  process.stdout.write(`${streams} open requests, each after its last chunk\n\n| client | held per open request |\n|---|---|\n`);
  await measure('openai SDK (undici fetch, web streams, SSE decoder)', sdk);
  await measure('bare fetch (undici), body reader', bareFetch);
  await measure('node:http request, body as a Node stream', bareHttp);
} finally {
  await Promise.allSettled(held);
  await fake.stop();
}
