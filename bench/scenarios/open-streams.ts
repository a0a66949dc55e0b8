/**
 * @module Scenario 3, many open streams: 100 / 1,000 / 2,000 concurrent paced streams (64 chunks, 20–50 ms apart,
 * started evenly over one second), straight from the fake provider and through the engine. Per chunk the client
 * takes the gap it observed minus the gap the fake intended (the tag in the chunk), so "added gap" is the delay
 * the path put on that chunk. Also: lost or reordered frames (goal none), the engine's event-loop delay p99, and
 * its memory per open stream two ways: the peak resident memory during a measured level (garbage included), and,
 * in a separate pass per level so the forced collections cannot disturb the gaps, the memory the open streams
 * hold: V8 heap in use plus external memory after a full collection at the moment all streams are open, minus the
 * same before. Goal ≤ 30 KB per stream, checked on the held memory: resident memory after a collection is no use
 * as a difference, since V8 returns pages to the system when it pleases (it came out negative).
 */
import { createBenchRoot, shortChat } from '../bench-root.js';
import { measure, startEngine, type BenchContext } from '../harness.js';
import type { BenchProcess } from '../processes.js';
import { holdTailMs, type ReplyProfile } from '../reply-profile.js';
import { checkAtMost, collectNotes, type GoalCheck, type ScenarioResult } from '../scenario.js';
import { overTrials, quantile, round, type OverTrials } from '../stats.js';
import { streamOnce, type Origins, type StreamRecord, type TargetKind } from '../targets.js';

const profile: ReplyProfile = { firstTokenMs: 0, gapMinMs: 20, gapMaxMs: 50, chunkCount: 64, chunkSize: 8, tailMs: 0 };
const rampMs = 1000;
/** Warms the engine up (JIT, connection pools) without the paced wait. */
const warmUpProfile: ReplyProfile = { ...profile, gapMinMs: 0, gapMaxMs: 0 };
/** The memory pass: the same streams, held open after their last chunk until released. */
const holdProfile: ReplyProfile = { ...profile, tailMs: holdTailMs };

interface LevelTrial {
  added_gap_p50_ms: number;
  added_gap_p99_ms: number;
  streams_with_problems: number;
  failed_streams: number;
  first_problem?: string;
  memory_per_stream_kb: number;
  heap_per_stream_kb: number;
  event_loop_p99_ms: number;
  cpu_share: number;
  client_side_limited: boolean;
}

export interface MemoryPass {
  /**
   * What the open streams hold: V8 heap in use plus external memory after a full collection with all streams
   * open, minus the same before, per stream; never less than the heap alone, because external memory freed by
   * earlier work (buffers) can make its difference negative, which says nothing about the streams.
   */
  held_per_stream_kb: number;
  /** Of which the V8 heap. */
  live_heap_per_stream_kb: number;
  /** The external memory's own difference, per stream (may be negative, see above). */
  external_per_stream_kb: number;
  /** Resident memory at that moment minus after the collection before, per stream: the system's view, garbage and freed pages blur it. */
  resident_per_stream_kb: number;
  /** Streams still open when the sample was taken (all of them, unless the engine fell behind). */
  open_at_sample: number;
}

interface LevelRow {
  streams: number;
  target: TargetKind;
  added_gap_p50_ms: OverTrials;
  added_gap_p99_ms: OverTrials;
  streams_with_problems: number;
  failed_streams: number;
  first_problem?: string;
  /** The server's (engine's) resident memory per open stream; for `direct`, the fake provider's. */
  memory_per_stream_kb: OverTrials;
  /** The same for the V8 heap in use (peak minus before): what of it is JavaScript objects and their garbage. */
  heap_per_stream_kb: OverTrials;
  event_loop_p99_ms: OverTrials;
  cpu_share: OverTrials;
  client_side_limited_trials: number;
  /** Engine rows only. */
  memory?: MemoryPass;
}

export async function openStreams(context: BenchContext): Promise<ScenarioResult> {
  const settings = context.quick ? { trials: 1, levels: [200] } : { trials: 3, levels: [100, 1000, 2000] };
  const largest = Math.max(...settings.levels);
  const root = createBenchRoot(context.fake.url);
  for (const replyProfile of [profile, warmUpProfile, holdProfile]) root.writeConfig(replyProfile, 'openai');
  // One conversation per stream, as with that many users: no file is shared, none grows much.
  const conversations = Array.from({ length: largest }, (_, index) => root.writeConversation(`open-${index}`, shortChat.doc));
  const engine = await startEngine(context, root, 'open-streams');
  const origins: Origins = { fake: context.fake.url, engine: engine.url };
  const limits: string[] = [];
  const trials = new Map<string, LevelTrial[]>();
  const memory = new Map<number, MemoryPass>();
  try {
    await openAll('engine', origins, context.quick ? 10 : 50, conversations, [], warmUpProfile);
    for (let trial = 0; trial < settings.trials; trial++) {
      for (const streams of settings.levels) {
        for (const target of trial % 2 === 0 ? (['direct', 'engine'] as const) : (['engine', 'direct'] as const)) {
          const gaps: number[] = [];
          const { value, before, stats, verdict } = await measure(context, target === 'engine' ? engine : undefined, () =>
            openAll(target, origins, streams, conversations, gaps),
          );
          collectNotes(`${target}, ${streams} streams, trial ${trial + 1}`, verdict, limits);
          // For the engine its own memory; for direct the fake provider's, as a reference for a minimal server.
          const server = target === 'engine' ? stats.server! : stats.fake;
          const serverBefore = target === 'engine' ? before.server! : before.fake;
          const problems = value.records.filter((record) => record.problems.length > 0);
          const firstProblem = problems[0]?.problems[0] ?? value.errors[0];
          const levelTrial: LevelTrial = {
            added_gap_p50_ms: round(quantile(gaps, 0.5)),
            added_gap_p99_ms: round(quantile(gaps, 0.99)),
            streams_with_problems: problems.length,
            failed_streams: value.errors.length,
            ...(firstProblem === undefined ? {} : { first_problem: firstProblem }),
            memory_per_stream_kb: round((server.rss_peak_bytes - serverBefore.rss_bytes) / streams / 1024, 1),
            heap_per_stream_kb: round((server.heap_used_peak_bytes - serverBefore.heap_used_bytes) / streams / 1024, 1),
            event_loop_p99_ms: server.event_loop_p99_ms,
            cpu_share: server.cpu_share,
            client_side_limited: verdict.client_side_limited,
          };
          const key = `${streams}:${target}`;
          trials.set(key, [...(trials.get(key) ?? []), levelTrial]);
          context.log(
            `  ${target} ${streams} streams: added gap p50 ${levelTrial.added_gap_p50_ms} ms, p99 ${levelTrial.added_gap_p99_ms} ms, ` +
              `${levelTrial.streams_with_problems + levelTrial.failed_streams} bad streams, ${levelTrial.memory_per_stream_kb} KB/stream`,
          );
        }
      }
    }
    for (const streams of settings.levels) {
      memory.set(streams, await memoryPass(context, engine, 'engine', origins, streams, conversations));
      context.log(`  engine ${streams} streams, after a full collection: ${JSON.stringify(memory.get(streams))}`);
    }
  } finally {
    await engine.stop();
    root.cleanup();
  }
  const rows: LevelRow[] = settings.levels.flatMap((streams) =>
    (['direct', 'engine'] as const).map((target) => {
      const runs = trials.get(`${streams}:${target}`) ?? [];
      const firstProblem = runs.find((run) => run.first_problem !== undefined)?.first_problem;
      return {
        streams,
        target,
        added_gap_p50_ms: overTrials(runs.map((run) => run.added_gap_p50_ms)),
        added_gap_p99_ms: overTrials(runs.map((run) => run.added_gap_p99_ms)),
        streams_with_problems: runs.reduce((sum, run) => sum + run.streams_with_problems, 0),
        failed_streams: runs.reduce((sum, run) => sum + run.failed_streams, 0),
        ...(firstProblem === undefined ? {} : { first_problem: firstProblem }),
        memory_per_stream_kb: overTrials(runs.map((run) => run.memory_per_stream_kb)),
        heap_per_stream_kb: overTrials(runs.map((run) => run.heap_per_stream_kb)),
        event_loop_p99_ms: overTrials(runs.map((run) => run.event_loop_p99_ms)),
        cpu_share: overTrials(runs.map((run) => run.cpu_share)),
        client_side_limited_trials: runs.filter((run) => run.client_side_limited).length,
        ...(target === 'engine' && memory.has(streams) ? { memory: memory.get(streams)! } : {}),
      };
    }),
  );
  const engineRows = rows.filter((row) => row.target === 'engine');
  const directOf = (streams: number): LevelRow => rows.find((row) => row.target === 'direct' && row.streams === streams)!;
  const goals: GoalCheck[] = engineRows.flatMap((row) => {
    const bad = row.streams_with_problems + row.failed_streams;
    return [
      {
        scenario: '3 open streams',
        goal: `${row.streams} streams: no lost or reordered frames`,
        measured: bad === 0 ? 'none' : `${bad} streams (${row.first_problem ?? ''})`,
        met: bad === 0,
        ...(bad === 0 ? {} : { missed_by: `${bad} bad streams` }),
      },
      checkAtMost(
        '3 open streams',
        `${row.streams} streams: memory held ≤ 30 KB per open stream`,
        row.memory?.held_per_stream_kb ?? Number.NaN,
        30,
        'KB',
      ),
    ];
  });
  const mark = (row: LevelRow): string => (row.client_side_limited_trials > 0 ? ' ‡' : '');
  return {
    id: 'open_streams',
    title: '3. Many open streams (paced: 64 chunks, 20–50 ms apart)',
    settings: { ...settings, profile, ramp_ms: rampMs },
    rows,
    goals,
    window_notes: limits,
    markdown: [
      `${settings.trials} trial(s) per level; streams start evenly over ${rampMs} ms. Added gap = observed gap − intended gap, per chunk, pooled over the streams of a trial ` +
        "(median over trials). Peak memory: the server's peak resident (and heap) memory during the level minus its value before, per stream (for direct: the fake provider's). " +
        'Held: a separate pass per level whose streams the fake holds open after their last chunk; once all have streamed, V8 heap in use + external memory (of which heap) after a full collection, minus the same before, per open stream (never less than the heap alone). ' +
        '‡ = the fake provider or load generator was short of CPU in a trial.',
      '',
      '| streams | path | added gap p50 | added gap p99 | engine − direct p99 | bad streams | peak resident/stream (heap) | held/stream (heap) | event loop p99 | server CPU |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map((row) => {
        const versus =
          row.target === 'engine' ? `${round(row.added_gap_p99_ms.median - directOf(row.streams).added_gap_p99_ms.median)} ms` : '-';
        return (
          `| ${row.streams} | ${row.target}${mark(row)} | ${row.added_gap_p50_ms.median} ms | ${row.added_gap_p99_ms.median} ms | ${versus} | ` +
          `${row.streams_with_problems + row.failed_streams} | ${row.memory_per_stream_kb.median} KB (${row.heap_per_stream_kb.median} KB) | ` +
          `${row.memory ? `${row.memory.held_per_stream_kb} KB (${row.memory.live_heap_per_stream_kb} KB)${row.memory.open_at_sample < row.streams ? `, ${row.memory.open_at_sample} open` : ''}` : '-'} | ${row.event_loop_p99_ms.median} ms | ${Math.round(row.cpu_share.median * 100)}% |`
        );
      }),
    ],
  };
}

/**
 * Opens `count` streams evenly over the ramp and waits for all of them. Stream i goes to conversation i modulo
 * their number: fewer conversations than streams means several streams into each, which the engine takes (each
 * reply lands as its own sibling). Indexing past the end once sent requests without a `conversation_file`, and the
 * engine refused them (400 BAD_INPUT): scenario 8's 1,000 held streams over 256 conversations, read as a failure.
 */
async function openAll(
  target: TargetKind,
  origins: Origins,
  count: number,
  conversations: string[],
  gaps: number[],
  replyProfile: ReplyProfile = profile,
  progress: { finished: number; streamed: number } = { finished: 0, streamed: 0 },
): Promise<{ records: StreamRecord[]; errors: string[] }> {
  const records: StreamRecord[] = [];
  const errors: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const due = started + (index * rampMs) / count;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        records.push(
          await streamOnce(target, origins, {
            profile: replyProfile,
            dialect: 'openai',
            messages: shortChat.messages,
            conversation: { file: conversations[index % conversations.length]!, parentId: shortChat.parentId },
            addedGaps: gaps,
            onLastChunk: () => void progress.streamed++,
          }),
        );
      } catch (error) {
        errors.push((error as Error).message);
      }
      progress.finished++;
    }),
  );
  return { records, errors };
}

/**
 * Opens `streams` streams through `target` whose fake provider holds them open after their last chunk, waits
 * until every one has streamed all its chunks (so each is established in the server, the engine with its whole
 * event log), takes the server's memory after a full collection, then releases them. Waiting for all of them
 * matters: an overloaded server starts streams late, and a sample taken on a timer would count streams it had
 * not opened yet. `replyProfile` must hold its streams (tail `holdTailMs`).
 */
export async function memoryPass(
  context: BenchContext,
  server: BenchProcess,
  target: TargetKind,
  origins: Origins,
  streams: number,
  conversations: string[],
  replyProfile: ReplyProfile = holdProfile,
): Promise<MemoryPass> {
  const before = await server.collect();
  const progress = { finished: 0, streamed: 0 };
  const running = openAll(target, origins, streams, conversations, [], replyProfile, progress);
  const deadline = performance.now() + 180_000;
  while (progress.streamed + progress.finished < streams && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  // Streams that failed before streaming count as finished without having streamed: never below zero open.
  const openAtSample = Math.max(0, progress.streamed - progress.finished);
  const during = await server.collect();
  await context.fake.release();
  await running;
  const perStream = (bytes: number): number => round(bytes / Math.max(1, openAtSample) / 1024, 1);
  const heap = perStream(during.heap_used_bytes - before.heap_used_bytes);
  const external = perStream(during.external_bytes - before.external_bytes);
  return {
    held_per_stream_kb: round(Math.max(heap, heap + external), 1),
    live_heap_per_stream_kb: heap,
    external_per_stream_kb: external,
    resident_per_stream_kb: perStream(during.rss_bytes - before.rss_bytes),
    open_at_sample: openAtSample,
  };
}
