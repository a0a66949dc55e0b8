/**
 * @module `npm run bench` (full, a few minutes) and `npm run bench -- --quick` (under a minute): starts the fake
 * provider, runs the scenarios (each against a fresh engine process; quick leaves out 6 and 7), and writes bench/results/latest.json and
 * latest.md. Options: `--quick`, `--only=1,3` (scenario numbers), `--cpu-prof` (a V8 profile of the engine per
 * scenario in bench/results/profiles/). Benchmarks are not tests: nothing here asserts a timing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { engineDirectory, repositoryRoot, resultsFolder, type BenchContext } from './harness.js';
import { ProcessMonitor } from './process-monitor.js';
import { choosePinning, pinSelf, startProcess } from './processes.js';
import { renderMarkdown } from './report.js';
import type { ScenarioResult } from './scenario.js';
import { addedLatency } from './scenarios/added-latency.js';
import { capacity } from './scenarios/capacity.js';
import { openStreams } from './scenarios/open-streams.js';
import { persistence } from './scenarios/persistence.js';
import { correctness } from './scenarios/correctness.js';
import { twoServers } from './scenarios/two-servers.js';
import { growth } from './scenarios/growth.js';
import { peers } from './scenarios/peers.js';

const scenarios = [addedLatency, capacity, openStreams, persistence, correctness, twoServers, growth, peers];
/** Scenarios that start many engines (6: six servers and their takeovers; 7: one per size and count): minutes even
 * when quick, so a quick run leaves them out unless `--only` names them. */
const slowScenarios = [6, 7];

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv
  .find((argument) => argument.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
  .map(Number);
const cpuProfile = argv.includes('--cpu-prof');

const startedAt = Date.now();
// The machine is shared: its load before and after says how much of the noise came from elsewhere.
const loadBefore = loadavg().map((value) => Math.round(value * 10) / 10);
const pinning = choosePinning();
if (pinning.clientCpu !== undefined) pinSelf(pinning.clientCpu);
const log = (line: string): void => void process.stderr.write(`${line}\n`);
log(`branchflow benchmark (${quick ? 'quick' : 'full'}); ${pinning.description}`);
if (quick && !only)
  log(`quick: scenarios ${slowScenarios.join(' and ')} left out (they start many engines); --only=${slowScenarios.join(',')} runs them`);

const fake = await startProcess({
  name: 'fake provider',
  nodeArgs: ['--import', 'tsx', 'bench/fake-provider.ts'],
  cpu: pinning.clientCpu,
  cwd: repositoryRoot,
  readyFrom: 'ipc',
});
const context: BenchContext = { quick, cpuProfile, pinning, fake, client: new ProcessMonitor(), log };
const results: ScenarioResult[] = [];
const failed: Array<{ scenario: number; error: string }> = [];
try {
  for (const [index, scenario] of scenarios.entries()) {
    if (only ? !only.includes(index + 1) : quick && slowScenarios.includes(index + 1)) continue;
    const scenarioStarted = Date.now();
    log(`scenario ${index + 1}: ${scenario.name}`);
    try {
      results.push(await scenario(context));
    } catch (error) {
      // One broken scenario must not lose the others' results; the failure is reported where its table would be.
      log(`scenario ${index + 1} failed: ${(error as Error).stack}`);
      failed.push({ scenario: index + 1, error: (error as Error).message });
    }
    log(`  (${Math.round((Date.now() - scenarioStarted) / 1000)} s)`);
  }
} finally {
  await fake.stop();
}

const cpuList = cpus();
const report = {
  date: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  duration_s: Math.round((Date.now() - startedAt) / 1000),
  machine: {
    cpu: cpuList[0]?.model ?? 'unknown',
    cores: cpuList.length,
    memory_gib: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    pinning: pinning.description,
    load_average_before: loadBefore,
    load_average_after: loadavg().map((value) => Math.round(value * 10) / 10),
    engine: engineVersion(),
  },
  goals: results.flatMap((result) => result.goals),
  failed_scenarios: failed,
  scenarios: results,
};
mkdirSync(resultsFolder, { recursive: true });
const name = only ? `latest-only-${only.join('-')}` : 'latest';
writeFileSync(`${resultsFolder}${name}.json`, JSON.stringify(report, null, 2) + '\n');
const markdown = renderMarkdown(report);
writeFileSync(`${resultsFolder}${name}.md`, markdown);
process.stdout.write(markdown);
log(`wrote bench/results/${name}.json and ${name}.md in ${report.duration_s} s`);

/**
 * Which engine was measured: its commit (and whether its code had uncommitted changes), and whether it was this
 * checkout or another one (BENCH_ENGINE_DIR). No folder path: it says nothing to a reader on another machine.
 */
function engineVersion(): string {
  const where = engineDirectory === repositoryRoot ? '' : ' (another checkout, BENCH_ENGINE_DIR)';
  try {
    const git = (...args: string[]): string =>
      execFileSync('git', ['-C', engineDirectory, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    const changed = git('status', '--porcelain', '--', 'src', 'workflows') !== '';
    return `commit ${commit}${changed ? ' with uncommitted changes in src/ or workflows/' : ''}${where}`;
  } catch {
    return `not a git checkout, commit unknown${where}`;
  }
}
