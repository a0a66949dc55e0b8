/**
 * @module Benchmark: how long validating a whole conversation tree takes, the cost paid on every read of a file
 * that changed on disk. Builds a ~10 MB tree of 10,000 nodes (bench/conversation-fixture.ts), then times
 * JSON.parse of its text, `validateDoc` on the parsed value as a file read does it (`fromJson`: the walk that
 * checks values are JSON is skipped) and as an in-process value gets it, and `validateChanges` for one append
 * (what every write checks). The median and the slowest of many runs, after a warm-up; figures in
 * docs/schemas.md. Run: node --import tsx bench/validate-tree.ts [nodes]
 */
import { performance } from 'node:perf_hooks';
import { serialiseTree, validateChanges, validateDoc, type ConversationDoc, type DocChange } from '../src/store/index.js';
import { makeConversation } from './conversation-fixture.js';

const wanted = Number(process.argv[2] ?? 10_000);
const warmUps = 5;
const runs = 30;

/** The fixture takes a size in bytes; grow it until it holds the wanted number of nodes. */
function treeOf(nodes: number): ReturnType<typeof makeConversation> {
  let bytes = nodes * 1000;
  for (;;) {
    const doc = makeConversation(bytes);
    const count = Object.keys(doc.nodes).length;
    if (count >= nodes) return doc;
    bytes = Math.ceil((bytes * nodes) / count) + 1000;
  }
}

function timed(work: () => unknown): { median: number; slowest: number } {
  for (let run = 0; run < warmUps; run++) work();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)]!, slowest: times[runs - 1]! };
}

const text = serialiseTree(treeOf(wanted));
const doc: unknown = JSON.parse(text);
const problem = validateDoc(doc);
if (problem) throw new Error(`the benchmark tree is invalid at ${problem.pointer}: ${problem.message}`);
const parse = timed(() => JSON.parse(text));
const fileRead = timed(() => validateDoc(doc, { fromJson: true }));
const inProcess = timed(() => validateDoc(doc));
const tree = doc as ConversationDoc;
const leaf = tree.active_path[tree.active_path.length - 1]!;
const append: DocChange[] = [
  { path: ['nodes', 'n_bench_append'], value: { pid: leaf, role: 'user', content: 'One more question.' } },
  { path: ['active_path'], value: [...tree.active_path, 'n_bench_append'] },
];
const write = timed(() => validateChanges(tree, append));
const nodes = Object.keys((doc as { nodes: object }).nodes).length;
const megabytes = (Buffer.byteLength(text) / 1024 / 1024).toFixed(1);
const milliseconds = (time: number): string => `${time.toFixed(time < 10 ? 2 : 1)} ms`;
const format = ({ median, slowest }: { median: number; slowest: number }): string =>
  `${milliseconds(median)} (slowest ${milliseconds(slowest)})`;
console.log(`${nodes} nodes, ${megabytes} MiB, Node ${process.version}, median of ${runs} runs`);
const line = (label: string, time: { median: number; slowest: number }): void => console.log(`${label.padEnd(35)}${format(time)}`);
line('JSON.parse:', parse);
line('validateDoc, a file read:', fileRead);
line('validateDoc, an in-process value:', inProcess);
line('validateChanges, one append:', write);
