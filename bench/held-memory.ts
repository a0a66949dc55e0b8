/**
 * @module The memory an engine holds per open stream (scenario 3's "held" figure), for one or more checkouts side by
 * side: each round opens N `complete_stream` streams that the fake provider holds open after their last chunk,
 * waits until every one has streamed, and reads V8 heap in use + external memory after a full collection, minus
 * the same before. Engines take turns round by round. With `--snapshot`, one more round per engine writes a heap
 * snapshot before and during, and prints what the new objects are, by owner and by constructor (`heap-diff.ts`).
 *
 *   node --import tsx bench/held-memory.ts [--engine=label:/path/to/checkout]... [--streams=1000,2000] [--rounds=2]
 *     [--snapshot=200] [--keep-snapshots] [--chunks=64] [--gaps=20_50] [--conversation=100000]
 *
 * Without `--engine` it measures this checkout. Not part of `npm run bench`; nothing here asserts a figure.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createBenchRoot, shortChat } from './bench-root.js';
import { makeConversation } from './conversation-fixture.js';
import { enginesFromArguments, startClientSide } from './harness.js';
import { diffSnapshots, groupTable } from './heap-diff.js';
import type { ProcessStats } from './process-monitor.js';
import { startProcess, type BenchProcess } from './processes.js';
import { holdTailMs, type ReplyProfile } from './reply-profile.js';
import { freshConnections } from './sse-reader.js';
import { median } from './stats.js';
import { streamOnce, type Origins } from './targets.js';

const argv = process.argv.slice(2);
const optionText = (name: string): string | undefined => argv.find((argument) => argument.startsWith(`--${name}=`))?.slice(name.length + 3);
const levels = (optionText('streams') ?? '1000,2000').split(',').map(Number);
const rounds = Number(optionText('rounds') ?? 2);
const snapshotStreams = optionText('snapshot') === undefined ? 0 : Number(optionText('snapshot'));
/** Leaves the snapshots in /tmp for `heap-diff.ts --explain`. */
const keepSnapshots = argv.includes('--keep-snapshots');
const engines = enginesFromArguments(argv);

/** Scenario 3's stream, held open after its last chunk; `--chunks=` and `--gaps=min_max` (ms) change it, to see what grows per chunk. */
const [gapMinMs = 20, gapMaxMs = 50] = (optionText('gaps') ?? '20_50').split('_').map(Number);
const holdProfile: ReplyProfile = {
  firstTokenMs: 0,
  gapMinMs,
  gapMaxMs,
  chunkCount: Number(optionText('chunks') ?? 64),
  chunkSize: 8,
  tailMs: holdTailMs,
};
/**
 * `--conversation=BYTES`: each stream replies in a realistic conversation of about that size (conversation-fixture.ts)
 * under its last node, instead of the short chat: what an open stream holds of the prompt it sent.
 */
const conversationBytes = optionText('conversation') === undefined ? 0 : Number(optionText('conversation'));
const chat =
  conversationBytes > 0
    ? ((doc) => ({ doc, parentId: doc.active_path.at(-1)!, messages: shortChat.messages }))(makeConversation(conversationBytes))
    : shortChat;
const warmUpProfile: ReplyProfile = { ...holdProfile, gapMinMs: 0, gapMaxMs: 0, tailMs: 0 };
const rampMs = 1000;

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const probe = fileURLToPath(new URL('./engine-probe.ts', import.meta.url));
const heapProbe = fileURLToPath(new URL('./heap-probe.ts', import.meta.url));

const { pinning, fake } = await startClientSide();
const root = createBenchRoot(fake.url);
for (const profile of [holdProfile, warmUpProfile]) root.writeConfig(profile, 'openai');
const largest = Math.max(...levels, snapshotStreams);
const conversations = Array.from({ length: largest }, (_, index) => root.writeConversation(`held-${index}`, chat.doc));

interface Measured {
  held: number;
  heap: number;
  external: number;
}
interface Target {
  label: string;
  process: BenchProcess;
  byLevel: Map<number, Measured[]>;
}

const targets: Target[] = [];
try {
  for (const { label, directory } of engines) {
    const engine = await startProcess({
      name: `engine ${label}`,
      nodeArgs: ['--import', 'tsx', '--import', probe, '--import', heapProbe, 'src/main.ts'],
      cpu: pinning.engineCpu,
      cwd: directory,
      env: { BRANCHFLOW_ROOT: root.root, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      readyFrom: 'stdout',
    });
    targets.push({ label, process: engine, byLevel: new Map() });
    await openHeld(engine, 50, warmUpProfile); // JIT, connection pools
  }
  for (let round = 0; round < rounds; round++) {
    const order = targets.map((_, index) => targets[(index + round) % targets.length]!);
    for (const streams of levels) {
      for (const target of order) {
        const measured = await heldPass(target.process, streams);
        target.byLevel.set(streams, [...(target.byLevel.get(streams) ?? []), measured]);
        log(`round ${round + 1}, ${target.label}, ${streams} streams: ${JSON.stringify(measured)}`);
      }
    }
  }
  const lines = [
    `Held memory per open stream (V8 heap in use + external after a full collection, minus before), ${conversationBytes > 0 ? `conversations of ${conversationBytes} bytes, ` : ''}${rounds} rounds, engines interleaved; median (min…max). ${pinning.description}.`,
    '',
    '| engine | streams | held / stream | of which heap | external |',
    '|---|---|---|---|---|',
  ];
  for (const streams of levels) {
    for (const target of targets) {
      const runs = target.byLevel.get(streams) ?? [];
      const spread = (values: number[]): string =>
        `${median(values).toFixed(1)} KB (${Math.min(...values).toFixed(1)}…${Math.max(...values).toFixed(1)})`;
      lines.push(
        `| ${target.label} | ${streams} | ${spread(runs.map((run) => run.held))} | ${spread(runs.map((run) => run.heap))} | ${spread(runs.map((run) => run.external))} |`,
      );
    }
  }
  if (snapshotStreams > 0) {
    for (const target of targets) {
      const files = { before: `/tmp/held-${target.label}-before.heapsnapshot`, during: `/tmp/held-${target.label}-during.heapsnapshot` };
      const measured = await heldPass(target.process, snapshotStreams, files);
      log(`snapshots of ${target.label} written; analysing`);
      const diff = diffSnapshots(files.before, files.during);
      lines.push(
        '',
        `### ${target.label}: ${snapshotStreams} open streams, ${measured.held.toFixed(1)} KB held each; new objects in the snapshot ${(diff.newBytes / snapshotStreams / 1024).toFixed(1)} KB each`,
        '',
        ...groupTable('owner (nearest dominator)', diff.byOwner, snapshotStreams),
        '',
        ...groupTable('constructor', diff.byConstructor, snapshotStreams),
      );
      if (!keepSnapshots) for (const file of Object.values(files)) rmSync(file, { force: true });
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
} catch (error) {
  log(`fake provider's stderr:\n${fake.stderrTail}`);
  for (const target of targets) log(`${target.label}'s stderr:\n${target.process.stderrTail}`);
  throw error;
} finally {
  for (const target of targets) await target.process.stop();
  await fake.stop();
  root.cleanup();
}

/** Opens `streams` held streams, samples the engine once all have streamed, releases them. */
async function heldPass(engine: BenchProcess, streams: number, snapshots?: { before: string; during: string }): Promise<Measured> {
  freshConnections();
  const before = await engine.collect();
  if (snapshots) await snapshot(engine, snapshots.before);
  const progress = { streamed: 0, finished: 0 };
  const running = openHeld(engine, streams, holdProfile, progress);
  const deadline = performance.now() + 180_000;
  while (progress.streamed + progress.finished < streams && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const open = Math.max(1, progress.streamed - progress.finished);
  const during: ProcessStats = await engine.collect();
  if (snapshots) await snapshot(engine, snapshots.during);
  await fake.release();
  const errors = await running;
  if (errors.length > 0) throw new Error(`${errors.length} streams failed: ${errors[0]}`);
  if (open < streams) log(`only ${open} of ${streams} streams were open at the sample`);
  const perStream = (bytes: number): number => bytes / open / 1024;
  const heap = perStream(during.heap_used_bytes - before.heap_used_bytes);
  const external = perStream(during.external_bytes - before.external_bytes);
  return { held: Math.max(heap, heap + external), heap, external };
}

async function openHeld(
  engine: BenchProcess,
  count: number,
  profile: ReplyProfile,
  progress = { streamed: 0, finished: 0 },
): Promise<string[]> {
  const origins: Origins = { fake: fake.url, engine: engine.url };
  const errors: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const wait = started + (index * rampMs) / count - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        const record = await streamOnce('engine', origins, {
          profile,
          dialect: 'openai',
          messages: chat.messages,
          conversation: { file: conversations[index]!, parentId: chat.parentId },
          onLastChunk: () => void progress.streamed++,
        });
        if (record.problems.length > 0) errors.push(record.problems.join('; '));
      } catch (error) {
        errors.push((error as Error).message);
      }
      progress.finished++;
    }),
  );
  return errors;
}

function snapshot(engine: BenchProcess, file: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (message: { type?: string; file?: string }): void => {
      if (message.type !== 'heap-snapshot-written' || message.file !== file) return;
      engine.child.off('message', listener);
      resolve();
    };
    engine.child.on('message', listener);
    engine.child.send({ type: 'heap-snapshot', file });
  });
}
