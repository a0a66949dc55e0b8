/**
 * @module What one streamed reply costs the server: CPU (µs, from /proc) and bytes allocated on V8's heap (from
 * `alloc-probe.ts`), per reply, for the engine (one or more checkouts) and the bare relay, measured side by side
 * in interleaved rounds so that a noisy neighbour falls on all of them. CPU time per reply is far steadier on a
 * shared machine than throughput or latency, so this is the figure to compare two versions of the engine by.
 *
 *   node --import tsx bench/reply-cost.ts [--engine=label:/path/to/checkout]... [--rounds=5] [--replies=400]
 *     [--concurrency=8] [--cpu-prof]
 *
 * Without `--engine` it measures this checkout. `--cpu-prof` writes one V8 profile per engine into
 * bench/results/profiles/reply-cost-<label>/ and prints the `--from` that skips start-up and warm-up for
 * `bench/profile-top.ts`. Not part of `npm run bench`; nothing here asserts a timing.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createBenchRoot, shortChat } from './bench-root.js';
import { processCpuMs } from './cpu-load.js';
import { enginesFromArguments, repositoryRoot, resultsFolder, startClientSide } from './harness.js';
import { startProcess, type BenchProcess } from './processes.js';
import { instantProfile } from './reply-profile.js';
import { freshConnections } from './sse-reader.js';
import { median } from './stats.js';
import { streamOnce, type Origins, type StreamSpec, type TargetKind } from './targets.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number =>
  Number(argv.find((argument) => argument.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const rounds = option('rounds', 5);
const replies = option('replies', 400);
const concurrency = option('concurrency', 8);
const cpuProfile = argv.includes('--cpu-prof');
const engines = enginesFromArguments(argv);

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const probe = fileURLToPath(new URL('./engine-probe.ts', import.meta.url));
const allocProbe = fileURLToPath(new URL('./alloc-probe.ts', import.meta.url));

const { pinning, fake } = await startClientSide();
const profile = instantProfile;
const root = createBenchRoot(fake.url);
root.writeConfig(profile, 'openai');
const conversationCount = 64;
const conversations = Array.from({ length: conversationCount }, (_, index) => root.writeConversation(`cost-${index}`, shortChat.doc));

interface Target {
  label: string;
  kind: TargetKind;
  process: BenchProcess;
  startedAt: number;
  cpuUsPerReply: number[];
  bytesPerReply: number[];
}

const targets: Target[] = [];
try {
  for (const { label, directory } of engines) {
    const profileArgs: string[] = [];
    if (cpuProfile) {
      const folder = `${resultsFolder}profiles/reply-cost-${label}`;
      rmSync(folder, { recursive: true, force: true });
      mkdirSync(folder, { recursive: true });
      profileArgs.push('--cpu-prof', `--cpu-prof-dir=${folder}`);
    }
    const startedAt = performance.now();
    const engine = await startProcess({
      name: `engine ${label}`,
      nodeArgs: ['--import', 'tsx', '--import', probe, '--import', allocProbe, ...profileArgs, 'src/main.ts'],
      cpu: pinning.engineCpu,
      cwd: directory,
      env: { BRANCHFLOW_ROOT: root.root, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      readyFrom: 'stdout',
    });
    targets.push({ label: `engine ${label}`, kind: 'engine', process: engine, startedAt, cpuUsPerReply: [], bytesPerReply: [] });
  }
  const relay = await startProcess({
    name: 'bare relay',
    nodeArgs: ['--import', 'tsx', '--import', allocProbe, 'bench/bare-relay.ts'],
    cpu: pinning.engineCpu,
    cwd: repositoryRoot,
    env: { UPSTREAM_ORIGIN: fake.url },
    readyFrom: 'ipc',
  });
  targets.push({ label: 'bare relay', kind: 'relay', process: relay, startedAt: performance.now(), cpuUsPerReply: [], bytesPerReply: [] });

  let counter = 0;
  const spec = (): StreamSpec => ({
    profile,
    dialect: 'openai',
    messages: shortChat.messages,
    conversation: { file: conversations[counter++ % conversationCount]!, parentId: shortChat.parentId },
  });
  const run = async (target: Target, count: number): Promise<void> => {
    const origins: Origins = { fake: fake.url, [target.kind]: target.process.url };
    let left = count;
    const problems: string[] = [];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left > 0) {
          left--;
          const record = await streamOnce(target.kind, origins, spec());
          problems.push(...record.problems);
        }
      }),
    );
    if (problems.length > 0) throw new Error(`${target.label}: ${problems.slice(0, 3).join('; ')}`);
  };

  for (const target of targets) await run(target, Math.max(200, replies / 2)); // warm-up: JIT, caches, pools
  const measuredFrom = new Map(targets.map((target) => [target, (performance.now() - target.startedAt) / 1000]));
  for (let round = 0; round < rounds; round++) {
    const order = targets.map((_, index) => targets[(index + round) % targets.length]!);
    for (const target of order) {
      freshConnections();
      await allocControl(target.process, 'alloc-start');
      const cpuBefore = processCpuMs(target.process.child.pid)!;
      await run(target, replies);
      const cpuAfter = processCpuMs(target.process.child.pid)!;
      const { bytes } = await allocControl(target.process, 'alloc-stop');
      target.cpuUsPerReply.push(((cpuAfter - cpuBefore) * 1000) / replies);
      target.bytesPerReply.push(bytes / replies);
    }
    log(`round ${round + 1} of ${rounds} done`);
  }

  const first = targets[0]!;
  const relayTarget = targets.at(-1)!;
  const lines = [
    `${replies} streamed replies (32 chunks, instant fake, OpenAI wire) per round at concurrency ${concurrency}, ${rounds} rounds, interleaved; median over rounds (min…max). ${pinning.description}.`,
    '',
    `| server | CPU per reply | vs ${first.label} | vs bare relay | heap allocated per reply |`,
    '|---|---|---|---|---|',
    ...targets.map((target) => {
      const cpu = median(target.cpuUsPerReply);
      const bytes = median(target.bytesPerReply);
      return `| ${target.label} | ${Math.round(cpu)} µs (${Math.round(Math.min(...target.cpuUsPerReply))}…${Math.round(Math.max(...target.cpuUsPerReply))}) | ${(cpu / median(first.cpuUsPerReply)).toFixed(2)}× | ${(cpu / median(relayTarget.cpuUsPerReply)).toFixed(1)}× | ${Math.round(bytes / 1024)} KB |`;
    }),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (cpuProfile) {
    for (const target of targets.slice(0, -1)) {
      log(`${target.label}: profile-top --from=${Math.ceil(measuredFrom.get(target)!)} (start-up and warm-up skipped)`);
    }
  }
} finally {
  for (const target of targets) await target.process.stop();
  await fake.stop();
  root.cleanup();
}

function allocControl(process: BenchProcess, type: 'alloc-start' | 'alloc-stop'): Promise<{ bytes: number }> {
  return new Promise((resolve) => {
    const listener = (message: { type?: string; bytes?: number }): void => {
      if (message.type !== 'alloc') return;
      process.child.off('message', listener);
      resolve({ bytes: message.bytes ?? 0 });
    };
    process.child.on('message', listener);
    process.child.send({ type });
  });
}
