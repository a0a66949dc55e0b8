/**
 * @module Reads a V8 `.cpuprofile` (from `npm run bench -- --cpu-prof`) and prints where the time went: self time
 * summed per package or source folder, the top functions by self time, and branchflow's own functions by inclusive
 * time. Run:
 * node --import tsx bench/profile-top.ts bench/results/profiles/capacity/CPU....cpuprofile [count] [--from=<s>]
 * `--from` skips the first seconds of the profile (start-up: module loading, schema compilation).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const fromArgument = process.argv.find((argument) => argument.startsWith('--from='));
const [file, countText = '30'] = process.argv.slice(2).filter((argument) => !argument.startsWith('--'));
const skipMicroseconds = Number(fromArgument?.slice('--from='.length) ?? 0) * 1e6;
if (file === undefined) throw new Error('usage: profile-top.ts <file.cpuprofile> [count]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicroseconds = new Map<number, number>();
let elapsed = 0;
profile.samples.forEach((id, index) => {
  elapsed += profile.timeDeltas[index] ?? 0;
  if (elapsed >= skipMicroseconds) selfMicroseconds.set(id, (selfMicroseconds.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
});
const total = [...selfMicroseconds.values()].reduce((sum, value) => sum + value, 0);

const functions = new Map<string, number>();
const places = new Map<string, number>();
for (const [id, microseconds] of selfMicroseconds) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const source = url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules|src|workflows|bench)\//, '$1/');
  functions.set(
    `${functionName || '(anonymous)'} ${source}:${lineNumber + 1}`,
    (functions.get(`${functionName || '(anonymous)'} ${source}:${lineNumber + 1}`) ?? 0) + microseconds,
  );
  places.set(placeOf(source, functionName), (places.get(placeOf(source, functionName)) ?? 0) + microseconds);
}

function placeOf(source: string, functionName: string): string {
  if (source === '') return functionName.startsWith('(') ? functionName : '(native)';
  const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source) ?? /^((?:src|workflows|bench)\/[^/]+)/.exec(source);
  return match?.[1] ?? (source.startsWith('node:') ? 'node: internals' : source);
}

// Inclusive time: a sample counts once for every distinct function on its stack (what a flame graph's width shows).
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const inclusive = new Map<string, number>();
for (const [id, microseconds] of selfMicroseconds) {
  const seen = new Set<string>();
  for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
    const { functionName, url, lineNumber } = byId.get(current)!.callFrame;
    if (!/\/(src|workflows)\//.test(url) || seen.has(`${functionName}${url}${lineNumber}`)) continue;
    seen.add(`${functionName}${url}${lineNumber}`);
    const name = `${functionName || '(anonymous)'} ${url.replace(/^.*?\/(src|workflows)\//, '$1/')}:${lineNumber + 1}`;
    inclusive.set(name, (inclusive.get(name) ?? 0) + microseconds);
  }
}

// Owner: each sample charged to the nearest frame on its stack that is branchflow's code or a package, so time
// spent in Node internals or native calls lands on whoever asked for it (web streams under the SDK, realpath under the store).
const owners = new Map<string, number>();
for (const [id, microseconds] of selfMicroseconds) {
  let owner: string | undefined;
  for (let current: number | undefined = id; current !== undefined && owner === undefined; current = parentOf.get(current)) {
    const { functionName, url } = byId.get(current)!.callFrame;
    const source = url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules|src|workflows|bench)\//, '$1/');
    if (/^(node_modules|src|workflows|bench)\//.test(source)) owner = placeOf(source, functionName);
    else if (current === id && (functionName === '(idle)' || functionName === '(garbage collector)' || functionName === '(program)'))
      owner = functionName;
  }
  owners.set(owner ?? '(no owner: Node internals alone)', (owners.get(owner ?? '(no owner: Node internals alone)') ?? 0) + microseconds);
}

const show = (title: string, entries: Map<string, number>, count: number): void => {
  process.stdout.write(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)\n`);
  for (const [name, microseconds] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    process.stdout.write(
      `${((microseconds / total) * 100).toFixed(1).padStart(5)}%  ${(microseconds / 1000).toFixed(0).padStart(6)} ms  ${name}\n`,
    );
  }
};
show('self time by package / folder', places, 25);
show('time by owner (nearest branchflow folder or package on the stack)', owners, 25);
show('self time by function', functions, Number(countText));
show('inclusive time of branchflow functions', inclusive, Number(countText));
