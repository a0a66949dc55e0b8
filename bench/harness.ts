/**
 * @module What every scenario gets: the run's settings, the long-lived fake provider, the load generator's own
 * monitor, and ways to start the engine (the real server, `src/main.ts`, with the bench probe preloaded) and
 * the bare relay as pinned processes. `measure` wraps one window of load and says which process, if any, was
 * short of CPU: when the fake or the load generator was, the figures are marked as limited by the client side.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchRoot } from './bench-root.js';
import type { ProcessMonitor, ProcessStats } from './process-monitor.js';
import { startProcess, type BenchProcess, type Pinning } from './processes.js';

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

export async function startEngine(context: BenchContext, root: BenchRoot, scenario: string): Promise<BenchProcess> {
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
    nodeArgs: ['--import', 'tsx', '--import', './bench/engine-probe.ts', ...profileArgs, 'src/main.ts'],
    cpu: context.pinning.engineCpu,
    cwd: repositoryRoot,
    env: { BRANCHFLOW_ROOT: root.root, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    readyFrom: 'stdout',
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

export interface WindowStats {
  fake: ProcessStats;
  client: ProcessStats;
  server?: ProcessStats;
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
  const [fakeBefore, serverBefore] = await Promise.all([context.fake.reset(), server?.reset()]);
  context.client.reset();
  const before: WindowStats = { fake: fakeBefore, client: context.client.read(), ...(serverBefore ? { server: serverBefore } : {}) };
  const value = await work();
  const [fake, serverStats] = await Promise.all([context.fake.read(), server?.read()]);
  const stats: WindowStats = { fake, client: context.client.read(), ...(serverStats ? { server: serverStats } : {}) };
  return { value, before, stats, verdict: judge(stats, context.pinning.pinned) };
}

const busyShare = 0.8;
const delayedMs = 10;

export function judge(stats: WindowStats, sharedClientCpu: boolean): Verdict {
  const notes: string[] = [];
  const percent = (share: number): string => `${Math.round(share * 100)}%`;
  for (const [name, own] of [['fake provider', stats.fake], ['load generator', stats.client]] as const) {
    if (own.cpu_share >= busyShare) notes.push(`${name} busy: ${percent(own.cpu_share)} of a CPU`);
    if (own.event_loop_p99_ms > delayedMs) notes.push(`${name} event loop delayed: p99 ${own.event_loop_p99_ms} ms`);
  }
  const together = stats.fake.cpu_share + stats.client.cpu_share;
  if (sharedClientCpu && together >= 0.9) notes.push(`client CPU saturated: fake + load generator ${percent(together)}`);
  const clientSideLimited = notes.length > 0;
  if (stats.server && stats.server.cpu_share >= 0.9) notes.push(`server CPU saturated: ${percent(stats.server.cpu_share)}`);
  return { client_side_limited: clientSideLimited, notes };
}
