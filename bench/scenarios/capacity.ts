/**
 * @module Scenario 2, capacity: a closed-loop sweep of 1→256 concurrent clients, each streaming replies back to
 * back from a fake provider that answers at once (32 chunks), against the fake directly, a bare node:http relay
 * (the floor) and the engine's `complete_stream`. Capacity = the most completed streams per second at any
 * concurrency whose stream time p99 stays ≤ 50 ms with no failures. Goal: engine ≥ 0.5× the bare relay.
 */
import { createBenchRoot, shortChat } from '../bench-root.js';
import { measure, startEngine, startRelay, type BenchContext } from '../harness.js';
import type { BenchProcess } from '../processes.js';
import { instantProfile } from '../reply-profile.js';
import { collectNotes, type GoalCheck, type ScenarioResult } from '../scenario.js';
import { median, overTrials, quantile, ratio, round, type OverTrials } from '../stats.js';
import { streamOnce, type Origins, type StreamSpec, type TargetKind } from '../targets.js';

const profile = instantProfile;
const latencyLimitMs = 50;
const conversationCount = 256;
const kinds = ['direct', 'relay', 'engine'] as const;
type Kind = (typeof kinds)[number];

interface LevelRun {
  streams_per_s: number;
  p50_ms: number;
  p99_ms: number;
  failures: number;
  first_failure?: string;
  server_cpu_share: number | null;
  client_side_limited: boolean;
}

export type ClosedLoopRun = Omit<LevelRun, 'server_cpu_share' | 'client_side_limited'>;

interface LevelRow {
  concurrency: number;
  direct: LevelSummary;
  relay: LevelSummary;
  engine: LevelSummary;
}

interface LevelSummary {
  streams_per_s: OverTrials;
  p99_ms: OverTrials;
  failures: number;
  first_failure?: string;
  server_cpu_share: number | null;
  client_side_limited_trials: number;
}

export async function capacity(context: BenchContext): Promise<ScenarioResult> {
  const settings = context.quick
    ? { trials: 2, concurrency: [1, 32], measure_ms: 250, warm_up_ms: 150 }
    : { trials: 3, concurrency: [1, 2, 4, 8, 16, 32, 64, 128, 256], measure_ms: 1000, warm_up_ms: 300 };
  const root = createBenchRoot(context.fake.url);
  root.writeConfig(profile, 'openai');
  const conversations = Array.from({ length: conversationCount }, (_, index) => root.writeConversation(`capacity-${index}`, shortChat.doc));
  const engine = await startEngine(context, root, 'capacity');
  const relay = await startRelay(context);
  const origins: Origins = { fake: context.fake.url, relay: relay.url, engine: engine.url };
  const servers: Record<Kind, BenchProcess | undefined> = { direct: undefined, relay, engine };
  const limits: string[] = [];
  // runs[kind][levelIndex] = one LevelRun per trial
  const runs: Record<Kind, LevelRun[][]> = { direct: [], relay: [], engine: [] };
  let counter = 0;
  // Replies are spread over many conversations, as on a server with many users, so none grows large.
  const spec = (): StreamSpec => ({
    profile,
    dialect: 'openai',
    messages: shortChat.messages,
    conversation: { file: conversations[counter++ % conversationCount]!, parentId: shortChat.parentId },
  });
  try {
    for (const kind of kinds) await closedLoop(kind, origins, spec, 8, 500, 0);
    for (let trial = 0; trial < settings.trials; trial++) {
      for (const [levelIndex, concurrency] of settings.concurrency.entries()) {
        // Rotate the order, so a noisy neighbour does not always hit the same target.
        const order = kinds.map((_, index) => kinds[(index + trial + levelIndex) % kinds.length]!);
        for (const kind of order) {
          const { value, stats, verdict } = await measure(context, servers[kind], () =>
            closedLoop(kind, origins, spec, concurrency, settings.measure_ms, settings.warm_up_ms),
          );
          collectNotes(`${kind} at ${concurrency} concurrent, trial ${trial + 1}`, verdict, limits);
          (runs[kind][levelIndex] ??= []).push({
            ...value,
            server_cpu_share: stats.server?.cpu_share ?? null,
            client_side_limited: verdict.client_side_limited,
          });
        }
      }
      context.log(`  trial ${trial + 1} done`);
    }
  } finally {
    await Promise.all([engine.stop(), relay.stop()]);
    root.cleanup();
  }

  const summarise = (levelRuns: LevelRun[]): LevelSummary => ({
    streams_per_s: overTrials(levelRuns.map((run) => run.streams_per_s)),
    p99_ms: overTrials(levelRuns.map((run) => run.p99_ms)),
    failures: levelRuns.reduce((sum, run) => sum + run.failures, 0),
    ...firstFailureOf(levelRuns),
    server_cpu_share: levelRuns[0]?.server_cpu_share === null ? null : round(median(levelRuns.map((run) => run.server_cpu_share ?? 0))),
    client_side_limited_trials: levelRuns.filter((run) => run.client_side_limited).length,
  });
  const rows: LevelRow[] = settings.concurrency.map((concurrency, levelIndex) => ({
    concurrency,
    direct: summarise(runs.direct[levelIndex]!),
    relay: summarise(runs.relay[levelIndex]!),
    engine: summarise(runs.engine[levelIndex]!),
  }));
  // Capacity per trial (the best level within the latency limit), then the median over trials.
  const capacityOf = (kind: Kind): OverTrials => {
    const perTrial = Array.from({ length: settings.trials }, (_, trial) =>
      Math.max(
        0,
        ...runs[kind]
          .map((levelRuns) => levelRuns[trial]!)
          .filter((run) => run.p99_ms <= latencyLimitMs && run.failures === 0)
          .map((run) => run.streams_per_s),
      ),
    );
    return overTrials(perTrial);
  };
  const capacities = { direct: capacityOf('direct'), relay: capacityOf('relay'), engine: capacityOf('engine') };
  // The most streams per second at any concurrency, whatever the latency: the CPU's limit, less sensitive to noise than the p99 cut.
  const peakOf = (kind: Kind): OverTrials =>
    overTrials(
      Array.from({ length: settings.trials }, (_, trial) =>
        Math.max(0, ...runs[kind].map((levelRuns) => levelRuns[trial]?.streams_per_s ?? 0)),
      ),
    );
  const peaks = { direct: peakOf('direct'), relay: peakOf('relay'), engine: peakOf('engine') };
  const peakVersusRelay = ratio(peaks.engine.median, peaks.relay.median);
  const versusRelay = ratio(capacities.engine.median, capacities.relay.median);
  const versusDirect = ratio(capacities.engine.median, capacities.direct.median);
  const goal: GoalCheck = {
    scenario: '2 capacity',
    goal: `capacity at p99 ≤ ${latencyLimitMs} ms ≥ 0.5× the bare relay`,
    measured: `${versusRelay ?? '-'}× (${capacities.engine.median} vs ${capacities.relay.median} streams/s)`,
    met: versusRelay !== null && versusRelay >= 0.5,
    ...(versusRelay !== null && versusRelay < 0.5
      ? { missed_by: `${round(0.5 - versusRelay)}× short (engine would need ${round(capacities.relay.median * 0.5)} streams/s)` }
      : {}),
  };
  const cell = (summary: LevelSummary): string =>
    `${summary.streams_per_s.median} / ${summary.p99_ms.median}${summary.failures > 0 ? ` (${summary.failures} failed)` : ''}${summary.client_side_limited_trials > 0 ? ' ‡' : ''}`;
  return {
    id: 'capacity',
    title: '2. Capacity: concurrency sweep against an instant fake provider',
    settings: { ...settings, profile, latency_limit_ms: latencyLimitMs, conversations: conversationCount },
    rows: [
      { capacities, engine_vs_relay: versusRelay, engine_vs_direct: versusDirect, peaks, peak_engine_vs_relay: peakVersusRelay },
      ...rows,
    ],
    goals: [goal],
    window_notes: limits,
    markdown: [
      `Closed loop, ${settings.trials} trials, ${settings.measure_ms} ms measured per level after ${settings.warm_up_ms} ms warm-up; ${profile.chunkCount} chunks per stream, sent at once. ` +
        'Cells: completed streams/s / stream time p99 in ms (median over trials); ‡ = the fake provider or load generator was short of CPU in a trial.',
      '',
      `Capacity (most streams/s with p99 ≤ ${latencyLimitMs} ms): direct ${capacities.direct.median}, bare relay ${capacities.relay.median}, ` +
        `engine ${capacities.engine.median}; engine/relay **${versusRelay ?? '-'}×**, engine/direct ${versusDirect ?? '-'}×. ` +
        `Peak at any latency: direct ${peaks.direct.median}, bare relay ${peaks.relay.median}, engine ${peaks.engine.median} (engine/relay ${peakVersusRelay ?? '-'}×).`,
      '',
      '| concurrency | direct | bare relay | engine | engine CPU |',
      '|---|---|---|---|---|',
      ...rows.map(
        (row) =>
          `| ${row.concurrency} | ${cell(row.direct)} | ${cell(row.relay)} | ${cell(row.engine)} | ${row.engine.server_cpu_share === null ? '-' : `${Math.round(row.engine.server_cpu_share * 100)}%`} |`,
      ),
    ],
  };
}

/** `concurrency` workers streaming back to back; the streams that end inside the measured window count. */
export async function closedLoop(
  kind: TargetKind,
  origins: Origins,
  spec: () => StreamSpec,
  concurrency: number,
  measureMs: number,
  warmUpMs: number,
): Promise<ClosedLoopRun> {
  const windowStart = performance.now() + warmUpMs;
  const windowEnd = windowStart + measureMs;
  const durations: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const fail = (why: string): void => {
    failures++;
    firstFailure ??= why;
  };
  const worker = async (): Promise<void> => {
    while (performance.now() < windowEnd) {
      try {
        const record = await streamOnce(kind, origins, spec());
        if (record.problems.length > 0) fail(record.problems.join('; '));
        else if (record.endedAt >= windowStart && record.endedAt <= windowEnd) durations.push(record.endedAt - record.startedAt);
      } catch (error) {
        fail((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return {
    streams_per_s: round(durations.length / (measureMs / 1000), 1),
    p50_ms: round(quantile(durations, 0.5)),
    p99_ms: round(quantile(durations, 0.99)),
    failures,
    ...(firstFailure === undefined ? {} : { first_failure: firstFailure }),
  };
}

function firstFailureOf(levelRuns: LevelRun[]): { first_failure?: string } {
  const found = levelRuns.find((run) => run.first_failure !== undefined)?.first_failure;
  return found === undefined ? {} : { first_failure: found };
}
