/**
 * @module Scenario 1's added latency for several engine checkouts side by side (A/B), and the critical path of one
 * request inside each. One request at a time, rounds interleaved request by request: direct to the fake provider,
 * then each engine in turn (the order rotated), so a noisy neighbour falls on all of them alike.
 *
 *   node --import tsx bench/critical-path.ts [--engine=label:/path/to/checkout]... [--rounds=7] [--requests=40]
 *     [--trace]   # also preload bench/trace-probe.ts into each engine and print its per-step medians
 *
 * Added = engine − direct, per round at p50 and p99; the median over rounds is reported, with each engine's
 * ratio to the first. The trace costs time itself (every fs call is wrapped), so the A/B figures are measured
 * without it unless `--trace` is given. Not part of `npm run bench`; nothing here asserts a timing.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBenchRoot, shortChat } from './bench-root.js';
import { enginesFromArguments, startClientSide } from './harness.js';
import { startProcess, type BenchProcess } from './processes.js';
import type { ReplyProfile } from './reply-profile.js';
import { freshConnections } from './sse-reader.js';
import { median, quantile, round } from './stats.js';
import { completeOnce, streamOnce, type Origins, type StreamSpec, type TargetKind } from './targets.js';
import type { Dialect } from './wire.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number =>
  Number(argv.find((argument) => argument.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const rounds = option('rounds', 7);
const requests = option('requests', 40);
const trace = argv.includes('--trace');
const engines = enginesFromArguments(argv);

const profile: ReplyProfile = { firstTokenMs: 0, gapMinMs: 0, gapMaxMs: 0, chunkCount: 16, chunkSize: 8, tailMs: 0 };
const cases: Array<{ name: string; dialect: Dialect; measure: 'first chunk' | 'whole answer' }> = [
  { name: 'complete_stream first chunk, OpenAI wire', dialect: 'openai', measure: 'first chunk' },
  { name: 'complete_stream first chunk, Gemini wire', dialect: 'gemini', measure: 'first chunk' },
  { name: 'complete, whole answer, OpenAI wire', dialect: 'openai', measure: 'whole answer' },
];

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const probe = fileURLToPath(new URL('./engine-probe.ts', import.meta.url));
const traceProbe = fileURLToPath(new URL('./trace-probe.ts', import.meta.url));

const { pinning, fake } = await startClientSide();
const root = createBenchRoot(fake.url);
for (const dialect of ['openai', 'gemini'] as const) root.writeConfig(profile, dialect);
const conversationsPerCase = 20;
const conversations = cases.map((_, caseIndex) =>
  Array.from({ length: conversationsPerCase }, (_, index) => root.writeConversation(`path-${caseIndex}-${index}`, shortChat.doc)),
);

interface Engine {
  label: string;
  process: BenchProcess;
  traceFile: string;
}
const running: Engine[] = [];
try {
  for (const { label, directory } of engines) {
    const traceFile = join(tmpdir(), `branchflow-trace-${label}-${process.pid}.jsonl`);
    const engine = await startProcess({
      name: `engine ${label}`,
      nodeArgs: ['--import', 'tsx', '--import', probe, ...(trace ? ['--import', traceProbe] : []), 'src/main.ts'],
      cpu: pinning.engineCpu,
      cwd: directory,
      env: { BRANCHFLOW_ROOT: root.root, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...(trace ? { TRACE_FILE: traceFile } : {}) },
      readyFrom: 'stdout',
    });
    running.push({ label, process: engine, traceFile });
  }
  const lines: string[] = [
    `${rounds} rounds × ${requests} requests per target, one at a time, interleaved (direct, then each engine, order rotated); ` +
      `${pinning.description}. Added = engine − direct per round; median over rounds (min…max).`,
    '',
    `| case | engine | direct p50 | engine p50 | added p50 | added p99 | added p50 vs ${running[0]!.label} |`,
    '|---|---|---|---|---|---|---|',
  ];
  for (const [caseIndex, testCase] of cases.entries()) {
    let counter = 0;
    const spec = (): StreamSpec => ({
      profile,
      dialect: testCase.dialect,
      messages: shortChat.messages,
      conversation: { file: conversations[caseIndex]![counter++ % conversationsPerCase]!, parentId: shortChat.parentId },
    });
    const once = async (kind: TargetKind, origins: Origins): Promise<number> => {
      if (testCase.measure === 'whole answer') {
        const answer = await completeOnce(kind, origins, spec());
        return answer.endedAt - answer.startedAt;
      }
      const record = await streamOnce(kind, origins, spec());
      if (record.problems.length > 0) throw new Error(`${kind} stream: ${record.problems.join('; ')}`);
      return record.firstChunkAt! - record.startedAt;
    };
    const targets: Array<{ label: string; kind: TargetKind; origins: Origins }> = [
      { label: 'direct', kind: 'direct', origins: { fake: fake.url } },
      ...running.map((engine) => ({
        label: engine.label,
        kind: 'engine' as const,
        origins: { fake: fake.url, engine: engine.process.url },
      })),
    ];
    for (let index = 0; index < 10; index++) for (const target of targets) await once(target.kind, target.origins);
    const added50 = new Map<string, number[]>(running.map((engine) => [engine.label, []]));
    const added99 = new Map<string, number[]>(running.map((engine) => [engine.label, []]));
    const engine50 = new Map<string, number[]>(running.map((engine) => [engine.label, []]));
    const direct50: number[] = [];
    for (let roundIndex = 0; roundIndex < rounds; roundIndex++) {
      freshConnections();
      const times = new Map<string, number[]>(targets.map((target) => [target.label, []]));
      for (let index = 0; index < requests; index++) {
        for (let step = 0; step < targets.length; step++) {
          const target = targets[(index + step) % targets.length]!;
          times.get(target.label)!.push(await once(target.kind, target.origins));
        }
      }
      const direct = times.get('direct')!;
      direct50.push(quantile(direct, 0.5));
      for (const engine of running) {
        const own = times.get(engine.label)!;
        engine50.get(engine.label)!.push(quantile(own, 0.5));
        added50.get(engine.label)!.push(quantile(own, 0.5) - quantile(direct, 0.5));
        added99.get(engine.label)!.push(quantile(own, 0.99) - quantile(direct, 0.99));
      }
    }
    const spread = (values: number[]): string => `${round(median(values))} (${round(Math.min(...values))}…${round(Math.max(...values))})`;
    const first = median(added50.get(running[0]!.label)!);
    for (const engine of running) {
      const added = median(added50.get(engine.label)!);
      lines.push(
        `| ${testCase.name} | ${engine.label} | ${round(median(direct50))} | ${round(median(engine50.get(engine.label)!))} | ${spread(added50.get(engine.label)!)} | ${spread(added99.get(engine.label)!)} | ${round(added / first)}× |`,
      );
    }
    log(`${testCase.name} done`);
  }
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  for (const engine of running) await engine.process.stop();
  await fake.stop();
  root.cleanup();
}

if (trace) {
  // Each engine's trace file holds its requests in the order sent: per case, 10 warm-up requests then the measured ones.
  const perCase = 10 + rounds * requests;
  const traces = new Map(
    running.map((engine) => {
      const lines = readFileSync(engine.traceFile, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Array<{ label: string; at: number; ms?: number }>);
      if (process.env['KEEP_TRACE'] === undefined) rmSync(engine.traceFile, { force: true });
      else process.stderr.write(`trace kept: ${engine.traceFile}\n`);
      return [engine.label, lines] as const;
    }),
  );
  for (const [caseIndex, testCase] of cases.entries()) {
    const columns = running.map((engine) => ({
      label: engine.label,
      steps: stepMedians(traces.get(engine.label)!.slice(caseIndex * perCase + 10, (caseIndex + 1) * perCase)),
    }));
    const keys = [...new Set(columns.flatMap((column) => [...column.steps.keys()]))].sort(
      (a, b) => (columns[0]!.steps.get(a)?.at ?? Infinity) - (columns[0]!.steps.get(b)?.at ?? Infinity),
    );
    process.stdout.write(`\n### ${testCase.name}: medians over ${rounds * requests} requests, ms from the request arriving\n\n`);
    process.stdout.write(`| step | ${running.map((engine) => `${engine.label}: at | ${engine.label}: takes`).join(' | ')} |\n`);
    process.stdout.write(`|---|${running.map(() => '---|---').join('|')}|\n`);
    for (const key of keys) {
      const cells = columns.map((column) => {
        const step = column.steps.get(key);
        return step === undefined ? ' | ' : `${round(step.at, 3)} | ${step.ms === undefined ? '' : round(step.ms, 3)}`;
      });
      process.stdout.write(`| ${key} | ${cells.join(' | ')} |\n`);
    }
  }
}

/** Per step (the n-th occurrence of a label in a request is its own step), the median start and duration. */
function stepMedians(ofCase: Array<Array<{ label: string; at: number; ms?: number }>>): Map<string, { at: number; ms?: number }> {
  const starts = new Map<string, number[]>();
  const durations = new Map<string, number[]>();
  for (const marks of ofCase) {
    const seen = new Map<string, number>();
    for (const mark of [...marks].sort((a, b) => a.at - b.at)) {
      const nth = (seen.get(mark.label) ?? 0) + 1;
      seen.set(mark.label, nth);
      const key = nth === 1 ? mark.label : `${mark.label} #${nth}`;
      starts.set(key, [...(starts.get(key) ?? []), mark.at]);
      if (mark.ms !== undefined) durations.set(key, [...(durations.get(key) ?? []), mark.ms]);
    }
  }
  const steps = new Map<string, { at: number; ms?: number }>();
  for (const [key, values] of starts) {
    if (values.length < ofCase.length / 2) continue;
    const ms = durations.get(key);
    steps.set(key, { at: median(values), ...(ms === undefined ? {} : { ms: median(ms) }) });
  }
  return steps;
}
