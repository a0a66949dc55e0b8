/**
 * @module Benchmark: one append on conversations of 100 KiB, 1 MiB and 10 MiB. For each append: its latency
 * (call to durable on disk) and the longest event-loop stall while it ran (perf_hooks monitorEventLoopDelay at
 * 1 ms: the longest gap between ticks, minus the 1 ms tick). Three ways: `naive` (read, JSON.parse, change,
 * JSON.stringify, atomic write, all on the main thread: the "before"), the store with its writer thread off,
 * the store as shipped, and the store with a read before every append (its worst case: a tree a reader holds is
 * forked, so the append copies `nodes`; the read itself is not timed). Also the stall of a cold read (cache
 * miss), and the main thread's CPU time per append (Linux: /proc, averaged over the run), a figure that other
 * work on the machine does not inflate the way it inflates stalls. Writes bench/results/store-append.json
 * and prints a Markdown table. Run: node --import tsx bench/store-append.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import writeFileAtomic from 'write-file-atomic';
import { silentLogger } from '../src/lib/logger.js';
import { chatBranchesSteps } from '../src/modules/chat_branches/index.js';
import { Registry } from '../src/registry/registry.js';
import type { Services } from '../src/services.js';
import {
  appendMessage,
  applyChanges,
  createFileStore,
  serialiseTree,
  type ConversationDoc,
  type FileStore,
  type FileStoreOptions,
} from '../src/store/index.js';
import { createTempRoot } from '../tests/helpers/temp-root.js';
import { makeConversation } from './conversation-fixture.js';

const sizes = [
  { label: '100 KiB', bytes: 100 * 1024, appends: 200 },
  { label: '1 MiB', bytes: 1024 * 1024, appends: 100 },
  { label: '10 MiB', bytes: 10 * 1024 * 1024, appends: 200 },
];
const warmUp = 3;

type Mode = 'naive' | 'store, writer thread off' | 'store' | 'store, a read before each append';
const modes: Mode[] = ['naive', 'store, writer thread off', 'store', 'store, a read before each append'];

interface Row {
  size: string;
  file_bytes: number;
  nodes: number;
  mode: Mode;
  appends: number;
  latency_ms: { median: number; p99: number };
  stall_ms: { median: number; p99: number; max: number };
  /** CPU time of the main thread (the event loop) per append, averaged; null where /proc is missing. */
  main_thread_cpu_ms: number | null;
  cold_read_stall_ms: number | null;
}

/** User + system CPU time of the main thread so far, in ms (Linux; ticks of 10 ms, so only averages make sense). */
function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

const round = (value: number): number => Math.round(value * 100) / 100;

async function measure(
  run: () => Promise<void>,
  histogram: ReturnType<typeof monitorEventLoopDelay>,
): Promise<{ latency: number; stall: number }> {
  histogram.reset();
  const started = performance.now();
  await run();
  const latency = performance.now() - started;
  // Let the 1 ms tick that spans the end of the append land before reading the histogram.
  await new Promise((resolve) => setTimeout(resolve, 2));
  return { latency, stall: Math.max(0, histogram.max / 1e6 - 1) };
}

async function benchmark(size: (typeof sizes)[number], mode: Mode, histogram: ReturnType<typeof monitorEventLoopDelay>): Promise<Row> {
  const temp = createTempRoot('branchflow-bench-');
  const doc = makeConversation(size.bytes);
  const text = serialiseTree(doc);
  const file = temp.writeConversation('bench', text);
  const absolute = temp.path(file);
  let leaf = doc.active_path[doc.active_path.length - 1]!;
  let counter = 0;
  const nextId = (): string => `n_bench${counter++}`;
  let append: () => Promise<void>;
  let store: FileStore | undefined;
  let close = async (): Promise<void> => undefined;
  let coldRead: number | null = null;

  if (mode === 'naive') {
    append = async () => {
      const current = JSON.parse(await readFile(absolute, 'utf8')) as ConversationDoc;
      const nodeId = nextId();
      applyChanges(
        current,
        appendMessage(current, { nodeId, pid: leaf, role: 'user', content: 'And then?' }, { now: 'now', where: file }).changes,
      );
      await writeFileAtomic(absolute, serialiseTree(current));
      leaf = nodeId;
    };
  } else {
    const options: FileStoreOptions = {
      root: temp.root,
      logger: silentLogger,
      ...(mode === 'store, writer thread off' ? { workerThreshold: Infinity } : {}),
    };
    store = createFileStore(options);
    const registry = new Registry(chatBranchesSteps, { root: temp.root, logger: silentLogger, store } as unknown as Services);
    const opened = store;
    coldRead = (await measure(async () => void (await opened.read(file)), histogram)).stall;
    append = async () => {
      const nodeId = nextId();
      await registry.call('modules/chat_branches/append_message', {
        file,
        node_id: nodeId,
        pid: leaf,
        role: 'user',
        content: 'And then?',
        return_mode: 'none',
      });
      leaf = nodeId;
    };
    close = () => opened.close();
  }

  const readFirst = mode === 'store, a read before each append' ? store : undefined;
  for (let index = 0; index < warmUp; index++) await append();
  const latencies: number[] = [];
  const stalls: number[] = [];
  const cpuBefore = mainThreadCpuMs();
  for (let index = 0; index < size.appends; index++) {
    if (readFirst) await readFirst.read(file);
    const { latency, stall } = await measure(append, histogram);
    latencies.push(latency);
    stalls.push(stall);
  }
  const cpuAfter = mainThreadCpuMs();
  await close();
  temp.cleanup();
  return {
    size: size.label,
    file_bytes: Buffer.byteLength(text),
    nodes: Object.keys(doc.nodes).length,
    mode,
    appends: size.appends,
    latency_ms: { median: round(quantile(latencies, 0.5)), p99: round(quantile(latencies, 0.99)) },
    stall_ms: { median: round(quantile(stalls, 0.5)), p99: round(quantile(stalls, 0.99)), max: round(Math.max(...stalls)) },
    // The 2 ms settle wait per append is idle time, not CPU.
    main_thread_cpu_ms: cpuBefore === null || cpuAfter === null ? null : round((cpuAfter - cpuBefore) / size.appends),
    cold_read_stall_ms: coldRead === null ? null : round(coldRead),
  };
}

// Other work on the machine shows up as stalls too: the load is recorded with the results.
const loadBefore = loadavg().map(round);
const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
const rows: Row[] = [];
for (const size of sizes) {
  for (const mode of modes) {
    const row = await benchmark(size, mode, histogram);
    rows.push(row);
    process.stderr.write(`${row.size} ${row.mode}: stall p99 ${row.stall_ms.p99} ms, latency median ${row.latency_ms.median} ms\n`);
  }
}
histogram.disable();

const cpuList = cpus();
const machine = {
  cpu: cpuList[0]?.model ?? 'unknown',
  cores: cpuList.length,
  memory_gib: round(totalmem() / 1024 ** 3),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  load_average_before: loadBefore,
  load_average_after: loadavg().map(round),
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/store-append.json', import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2) + '\n',
);

const lines = [
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB, Node ${machine.node} (${machine.platform}); ` +
    `load average (1, 5, 15 min) ${machine.load_average_before.join(', ')} before, ${machine.load_average_after.join(', ')} after`,
  '',
  '| size | nodes | mode | latency median | latency p99 | stall median | stall p99 | stall max | main-thread CPU per append | cold read stall |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (row) =>
      `| ${row.size} | ${row.nodes} | ${row.mode} | ${row.latency_ms.median} ms | ${row.latency_ms.p99} ms | ${row.stall_ms.median} ms | ${row.stall_ms.p99} ms | ${row.stall_ms.max} ms | ${row.main_thread_cpu_ms === null ? '-' : `${row.main_thread_cpu_ms} ms`} | ${row.cold_read_stall_ms === null ? '-' : `${row.cold_read_stall_ms} ms`} |`,
  ),
];
process.stdout.write(lines.join('\n') + '\n');
