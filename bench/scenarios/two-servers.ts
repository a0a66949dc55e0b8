/**
 * @module Scenario 6, two servers on PostgreSQL + Redis beside one server on the file store, in one table:
 * - added first-chunk latency: `complete_stream`'s first chunk minus the same request sent straight to the fake
 *   provider, interleaved request by request (direct, file-store server, a server of the pair, the pair taken in
 *   turn), median over trials of each trial's p50 and p99;
 * - capacity: a closed loop of concurrent clients (the pair's clients spread over both servers), the most
 *   completed streams per second at any concurrency whose stream time p99 stays ≤ 50 ms with no failure;
 * - takeover: a server of the pair streams a long reply, is killed with SIGKILL after a few chunks, and the client
 *   resumes on the other server with `Last-Event-ID`; the cost is the time from the kill to the `saved` event of
 *   the partial reply (the takeover writes it after the save), median over several kills, each a fresh owner.
 * Each run has a database and a Redis key prefix of its own, dropped at the end. No goal is set: these are figures.
 */
import pg from 'pg';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { importConversations } from '../../src/store/postgres/transfer.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createTestDatabase, createTestRedisPrefix } from '../../tests/helpers/services.js';
import { configFileFor, createBenchRoot, shortChat, type BenchRoot } from '../bench-root.js';
import { engineDirectory, measure, type BenchContext } from '../harness.js';
import { startProcess, type BenchProcess } from '../processes.js';
import type { ReplyProfile } from '../reply-profile.js';
import { collectNotes, type ScenarioResult } from '../scenario.js';
import { readStream } from '../sse-reader.js';
import { overTrials, quantile, round, type OverTrials } from '../stats.js';
import { streamOnce, type Origins, type StreamSpec } from '../targets.js';

/** The fake answers at once: what is measured is the servers' own cost. */
const instant: ReplyProfile = { firstTokenMs: 0, gapMinMs: 0, gapMaxMs: 0, chunkCount: 16, chunkSize: 8, tailMs: 0 };
/** The reply a killed owner was streaming: 20 ms between chunks, far longer than any kill waits. */
const slow: ReplyProfile = { firstTokenMs: 0, gapMinMs: 20, gapMaxMs: 20, chunkCount: 1000, chunkSize: 8, tailMs: 0 };
const chunksBeforeKill = 10;
const latencyLimitMs = 50;
const conversationCount = 64;
/** How long a silent owner keeps its generations; the takeover figure is this plus the sweep (≤ 1 s) plus the save. */
const leaseMs = 1500;
const probe = fileURLToPath(new URL('../engine-probe.ts', import.meta.url));

type Setup = 'file' | 'cluster';
const setupNames: Record<Setup, string> = {
  file: 'one server, file store, in-memory log',
  cluster: 'two servers, PostgreSQL + Redis',
};

interface LatencyFigures {
  direct_p50_ms: OverTrials;
  engine_p50_ms: OverTrials;
  added_p50_ms: OverTrials;
  added_p99_ms: OverTrials;
}

interface CapacityLevel {
  concurrency: number;
  streams_per_s: number;
  p99_ms: number;
  failures: number;
  first_failure?: string;
}

interface Kill {
  /** SIGKILL of the owner → the `saved` event of the partial, read from the other server. */
  saved_ms: number;
  /** SIGKILL → the stream's `end` on the other server. */
  end_ms: number;
  characters_saved: number;
}

export async function twoServers(context: BenchContext): Promise<ScenarioResult> {
  const settings = context.quick
    ? { trials: 2, requests_per_trial: 12, warm_up: 4, concurrency: [1, 8], measure_ms: 500, capacity_warm_up_ms: 200, kills: 3 }
    : {
        trials: 3,
        requests_per_trial: 100,
        warm_up: 20,
        concurrency: [1, 4, 16, 32, 64],
        measure_ms: 1000,
        capacity_warm_up_ms: 300,
        kills: 7,
      };
  const database = await createTestDatabase();
  const redis = createTestRedisPrefix();
  const roots: BenchRoot[] = [];
  const processes: BenchProcess[] = [];
  const limits: string[] = [];
  const newRoot = (): BenchRoot => {
    const root = createBenchRoot(context.fake.url);
    root.writeConfig(instant, 'openai');
    root.writeConfig(slow, 'openai');
    roots.push(root);
    return root;
  };
  const cluster = {
    BRANCHFLOW_STORE: database.url,
    BRANCHFLOW_REDIS: redis.url,
    BRANCHFLOW_REDIS_PREFIX: redis.prefix,
    BRANCHFLOW_LEASE_MS: String(leaseMs),
  };
  const server = async (name: string, root: BenchRoot, env: Record<string, string>): Promise<BenchProcess> => {
    const started = await startServer(root, name, env);
    processes.push(started);
    return started;
  };
  try {
    const fileRoot = newRoot();
    const seed = newRoot();
    const conversations = Array.from({ length: conversationCount }, (_, index) => {
      fileRoot.writeConversation(`two-servers-${index}`, shortChat.doc);
      return seed.writeConversation(`two-servers-${index}`, shortChat.doc);
    });
    const killed = Array.from({ length: settings.kills }, (_, index) => seed.writeConversation(`takeover-${index}`, shortChat.doc));
    // The import applies the schema first, as a server's start would.
    await importConversations({ url: database.url, root: seed.root, logger: silentLogger });
    const phase = timer(context);
    // Starting is most of this scenario's time: every server starts at once on both CPUs, then the three measured
    // ones are pinned to the engine CPU. Each server of the cluster has a root of its own, as on two machines: they
    // share only the database and Redis. The owners to be killed (one per kill, so no dead server's journal is in
    // play) wait idle, unpinned, until their turn.
    const [fileEngine, a, b, ...owners] = await Promise.all([
      server('two-servers file store', fileRoot, {}),
      server('two-servers A', newRoot(), cluster),
      server('two-servers B', newRoot(), cluster),
      ...killed.map((_, index) => server(`two-servers owner ${index + 1}`, newRoot(), cluster)),
    ]);
    const pair = [a, b] as const;
    if (context.pinning.engineCpu !== undefined) for (const pinned of [fileEngine, a, b]) pinProcess(pinned, context.pinning.engineCpu);
    phase(`set up: a database, a key prefix, ${3 + killed.length} servers`);

    let counter = 0;
    const spec = (): StreamSpec => ({
      profile: instant,
      dialect: 'openai',
      messages: shortChat.messages,
      conversation: { file: conversations[counter++ % conversationCount]!, parentId: shortChat.parentId },
    });
    let turn = 0;
    const origins = (setup: Setup | 'direct'): Origins => ({
      fake: context.fake.url,
      engine: setup === 'file' ? fileEngine.url : setup === 'cluster' ? pair[turn++ % 2]!.url : '',
    });

    const latency = await measureLatency(context, settings, spec, origins, limits);
    context.log(
      `  added first chunk p50: file store ${latency.file.added_p50_ms.median} ms, two servers ${latency.cluster.added_p50_ms.median} ms`,
    );
    const capacity: Record<Setup, CapacityLevel[]> = { file: [], cluster: [] };
    for (const concurrency of settings.concurrency) {
      for (const setup of concurrency % 2 === 0 ? (['cluster', 'file'] as const) : (['file', 'cluster'] as const)) {
        await closedLoop(() => origins(setup), spec, concurrency, settings.capacity_warm_up_ms, 0);
        const { value, verdict } = await measure(context, undefined, () =>
          closedLoop(() => origins(setup), spec, concurrency, settings.measure_ms, settings.capacity_warm_up_ms),
        );
        collectNotes(`${setupNames[setup]}, capacity at ${concurrency} concurrent`, verdict, limits);
        capacity[setup].push({ concurrency, ...value });
      }
    }
    const capacityOf = (setup: Setup): number =>
      Math.max(
        0,
        ...capacity[setup].filter((level) => level.p99_ms <= latencyLimitMs && level.failures === 0).map((level) => level.streams_per_s),
      );
    const peakOf = (setup: Setup): number => Math.max(0, ...capacity[setup].map((level) => level.streams_per_s));
    context.log(`  capacity: file store ${capacityOf('file')}, two servers ${capacityOf('cluster')} streams/s`);
    phase('latency and capacity');

    const kills: Kill[] = [];
    const killProblems: string[] = [];
    // The survivor every client resumes on; a fresh owner per kill, so no dead server's journal is in play.
    const survivor = pair[1];
    for (const [index, file] of killed.entries()) {
      try {
        kills.push(await killAndTakeOver(owners[index]!, survivor, file, database.url));
      } catch (error) {
        killProblems.push(`kill ${index + 1}: ${(error as Error).message}`);
      }
    }
    phase('takeovers');
    if (kills.length === 0) throw new Error(`no takeover could be measured: ${killProblems.join('; ')}`);
    const savedMs = overTrials(kills.map((kill) => kill.saved_ms));
    const endMs = overTrials(kills.map((kill) => kill.end_ms));
    context.log(`  takeover: kill → partial saved, median ${savedMs.median} ms over ${kills.length} kills`);

    const capacities = { file: capacityOf('file'), cluster: capacityOf('cluster') };
    const peaks = { file: peakOf('file'), cluster: peakOf('cluster') };
    const ratio = (a: number, b: number): string => (b > 0 ? `${round(a / b)}×` : '-');
    const spread = (value: OverTrials): string => `${value.median} (${value.min}…${value.max})`;
    const levels = (setup: Setup): string =>
      capacity[setup]
        .map(
          (level) =>
            `${level.concurrency}: ${level.streams_per_s}/s p99 ${level.p99_ms} ms${level.failures > 0 ? ` (${level.failures} failed)` : ''}`,
        )
        .join('; ');
    return {
      id: 'two_servers',
      title: '6. Two servers on PostgreSQL + Redis, beside one server on the file store',
      settings: {
        ...settings,
        lease_ms: leaseMs,
        latency_limit_ms: latencyLimitMs,
        conversations: conversationCount,
        profile: instant,
        takeover_profile: slow,
      },
      rows: [
        {
          setup: setupNames.file,
          ...latency.file,
          capacity_streams_per_s: capacities.file,
          peak_streams_per_s: peaks.file,
          capacity_levels: capacity.file,
        },
        {
          setup: setupNames.cluster,
          ...latency.cluster,
          capacity_streams_per_s: capacities.cluster,
          peak_streams_per_s: peaks.cluster,
          capacity_levels: capacity.cluster,
          takeover_saved_ms: savedMs,
          takeover_end_ms: endMs,
          kills,
          kill_problems: killProblems,
        },
      ],
      goals: [],
      window_notes: limits,
      markdown: [
        `Latency: ${settings.trials} trials × ${settings.requests_per_trial} requests to each target, interleaved (direct to the fake, the file-store server, a server of the pair in turn); ` +
          `first chunk of ${instant.chunkCount}, fake answers at once; added = server − direct per trial, median (min…max) over trials, ms. ` +
          `Capacity: closed loop at ${settings.concurrency.join(', ')} concurrent, ${settings.measure_ms} ms measured per level, the pair's clients alternating between its servers; ` +
          `the most streams/s with stream time p99 ≤ ${latencyLimitMs} ms and no failure. ` +
          `Takeover: ${kills.length} kills, each of a fresh owner after ${chunksBeforeKill} chunks of a paced reply, BRANCHFLOW_LEASE_MS=${leaseMs}, the other servers looking once a second; median (min…max), ms. ` +
          'The three measured servers on the engine CPU (the owners to be killed idle and unpinned until their turn); PostgreSQL and Redis are the machine’s own services, not pinned.',
        '',
        '| setup | added first chunk p50 | added first chunk p99 | capacity, streams/s at p99 ≤ 50 ms | peak streams/s, any latency | takeover: kill → partial saved | kill → stream end |',
        '|---|---|---|---|---|---|---|',
        `| ${setupNames.file} | ${spread(latency.file.added_p50_ms)} | ${spread(latency.file.added_p99_ms)} | ${capacities.file} | ${peaks.file} | - (no other server) | - |`,
        `| ${setupNames.cluster} | ${spread(latency.cluster.added_p50_ms)} | ${spread(latency.cluster.added_p99_ms)} | ${capacities.cluster} | ${peaks.cluster} | ${spread(savedMs)} | ${spread(endMs)} |`,
        '',
        `Two servers against one: added first chunk p50 ${ratio(latency.cluster.added_p50_ms.median, latency.file.added_p50_ms.median)}, ` +
          `capacity ${ratio(capacities.cluster, capacities.file)}, peak ${ratio(peaks.cluster, peaks.file)}. Direct first chunk p50 ${latency.file.direct_p50_ms.median} ms.`,
        `Levels (streams/s, stream time p99): file store ${levels('file')}; two servers ${levels('cluster')}.`,
        ...(killProblems.length > 0 ? ['', `Kills not measured: ${killProblems.join('; ')}`] : []),
      ],
    };
  } finally {
    await Promise.all(processes.map((server) => server.stop()));
    for (const root of roots) root.cleanup();
    await database.drop();
    await redis.drop();
  }
}

/** Logs how long each part took since the last call: the quick run must stay short. */
function timer(context: BenchContext): (what: string) => void {
  let since = performance.now();
  return (what) => {
    context.log(`  ${what}: ${Math.round((performance.now() - since) / 100) / 10} s`);
    since = performance.now();
  };
}

/** The real server (`src/main.ts` with the bench probe), as the harness starts it, but not pinned yet. */
function startServer(root: BenchRoot, name: string, env: Record<string, string>): Promise<BenchProcess> {
  return startProcess({
    name,
    nodeArgs: ['--import', 'tsx', '--import', probe, 'src/main.ts'],
    cpu: undefined,
    cwd: engineDirectory,
    env: { BRANCHFLOW_ROOT: root.root, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', ...env },
    readyFrom: 'stdout',
    // Several servers starting at once on a shared machine can take a while; a start is not what is measured.
    timeoutMs: 120_000,
  });
}

/** Moves every thread of a started server to `cpu` (threads it starts later inherit it). */
function pinProcess(server: BenchProcess, cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(server.child.pid)], { stdio: 'ignore' });
}

async function measureLatency(
  context: BenchContext,
  settings: { trials: number; requests_per_trial: number; warm_up: number },
  spec: () => StreamSpec,
  origins: (setup: Setup | 'direct') => Origins,
  limits: string[],
): Promise<Record<Setup, LatencyFigures>> {
  const order = ['direct', 'file', 'cluster'] as const;
  const once = async (target: (typeof order)[number]): Promise<number> => {
    const record = await streamOnce(target === 'direct' ? 'direct' : 'engine', origins(target), spec());
    if (record.problems.length > 0) throw new Error(`${target} stream: ${record.problems.join('; ')}`);
    return record.firstChunkAt! - record.startedAt;
  };
  for (let index = 0; index < settings.warm_up; index++) for (const target of order) await once(target);
  const perTrial = {
    direct50: [] as number[],
    direct99: [] as number[],
    file50: [] as number[],
    file99: [] as number[],
    cluster50: [] as number[],
    cluster99: [] as number[],
  };
  for (let trial = 0; trial < settings.trials; trial++) {
    const { value, verdict } = await measure(context, undefined, async () => {
      const times = { direct: [] as number[], file: [] as number[], cluster: [] as number[] };
      for (let index = 0; index < settings.requests_per_trial; index++) {
        // Rotate which goes first, so a slow moment is not always charged to the same target.
        for (let step = 0; step < order.length; step++) {
          const target = order[(index + step) % order.length]!;
          times[target].push(await once(target));
        }
      }
      return times;
    });
    collectNotes(`first chunk, trial ${trial + 1}`, verdict, limits);
    perTrial.direct50.push(quantile(value.direct, 0.5));
    perTrial.direct99.push(quantile(value.direct, 0.99));
    perTrial.file50.push(quantile(value.file, 0.5));
    perTrial.file99.push(quantile(value.file, 0.99));
    perTrial.cluster50.push(quantile(value.cluster, 0.5));
    perTrial.cluster99.push(quantile(value.cluster, 0.99));
  }
  const minus = (a: number[], b: number[]): OverTrials => overTrials(a.map((value, index) => round(value - b[index]!)));
  const figures = (p50: number[], p99: number[]): LatencyFigures => ({
    direct_p50_ms: overTrials(perTrial.direct50),
    engine_p50_ms: overTrials(p50),
    added_p50_ms: minus(p50, perTrial.direct50),
    added_p99_ms: minus(p99, perTrial.direct99),
  });
  return { file: figures(perTrial.file50, perTrial.file99), cluster: figures(perTrial.cluster50, perTrial.cluster99) };
}

async function closedLoop(
  origins: () => Origins,
  spec: () => StreamSpec,
  concurrency: number,
  measureMs: number,
  warmUpMs: number,
): Promise<Omit<CapacityLevel, 'concurrency'>> {
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
        const record = await streamOnce('engine', origins(), spec());
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
    p99_ms: round(quantile(durations, 0.99)),
    failures,
    ...(firstFailure === undefined ? {} : { first_failure: firstFailure }),
  };
}

interface EngineEvent {
  type: string;
  node_id?: string;
  partial?: boolean;
  content?: string;
}

/**
 * Streams a long reply from `owner`, kills it with SIGKILL after a few chunks, resumes on `survivor` with the last
 * event id, and times the `saved` event of the partial and the end; then checks the database holds that text.
 */
async function killAndTakeOver(owner: BenchProcess, survivor: BenchProcess, file: string, databaseUrl: string): Promise<Kill> {
  let lastEventId: string | undefined;
  let nodeId: string | undefined;
  let streamed = '';
  let chunks = 0;
  let killedAt = 0;
  const body = {
    conversation_file: file,
    parent_node_id: shortChat.parentId,
    llm_config_file: configFileFor(slow, 'openai'),
    include_doc: false,
    on_disconnect: 'continue',
  };
  await readStream({
    url: `${owner.url}/api/workflow/chat_completion/complete_stream`,
    body,
    onFrame(data, id, at) {
      const event = JSON.parse(data) as EngineEvent;
      if (id !== undefined) lastEventId = id;
      if (event.type === 'start') nodeId = event.node_id;
      if (event.type !== 'chunk') return;
      streamed += event.content ?? '';
      if (++chunks === chunksBeforeKill) {
        killedAt = at;
        owner.child.kill('SIGKILL');
        return true;
      }
    },
  }).catch((error: Error) => {
    // The kill can cut the connection before the reader stops reading: that is the point, not a failure.
    if (killedAt === 0) throw error;
  });
  if (killedAt === 0 || lastEventId === undefined) throw new Error(`the owner streamed ${chunks} chunks and ended before the kill`);
  await owner.exited;
  let savedAt: number | undefined;
  let endAt: number | undefined;
  let saved: EngineEvent | undefined;
  await readStream({
    url: `${survivor.url}/api/workflow/chat_completion/complete_stream`,
    body: { conversation_file: file, last_event_id: lastEventId },
    onFrame(data, _id, at) {
      const event = JSON.parse(data) as EngineEvent;
      if (event.type === 'chunk') streamed += event.content ?? '';
      if (event.type === 'saved') {
        savedAt = at;
        saved = event;
      }
      if (event.type === 'end') endAt = at;
    },
  });
  if (savedAt === undefined || endAt === undefined || saved === undefined)
    throw new Error('the other server sent no saved event or no end');
  if (saved.partial !== true || saved.node_id !== nodeId)
    throw new Error(`the saved event was ${JSON.stringify(saved)}, not the partial of ${nodeId}`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const row = await client.query<{ tree_text: string }>('SELECT tree_text FROM conversations WHERE file = $1', [file]);
    const tree = JSON.parse(row.rows[0]!.tree_text) as { nodes: Record<string, { content?: string; meta?: { partial?: boolean } }> };
    const node = tree.nodes[nodeId!];
    if (node?.content !== streamed || node.meta?.partial !== true) {
      throw new Error(
        `the database holds ${JSON.stringify(node)?.slice(0, 120)} for ${nodeId}, not the ${streamed.length} characters streamed, marked partial`,
      );
    }
  } finally {
    await client.end();
  }
  return { saved_ms: round(savedAt - killedAt), end_ms: round(endAt - killedAt), characters_saved: streamed.length };
}
