/**
 * @module Held streams sharing conversations: opens N `complete_stream` streams over C conversations (stream i into
 * conversation i mod C, all on the same parent), the fake provider holding each open after its last chunk, waits
 * until each has streamed or failed, releases them, and prints every failure grouped by its exact text, with the
 * engine's stderr. Scenario 8's memory pass once ran 1,000 held streams over 256 conversations this way.
 *
 *   node --import tsx bench/shared-held.ts [--streams=200] [--conversations=50] [--chunks=64] [--no-wrap]
 *
 * `--no-wrap` replays that pass's old mistake: stream i into conversation i, none past the last (no
 * `conversation_file`, so the engine answers 400 BAD_INPUT).
 *
 * Not part of `npm run bench`; nothing here asserts a figure.
 */
import { readFileSync } from 'node:fs';
import { createBenchRoot, shortChat } from './bench-root.js';
import { repositoryRoot } from './harness.js';
import { startProcess } from './processes.js';
import { holdTailMs, type ReplyProfile } from './reply-profile.js';
import { streamOnce } from './targets.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number =>
  Number(argv.find((argument) => argument.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const streams = option('streams', 200);
const conversationCount = option('conversations', 50);
const holdProfile: ReplyProfile = {
  firstTokenMs: 0,
  gapMinMs: 0,
  gapMaxMs: 0,
  chunkCount: option('chunks', 64),
  chunkSize: 8,
  tailMs: holdTailMs,
};
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const fake = await startProcess({
  name: 'fake provider',
  nodeArgs: ['--import', 'tsx', 'bench/fake-provider.ts'],
  cpu: undefined,
  cwd: repositoryRoot,
  readyFrom: 'ipc',
});
const root = createBenchRoot(fake.url);
root.writeConfig(holdProfile, 'openai');
const conversations = Array.from({ length: conversationCount }, (_, index) => root.writeConversation(`shared-${index}`, shortChat.doc));
const engine = await startProcess({
  name: 'engine',
  nodeArgs: ['--import', 'tsx', '--import', new URL('./engine-probe.ts', import.meta.url).pathname, 'src/main.ts'],
  cpu: undefined,
  cwd: repositoryRoot,
  env: { BRANCHFLOW_ROOT: root.root, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' },
  readyFrom: 'stdout',
});
try {
  const progress = { streamed: 0, finished: 0 };
  const failures = new Map<string, number>();
  const saved = new Map<string, string[]>();
  const fail = (text: string): void => void failures.set(text, (failures.get(text) ?? 0) + 1);
  const started = performance.now();
  const running = Promise.all(
    Array.from({ length: streams }, async (_, index) => {
      const wait = started + (index * 1000) / streams - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        const file = argv.includes('--no-wrap') ? conversations[index] : conversations[index % conversationCount]!;
        const record = await streamOnce(
          'engine',
          { fake: fake.url, engine: engine.url },
          {
            profile: holdProfile,
            dialect: 'openai',
            messages: shortChat.messages,
            conversation: { file: file!, parentId: shortChat.parentId },
            onLastChunk: () => void progress.streamed++,
          },
        );
        if (record.problems.length > 0) fail(record.problems.join('; '));
        if (file !== undefined && record.nodeId !== undefined) saved.set(file, [...(saved.get(file) ?? []), record.nodeId]);
      } catch (error) {
        fail((error as Error).message);
      }
      progress.finished++;
    }),
  );
  const deadline = performance.now() + 120_000;
  while (progress.streamed + progress.finished < streams && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  log(
    `${streams} streams over ${conversationCount} conversations: ${progress.streamed} streamed, ${progress.finished} finished before release (${Math.round(performance.now() - started)} ms)`,
  );
  await fake.release();
  await running;
  const failed = [...failures.values()].reduce((sum, count) => sum + count, 0);
  log(`${failed} failed`);
  for (const [text, count] of failures) log(`  ${count} × ${text}`);
  // Every reply the engine said it saved is in its conversation, under the one parent: none lost.
  await engine.stop();
  let missing = 0;
  let onDisk = 0;
  for (const [file, nodeIds] of saved) {
    const doc = JSON.parse(readFileSync(root.path(file), 'utf8')) as { children: Record<string, string[]> };
    const children = new Set(doc.children[shortChat.parentId] ?? []);
    onDisk += children.size;
    missing += nodeIds.filter((nodeId) => !children.has(nodeId)).length;
  }
  log(`${[...saved.values()].flat().length} replies reported saved, ${onDisk} under the parent on disk, ${missing} missing`);
} finally {
  log(`engine stderr (tail):\n${engine.stderrTail}`);
  await engine.stop();
  await fake.stop();
  root.cleanup();
}
