/**
 * @module Scenario 8, a real peer in the same table: Portkey's open-source gateway (bench/peer-gateway.ts) beside
 * the bare relay and the engine, on the same fake provider and load generator, in one run, OpenAI wire. The engine
 * twice: persisting (`complete_stream` / `complete`, the reply saved into a conversation) and stateless
 * (`modules/llm_api/chat_stream` / `chat`: the given messages to the provider, nothing saved), since a gateway
 * saves nothing. Three figures: added latency one request at a time (first chunk, and the whole non-streamed
 * answer; added = path − direct, per percentile and trial), capacity (closed loop, most streams/s at a
 * concurrency whose p99 ≤ 50 ms with no failure) and memory per open stream (streams held open by the fake after
 * their last chunk; heap + external after a full collection, minus before). No goal: a comparison.
 */
import { createBenchRoot, shortChat } from '../bench-root.js';
import { measure, startEngine, startPeer, startRelay, type BenchContext } from '../harness.js';
import type { BenchProcess } from '../processes.js';
import { holdTailMs, instantProfile, type ReplyProfile } from '../reply-profile.js';
import { collectNotes, type ScenarioResult } from '../scenario.js';
import { overTrials, quantile, ratio, round, type OverTrials } from '../stats.js';
import { completeOnce, streamOnce, type Origins, type StreamSpec, type TargetKind } from '../targets.js';
import { closedLoop, type ClosedLoopRun } from './capacity.js';
import { memoryPass, type MemoryPass } from './open-streams.js';

const latencyProfile: ReplyProfile = { firstTokenMs: 0, gapMinMs: 0, gapMaxMs: 0, chunkCount: 16, chunkSize: 8, tailMs: 0 };
const capacityProfile = instantProfile;
/** All 64 chunks at once, then held open until released: memory is sampled with every stream established. */
const holdProfile: ReplyProfile = { firstTokenMs: 0, gapMinMs: 0, gapMaxMs: 0, chunkCount: 64, chunkSize: 8, tailMs: holdTailMs };
const latencyLimitMs = 50;
const servers = ['relay', 'peer', 'stateless', 'engine'] as const;
type Server = (typeof servers)[number];
const paths: TargetKind[] = ['direct', ...servers];

const labels: Record<TargetKind, string> = {
  direct: 'direct (fake provider)',
  relay: 'bare relay',
  peer: 'Portkey gateway 1.15.2',
  stateless: 'engine, stateless (`chat_stream` / `chat`)',
  engine: 'engine, persisting (`complete_stream` / `complete`)',
};

interface LatencyRow {
  p50_ms: OverTrials;
  p99_ms: OverTrials;
  added_p50_ms: OverTrials;
  added_p99_ms: OverTrials;
}

interface Row {
  path: TargetKind;
  first_chunk: LatencyRow;
  whole_answer: LatencyRow;
  /** Servers only. */
  capacity_streams_per_s?: OverTrials;
  peak_streams_per_s?: OverTrials;
  capacity_failures?: number;
  first_failure?: string;
  memory?: MemoryPass;
}

export async function peers(context: BenchContext): Promise<ScenarioResult> {
  const settings = context.quick
    ? {
        latency_trials: 1,
        requests_per_trial: 12,
        warm_up: 4,
        capacity_trials: 1,
        concurrency: [8],
        measure_ms: 250,
        warm_up_ms: 150,
        held_streams: 50,
      }
    : {
        latency_trials: 3,
        requests_per_trial: 100,
        warm_up: 20,
        capacity_trials: 2,
        concurrency: [1, 8, 32, 64],
        measure_ms: 1000,
        warm_up_ms: 300,
        held_streams: 1000,
      };
  const root = createBenchRoot(context.fake.url);
  for (const profile of [latencyProfile, capacityProfile, holdProfile]) root.writeConfig(profile, 'openai');
  // As in scenarios 2 and 3: replies spread over many conversations, one per held stream, so the held memory
  // compares with scenario 3's. (1,000 held streams over 256 conversations once "mostly failed before streaming":
  // the memory pass indexed past the 256 and sent 744 requests without a conversation_file, refused with 400
  // BAD_INPUT; it now wraps around, and the engine takes ~4 held streams per conversation, bench/shared-held.ts.)
  const conversationCount = Math.max(256, settings.held_streams);
  const conversations = Array.from({ length: conversationCount }, (_, index) => root.writeConversation(`peers-${index}`, shortChat.doc));
  const engine = await startEngine(context, root, 'peers');
  const relay = await startRelay(context);
  const peer = await startPeer(context);
  const origins: Origins = { fake: context.fake.url, relay: relay.url, peer: peer.url, engine: engine.url };
  const processOf: Record<Server, BenchProcess> = { relay, peer, stateless: engine, engine };
  const limits: string[] = [];
  let counter = 0;
  const spec = (profile: ReplyProfile): StreamSpec => ({
    profile,
    dialect: 'openai',
    messages: shortChat.messages,
    conversation: { file: conversations[counter++ % conversationCount]!, parentId: shortChat.parentId },
  });
  const latency = new Map<string, LatencyRow>();
  const capacityRuns = new Map<Server, ClosedLoopRun[][]>();
  const memory = new Map<Server, MemoryPass>();
  try {
    for (const measureOf of ['first chunk', 'whole answer'] as const) {
      const once = async (kind: TargetKind): Promise<number> => {
        try {
          return await onceFrom(kind);
        } catch (error) {
          // A kept-alive socket the server closed as it was reused (Portkey's server keeps idle sockets 5 s, the
          // default): the request never reached a handler, so it is sent again, once, and the retry is reported.
          if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw new Error(`${kind}: ${(error as Error).message}`);
          limits.push(`${measureOf}: ${kind} connection reset before an answer, sent again`);
          return onceFrom(kind);
        }
      };
      const onceFrom = async (kind: TargetKind): Promise<number> => {
        if (measureOf === 'whole answer') {
          const answer = await completeOnce(kind, origins, spec(latencyProfile));
          return answer.endedAt - answer.startedAt;
        }
        const record = await streamOnce(kind, origins, spec(latencyProfile));
        if (record.problems.length > 0) throw new Error(`${kind} stream: ${record.problems.join('; ')}`);
        return record.firstChunkAt! - record.startedAt;
      };
      for (let index = 0; index < settings.warm_up; index++) for (const kind of paths) await once(kind);
      const perTrial = new Map<TargetKind, { p50: number[]; p99: number[] }>(paths.map((kind) => [kind, { p50: [], p99: [] }]));
      for (let trial = 0; trial < settings.latency_trials; trial++) {
        const { value, verdict } = await measure(context, undefined, async () => {
          const samples = new Map<TargetKind, number[]>(paths.map((kind) => [kind, []]));
          for (let index = 0; index < settings.requests_per_trial; index++) {
            // Each path goes first in turn, so a slow moment is not always charged to the same one.
            for (let step = 0; step < paths.length; step++) {
              const kind = paths[(index + step) % paths.length]!;
              samples.get(kind)!.push(await once(kind));
            }
          }
          return samples;
        });
        collectNotes(`${measureOf}, trial ${trial + 1}`, verdict, limits);
        for (const kind of paths) {
          perTrial.get(kind)!.p50.push(quantile(value.get(kind)!, 0.5));
          perTrial.get(kind)!.p99.push(quantile(value.get(kind)!, 0.99));
        }
      }
      const direct = perTrial.get('direct')!;
      for (const kind of paths) {
        const own = perTrial.get(kind)!;
        latency.set(`${measureOf}:${kind}`, {
          p50_ms: overTrials(own.p50),
          p99_ms: overTrials(own.p99),
          added_p50_ms: overTrials(own.p50.map((value, trial) => value - direct.p50[trial]!)),
          added_p99_ms: overTrials(own.p99.map((value, trial) => value - direct.p99[trial]!)),
        });
      }
      context.log(
        `  ${measureOf}, added p50: ${servers.map((kind) => `${kind} ${latency.get(`${measureOf}:${kind}`)!.added_p50_ms.median} ms`).join(', ')}`,
      );
    }

    for (const kind of servers) await closedLoop(kind, origins, () => spec(capacityProfile), 8, context.quick ? 200 : 500, 0);
    for (let trial = 0; trial < settings.capacity_trials; trial++) {
      for (const [levelIndex, concurrency] of settings.concurrency.entries()) {
        const order = servers.map((_, index) => servers[(index + trial + levelIndex) % servers.length]!);
        for (const kind of order) {
          const { value, verdict } = await measure(context, processOf[kind], () =>
            closedLoop(kind, origins, () => spec(capacityProfile), concurrency, settings.measure_ms, settings.warm_up_ms),
          );
          collectNotes(`${kind} at ${concurrency} concurrent, trial ${trial + 1}`, verdict, limits);
          const runs = capacityRuns.get(kind) ?? [];
          (runs[trial] ??= []).push(value);
          capacityRuns.set(kind, runs);
        }
      }
    }
    context.log(`  capacity done`);

    for (const kind of servers) {
      memory.set(kind, await memoryPass(context, processOf[kind], kind, origins, settings.held_streams, conversations, holdProfile));
      context.log(`  ${kind}, ${settings.held_streams} held streams: ${memory.get(kind)!.held_per_stream_kb} KB each`);
    }
  } finally {
    await Promise.all([engine.stop(), relay.stop(), peer.stop()]);
    root.cleanup();
  }

  const bestOf = (runs: ClosedLoopRun[], withinLimit: boolean): number =>
    Math.max(
      0,
      ...runs.filter((run) => !withinLimit || (run.p99_ms <= latencyLimitMs && run.failures === 0)).map((run) => run.streams_per_s),
    );
  const rows: Row[] = paths.map((path) => {
    const row: Row = { path, first_chunk: latency.get(`first chunk:${path}`)!, whole_answer: latency.get(`whole answer:${path}`)! };
    if (path === 'direct') return row;
    const trials = capacityRuns.get(path) ?? [];
    const failed = trials.flat().find((run) => run.first_failure !== undefined)?.first_failure;
    return {
      ...row,
      capacity_streams_per_s: overTrials(trials.map((runs) => bestOf(runs, true))),
      peak_streams_per_s: overTrials(trials.map((runs) => bestOf(runs, false))),
      capacity_failures: trials.flat().reduce((sum, run) => sum + run.failures, 0),
      ...(failed === undefined ? {} : { first_failure: failed }),
      ...(memory.has(path) ? { memory: memory.get(path)! } : {}),
    };
  });
  const relayRow = rows.find((row) => row.path === 'relay')!;
  const spread = (value: OverTrials): string => `${value.median} (${value.min}…${value.max})`;
  const versusRelay = (value: number | undefined, relayValue: number | undefined): string =>
    value === undefined || relayValue === undefined || ratio(value, relayValue) === null ? '-' : `${ratio(value, relayValue)}×`;
  return {
    id: 'peers',
    title: '8. A real peer in the same table (OpenAI wire)',
    settings: {
      ...settings,
      latency_profile: latencyProfile,
      capacity_profile: capacityProfile,
      hold_profile: holdProfile,
      latency_limit_ms: latencyLimitMs,
    },
    rows,
    goals: [],
    window_notes: limits,
    markdown: [
      `Latency: ${settings.latency_trials} trial(s) × ${settings.requests_per_trial} requests per path, the paths in turn request by request; ` +
        `fake answers at once (${latencyProfile.chunkCount} chunks). Added = path − direct, per percentile and trial, in ms: median over trials (min…max). ` +
        `Capacity: closed loop at ${settings.concurrency.join(', ')} concurrent, ${settings.capacity_trials} trial(s) of ${settings.measure_ms} ms, ` +
        `${capacityProfile.chunkCount}-chunk streams; most streams/s with p99 ≤ ${latencyLimitMs} ms and no failure, and the peak at any latency. ` +
        `Memory: ${settings.held_streams} streams held open after their ${holdProfile.chunkCount} chunks; heap + external after a full collection, minus before, per stream (of which heap).`,
      '',
      '| path | first chunk p50 | added p50 | added p99 | whole answer p50 | added p50 | added p99 | capacity streams/s | ×relay | peak streams/s | held/stream (heap) |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map((row) => {
        const serverCells =
          row.capacity_streams_per_s === undefined
            ? '- | - | - | -'
            : `${row.capacity_streams_per_s.median}${row.capacity_failures ? ` (${row.capacity_failures} failed)` : ''} | ` +
              `${versusRelay(row.capacity_streams_per_s.median, relayRow.capacity_streams_per_s?.median)} | ${row.peak_streams_per_s!.median} | ` +
              `${row.memory ? `${row.memory.held_per_stream_kb} KB (${row.memory.live_heap_per_stream_kb} KB)${row.memory.open_at_sample < settings.held_streams ? `, ${row.memory.open_at_sample} open` : ''}` : '-'}`;
        return (
          `| ${labels[row.path]} | ${row.first_chunk.p50_ms.median} | ${row.path === 'direct' ? '-' : spread(row.first_chunk.added_p50_ms)} | ` +
          `${row.path === 'direct' ? '-' : round(row.first_chunk.added_p99_ms.median)} | ${row.whole_answer.p50_ms.median} | ` +
          `${row.path === 'direct' ? '-' : spread(row.whole_answer.added_p50_ms)} | ${row.path === 'direct' ? '-' : round(row.whole_answer.added_p99_ms.median)} | ${serverCells} |`
        );
      }),
    ],
  };
}
