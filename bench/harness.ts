/**
 * @module What every scenario gets: the run's settings, the long-lived fake provider, the load generator's own
 * monitor, and ways to start the engine (the real server, `src/main.ts`, with the bench probe preloaded) and
 * the bare relay as pinned processes. `measure` wraps one window of load and says which process, if any, was
 * short of CPU: when the fake or the load generator was, the figures are marked as limited by the client side.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchRoot } from './bench-root.js';
import { cpuShares, processCpuMs, readCpuCounters, type CpuShare } from './cpu-load.js';
import type { ProcessMonitor, ProcessStats } from './process-monitor.js';
import { choosePinning, pinSelf, startProcess, type BenchProcess, type Pinning } from './processes.js';
import { freshConnections } from './sse-reader.js';

export const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
export const resultsFolder = fileURLToPath(new URL('./results/', import.meta.url));

export interface BenchContext {
  quick: boolean;
  /** Write a V8 CPU profile of the engine per scenario (bench/results/profiles/). */
  cpuProfile: boolean;
  pinning: Pinning;
  fake: BenchProcess;
  client: ProcessMonitor;
  log(line: string): void;
}

/**
 * The engine runs from this checkout, or from BENCH_ENGINE_DIR: another checkout (with its node_modules) to compare
 * against on the same machine with the same payloads, e.g. the commit before an optimisation.
 */
/** The `--engine=label:/path/to/checkout` arguments of a side-by-side script (repeatable); this checkout when none. */
export function enginesFromArguments(argv: readonly string[]): Array<{ label: string; directory: string }> {
  const engines = argv
    .filter((argument) => argument.startsWith('--engine='))
    .map((argument) => {
      const [label, directory] = argument.slice('--engine='.length).split(/:(.*)/s);
      return { label: label!, directory: directory! };
    });
  return engines.length > 0 ? engines : [{ label: 'this', directory: repositoryRoot }];
}

/** A side-by-side script's client side: this process pinned to the client CPU, the fake provider started there. */
export async function startClientSide(): Promise<{ pinning: Pinning; fake: BenchProcess }> {
  const pinning = choosePinning();
  if (pinning.clientCpu !== undefined) pinSelf(pinning.clientCpu);
  const fake = await startProcess({
    name: 'fake provider',
    nodeArgs: ['--import', 'tsx', 'bench/fake-provider.ts'],
    cpu: pinning.clientCpu,
    cwd: repositoryRoot,
    readyFrom: 'ipc',
  });
  return { pinning, fake };
}

export const engineDirectory = process.env['BENCH_ENGINE_DIR'] ?? repositoryRoot;
const probe = fileURLToPath(new URL('./engine-probe.ts', import.meta.url));

export async function startEngine(
  context: BenchContext,
  root: BenchRoot,
  scenario: string,
  directory = engineDirectory,
): Promise<BenchProcess> {
  const profileArgs: string[] = [];
  if (context.cpuProfile) {
    // One folder per scenario: V8 writes one profile per thread (main, module loader, writer thread), named by thread.
    const folder = `${resultsFolder}profiles/${scenario}`;
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    profileArgs.push('--cpu-prof', `--cpu-prof-dir=${folder}`);
  }
  return startProcess({
    name: `engine (${scenario})`,
    nodeArgs: ['--import', 'tsx', '--import', probe, ...profileArgs, 'src/main.ts'],
    cpu: context.pinning.engineCpu,
    cwd: directory,
    env: { BRANCHFLOW_ROOT: root.root, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    readyFrom: 'stdout',
    // Pinned to one CPU that other work on a shared machine also wants, start-up alone took 15–30 s (load 10 on 2 cores).
    timeoutMs: 90_000,
  });
}

export function startRelay(context: BenchContext): Promise<BenchProcess> {
  return startProcess({
    name: 'bare relay',
    nodeArgs: ['--import', 'tsx', 'bench/bare-relay.ts'],
    cpu: context.pinning.engineCpu,
    cwd: repositoryRoot,
    env: { UPSTREAM_ORIGIN: context.fake.url },
    readyFrom: 'ipc',
  });
}

/** The peer: a real LLM gateway (Portkey's) in front of the same fake, pinned like the engine. */
export function startPeer(context: BenchContext): Promise<BenchProcess> {
  return startProcess({
    name: 'peer gateway',
    nodeArgs: ['--import', 'tsx', 'bench/peer-gateway.ts'],
    cpu: context.pinning.engineCpu,
    cwd: repositoryRoot,
    readyFrom: 'ipc',
  });
}

export interface WindowStats {
  fake: ProcessStats;
  client: ProcessStats;
  server?: ProcessStats;
  /** Per CPU, busy and stolen shares of the window (all processes on the machine). */
  cpus: CpuShare[];
  /** The server's CPU share over the whole window from /proc, whatever resets its own monitor saw meanwhile. */
  server_cpu_share?: number;
}

export interface Verdict {
  /** The fake provider or the load generator was short of CPU: the figures understate what the server can do. */
  client_side_limited: boolean;
  notes: string[];
}

/** Runs `work` as one measurement window; `server` is the engine or relay under test, if any. */
export async function measure<Value>(
  context: BenchContext,
  server: BenchProcess | undefined,
  work: () => Promise<Value>,
): Promise<{ value: Value; before: WindowStats; stats: WindowStats; verdict: Verdict }> {
  freshConnections();
  const [fakeBefore, serverBefore] = await Promise.all([context.fake.reset(), server?.reset()]);
  context.client.reset();
  const countersBefore = readCpuCounters();
  const serverCpuBefore = processCpuMs(server?.child.pid);
  const startedAt = performance.now();
  const before: WindowStats = {
    fake: fakeBefore,
    client: context.client.read(),
    ...(serverBefore ? { server: serverBefore } : {}),
    cpus: [],
  };
  const value = await work();
  const [fake, serverStats] = await Promise.all([context.fake.read(), server?.read()]);
  const cpus = cpuShares(countersBefore, readCpuCounters());
  const serverCpuAfter = processCpuMs(server?.child.pid);
  const serverCpuShare =
    serverCpuBefore === undefined || serverCpuAfter === undefined
      ? undefined
      : Math.round(((serverCpuAfter - serverCpuBefore) / (performance.now() - startedAt)) * 100) / 100;
  const stats: WindowStats = {
    fake,
    client: context.client.read(),
    ...(serverStats ? { server: serverStats } : {}),
    cpus,
    ...(serverCpuShare === undefined ? {} : { server_cpu_share: serverCpuShare }),
  };
  return { value, before, stats, verdict: judge(stats, context.pinning) };
}

const busyShare = 0.8;
const delayedMs = 10;

/** Other processes' share of a CPU we pinned to, worth saying. */
const foreignShare = 0.15;

export function judge(stats: WindowStats, pinning: Pinning): Verdict {
  const notes: string[] = [];
  const percent = (share: number): string => `${Math.round(share * 100)}%`;
  for (const [name, own] of [
    ['fake provider', stats.fake],
    ['load generator', stats.client],
  ] as const) {
    if (own.cpu_share >= busyShare) notes.push(`${name} busy: ${percent(own.cpu_share)} of a CPU`);
    if (own.event_loop_p99_ms > delayedMs) notes.push(`${name} event loop delayed: p99 ${own.event_loop_p99_ms} ms`);
  }
  const ours = stats.fake.cpu_share + stats.client.cpu_share;
  if (pinning.pinned && ours >= 0.9) notes.push(`client CPU saturated: fake + load generator ${percent(ours)}`);
  const clientSideLimited = notes.length > 0;
  // Busy time on our pinned CPUs beyond our own processes' is other processes': mostly they fill what we leave
  // idle (the scheduler shares fairly), so it is reported, and counts against us only through the delays above.
  const clientCpu = stats.cpus.find((share) => share.cpu === pinning.clientCpu);
  const others = clientCpu ? Math.max(0, clientCpu.busy - ours) : 0;
  if (pinning.pinned && others >= foreignShare) notes.push(`other processes used ${percent(others)} of the client CPU`);
  if (clientCpu && clientCpu.steal >= 0.05) notes.push(`the hypervisor stole ${percent(clientCpu.steal)} of the client CPU`);
  if (stats.server) {
    const serverShare = stats.server_cpu_share ?? stats.server.cpu_share;
    const serverCpu = stats.cpus.find((share) => share.cpu === pinning.engineCpu);
    const serverOthers = serverCpu ? Math.max(0, serverCpu.busy - serverShare) : 0;
    if (serverShare >= 0.9) notes.push(`server CPU saturated: ${percent(serverShare)}`);
    if (pinning.pinned && serverOthers >= foreignShare) notes.push(`other processes used ${percent(serverOthers)} of the server CPU`);
    if (serverCpu && serverCpu.steal >= 0.05) notes.push(`the hypervisor stole ${percent(serverCpu.steal)} of the server CPU`);
  }
  return { client_side_limited: clientSideLimited, notes };
}
