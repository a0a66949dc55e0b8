/**
 * @module Scenario 7, cost as work grows: how the cost of one reply grows with the size of its conversation
 * (about 10, 1,000 and 10,000 nodes: files of about 10 KB, 1 MB and 10 MB) and with the number of conversations
 * in `data/` (1 against 10,000; the others are short chats nobody touches). One fresh engine per pair of settings:
 * - start-up: spawn of `src/main.ts` → its `ready at` line (process start, module loading and the store's start);
 * - first chunk of `complete_stream`: request → first `chunk` frame, the first reply after the start (cold) and
 *   the replies after a warm-up, with the same request sent straight to the fake interleaved (added = engine − direct);
 * - save: the engine's `finish` frame (sent the moment the provider's stream ended, i.e. after its last chunk) →
 *   its `saved` frame (the node is durable on disk).
 * Replies go under the first user turn, so the prompt stays two messages and only loading and saving the tree
 * grow with the file. No goal is set: the question is the slope. Nothing may be O(all conversations) per request,
 * so the first-chunk and save figures at 10,000 conversations should match those at 1.
 */
import { makeConversation } from '../conversation-fixture.js';
import { createBenchRoot, shortChat, type BenchRoot } from '../bench-root.js';
import { processCpuMs } from '../cpu-load.js';
import { measure, startEngine, type BenchContext, type Verdict } from '../harness.js';
import type { BenchProcess } from '../processes.js';
import type { ReplyProfile } from '../reply-profile.js';
import { collectNotes, type ScenarioResult } from '../scenario.js';
import { median, quantile, round } from '../stats.js';
import { streamOnce, type StreamSpec } from '../targets.js';
import type { Message } from '../wire.js';

/** The fake answers at once: what grows is the engine's own cost. */
const profile: ReplyProfile = { firstTokenMs: 0, gapMinMs: 0, gapMaxMs: 0, chunkCount: 16, chunkSize: 8, tailMs: 0 };
const parentId = 'n_user1';
const target = 'growth-target';

interface Size {
  label: string;
  bytes: number;
}
const allSizes: Size[] = [
  { label: '~10 nodes', bytes: 10 * 1024 },
  { label: '~1,000 nodes', bytes: 1024 * 1024 },
  { label: '~10,000 nodes', bytes: 10 * 1024 * 1024 },
];

interface Row {
  size: string;
  nodes: number;
  file_bytes: number;
  conversations: number;
  startup_ms: { median: number; starts: number[] };
  /** After the last start's `ready at`: until the engine's CPU stays under 10% for 200 ms (work it left running). */
  ready_to_idle_ms: number;
  /** The engine's CPU time over the measured replies (warm-up excluded), per reply. */
  engine_cpu_per_reply_ms: number;
  /** The first reply after the (last) start: request → first chunk. */
  cold_first_chunk_ms: number;
  first_chunk_ms: { p50: number; p99: number };
  direct_first_chunk_p50_ms: number;
  added_first_chunk_p50_ms: number;
  finish_to_saved_ms: { p50: number; p99: number };
  replies: number;
  failures: number;
  first_failure?: string;
}

export async function growth(context: BenchContext): Promise<ScenarioResult> {
  const settings = context.quick
    ? // Quick: the size slope at 1 conversation, the count at the smallest size only (three starts, not four).
      { sizes: allSizes.slice(0, 2), counts: [1, 1000], starts: 1, replies: 5, warm_up: 1, many_counts_smallest_only: true }
    : { sizes: allSizes, counts: [1, 10_000], starts: 3, replies: 30, warm_up: 3, many_counts_smallest_only: false };
  const rows: Array<{ row: Row; verdict: Verdict }> = [];
  const notes: string[] = [];
  const filler = JSON.stringify(shortChat.doc, null, 2) + '\n';
  for (const count of settings.counts) {
    // One root per count: the fillers are written once, the measured conversation is rewritten per size while no engine runs.
    const root = createBenchRoot(context.fake.url);
    try {
      root.writeConfig(profile, 'openai');
      const written = performance.now();
      for (let index = 1; index < count; index++) root.writeConversation(`growth-filler-${index}`, filler);
      if (count > 1) context.log(`  wrote ${count - 1} filler conversations in ${Math.round(performance.now() - written)} ms`);
      for (const size of settings.sizes) {
        if (count > 1 && settings.many_counts_smallest_only && size !== settings.sizes[0]) continue;
        const row = await measureSize(context, root, size, count, settings);
        rows.push(row);
        collectNotes(`${size.label}, ${count} conversations`, row.verdict, notes);
        context.log(
          `  ${size.label} (${row.row.file_bytes} B), ${count} conversations: start-up ${row.row.startup_ms.median} ms, ` +
            `first chunk p50 ${row.row.first_chunk_ms.p50} ms (cold ${row.row.cold_first_chunk_ms} ms), finish→saved p50 ${row.row.finish_to_saved_ms.p50} ms`,
        );
      }
    } finally {
      root.cleanup();
    }
  }
  const table = rows.map((entry) => entry.row);
  return {
    id: 'growth',
    title: '7. Cost as work grows: conversation size and number of conversations',
    settings: { ...settings, sizes: settings.sizes.map((size) => size.label), profile, parent_id: parentId },
    rows: table,
    goals: [],
    window_notes: notes,
    markdown: [
      `One fresh engine per row; start-up: median of ${settings.starts} start${settings.starts === 1 ? '' : 's'} (spawn → \`ready at\`). ` +
        `${settings.replies} replies per row after ${settings.warm_up} warm-up, one at a time, under the first user turn (a two-message prompt). ` +
        'First chunk: request → first `chunk` frame; cold: the first reply after the start, once the engine is idle; direct: the same request to the fake, interleaved. ' +
        'Ready → idle: from `ready at` until the engine used under 10% of a CPU for 200 ms (start-up work left running after it listens; /proc has 10 ms ticks). ' +
        'Engine CPU per reply: its CPU time over the measured replies (from /proc, warm-up excluded) divided by their number. ' +
        "finish→saved: client time between the engine's `finish` frame (the provider's stream ended) and its `saved` frame. " +
        'The other conversations are short chats never touched; no goal: the figures at 10,000 conversations should match those at 1.',
      '',
      '| conversation | nodes | file | conversations in data/ | start-up | ready → idle | cold first chunk | first chunk p50 | p99 | added p50 | finish→saved p50 | p99 | engine CPU per reply |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...table.map(
        (row) =>
          `| ${row.size} | ${row.nodes.toLocaleString('en')} | ${formatBytes(row.file_bytes)} | ${row.conversations.toLocaleString('en')} | ` +
          `${row.startup_ms.median} ms | ${row.ready_to_idle_ms} ms | ${row.cold_first_chunk_ms} ms | ${row.first_chunk_ms.p50} ms | ${row.first_chunk_ms.p99} ms | ` +
          `${row.added_first_chunk_p50_ms} ms | ${row.finish_to_saved_ms.p50} ms | ${row.finish_to_saved_ms.p99} ms | ${row.engine_cpu_per_reply_ms} ms |`,
      ),
    ],
  };
}

async function measureSize(
  context: BenchContext,
  root: BenchRoot,
  size: Size,
  count: number,
  settings: { starts: number; replies: number; warm_up: number },
): Promise<{ row: Row; verdict: Verdict }> {
  const doc = makeConversation(size.bytes);
  const text = JSON.stringify(doc, null, 2) + '\n';
  const file = root.writeConversation(target, text);
  const messages: Message[] = [doc.nodes['n_root1']!, doc.nodes[parentId]!].map((node) => ({ role: node.role, content: node.content }));
  const spec: StreamSpec = { profile, dialect: 'openai', messages, conversation: { file, parentId } };
  const starts: number[] = [];
  let engine: BenchProcess | undefined;
  try {
    for (let start = 0; start < settings.starts; start++) {
      await engine?.stop();
      const started = performance.now();
      engine = await startEngine(context, root, 'growth');
      starts.push(performance.now() - started);
    }
    const running = engine!;
    const idleAfter = await waitForIdle(running);
    const origins = { fake: context.fake.url, engine: running.url };
    const firstChunks: number[] = [];
    const direct: number[] = [];
    const saves: number[] = [];
    let cold = Number.NaN;
    let failures = 0;
    let firstFailure: string | undefined;
    const reply = async (index: number): Promise<void> => {
      try {
        const record = await streamOnce('engine', origins, spec);
        const straight = await streamOnce('direct', origins, spec);
        if (
          record.problems.length > 0 ||
          record.firstChunkAt === undefined ||
          record.savedAt === undefined ||
          record.finishAt === undefined
        ) {
          failures++;
          firstFailure ??= record.problems.join('; ');
          return;
        }
        if (index === 0) cold = record.firstChunkAt - record.startedAt;
        if (index < settings.warm_up) return;
        firstChunks.push(record.firstChunkAt - record.startedAt);
        if (straight.firstChunkAt !== undefined) direct.push(straight.firstChunkAt - straight.startedAt);
        saves.push(record.savedAt - record.finishAt);
      } catch (error) {
        failures++;
        firstFailure ??= `${(error as Error).message}\n${running.stderrTail}`;
      }
    };
    for (let index = 0; index < settings.warm_up; index++) await reply(index);
    const { verdict, stats } = await measure(context, running, async () => {
      for (let index = settings.warm_up; index < settings.warm_up + settings.replies; index++) await reply(index);
    });
    if (firstFailure !== undefined)
      context.log(`  ${size.label}, ${count} conversations: ${failures} failed replies; first: ${firstFailure}`);
    const firstP50 = round(quantile(firstChunks, 0.5));
    const directP50 = round(quantile(direct, 0.5));
    const row: Row = {
      size: size.label,
      nodes: Object.keys(doc.nodes).length,
      file_bytes: Buffer.byteLength(text),
      conversations: count,
      startup_ms: { median: round(median(starts), 0), starts: starts.map((value) => round(value, 0)) },
      ready_to_idle_ms: round(idleAfter, 0),
      engine_cpu_per_reply_ms: stats.server ? round(stats.server.cpu_ms / settings.replies) : Number.NaN,
      cold_first_chunk_ms: round(cold),
      first_chunk_ms: { p50: firstP50, p99: round(quantile(firstChunks, 0.99)) },
      direct_first_chunk_p50_ms: directP50,
      added_first_chunk_p50_ms: round(firstP50 - directP50),
      finish_to_saved_ms: { p50: round(quantile(saves, 0.5)), p99: round(quantile(saves, 0.99)) },
      replies: firstChunks.length,
      failures,
      ...(firstFailure === undefined ? {} : { first_failure: firstFailure }),
    };
    return { row, verdict };
  } finally {
    await engine?.stop();
  }
}

/** Milliseconds from now until a 200 ms window in which the engine used under 10% of a CPU (at most 60 s). */
async function waitForIdle(engine: BenchProcess): Promise<number> {
  const started = performance.now();
  let before = processCpuMs(engine.child.pid);
  while (performance.now() - started < 60_000) {
    const windowStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = processCpuMs(engine.child.pid);
    if (before === undefined || after === undefined) return Number.NaN;
    if ((after - before) / (performance.now() - windowStarted) < 0.1) return windowStarted - started;
    before = after;
  }
  return Number.NaN;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${round(bytes / (1024 * 1024), 1)} MB`;
  return `${round(bytes / 1024, 1)} KB`;
}
