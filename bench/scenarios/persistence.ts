/**
 * @module Scenario 4, persistence: replies saved into conversations of 10 KB, 100 KB, 1 MB and 10 MB. Per reply,
 * the time from the engine's `finish` frame (sent the moment the provider's stream ended) to its `saved` frame
 * (the node is durable on disk), and the longest event-loop stall in the engine while saving (its probe is reset
 * when the last chunk arrives; the fake holds the finish frame back 100 ms so the reset lands before the save),
 * plus the longest stall before the save (reading the big file, building the prompt). The direct baseline is the
 * naive save of the same file in the load generator: read, JSON.parse, add the node, JSON.stringify, atomic
 * write with fsync (as bench/store-append.ts's `naive`). Goal: at 10 MB, save stall p99 ≤ 10 ms.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { ConversationDoc } from '../../src/store/index.js';
import { createBenchRoot } from '../bench-root.js';
import { makeConversation } from '../conversation-fixture.js';
import { measure, startEngine, type BenchContext } from '../harness.js';
import type { ReplyProfile } from '../reply-profile.js';
import { checkAtMost, collectNotes, type ScenarioResult } from '../scenario.js';
import { quantile, ratio, round } from '../stats.js';
import { streamOnce, type StreamRecord } from '../targets.js';
import type { Message } from '../wire.js';

const profile: ReplyProfile = { firstTokenMs: 0, gapMinMs: 0, gapMaxMs: 0, chunkCount: 16, chunkSize: 8, tailMs: 100 };
const sizes = [
  { label: '10 KB', bytes: 10 * 1024 },
  { label: '100 KB', bytes: 100 * 1024 },
  { label: '1 MB', bytes: 1024 * 1024 },
  { label: '10 MB', bytes: 10 * 1024 * 1024 },
];
/** Replies go under the first user turn, so the prompt stays small and only the save grows with the file. */
const parentId = 'n_user1';

interface Row {
  size: string;
  file_bytes: number;
  saves: number;
  finish_to_saved_ms: { p50: number; p99: number };
  save_stall_ms: { p50: number; p99: number; max: number };
  stall_before_save_ms: { p50: number; p99: number };
  naive_save_ms: { p50: number; p99: number };
  naive_stall_ms: { p50: number; p99: number };
  ratio_p50: number | null;
  failures: number;
  first_failure?: string;
}

export async function persistence(context: BenchContext): Promise<ScenarioResult> {
  const settings = context.quick ? { saves: 5, warm_up: 1 } : { saves: 50, warm_up: 3 };
  const root = createBenchRoot(context.fake.url);
  root.writeConfig(profile, 'openai');
  const docs = sizes.map((size) => makeConversation(size.bytes));
  const files = docs.map((doc, index) => root.writeConversation(`persist-${index}`, doc));
  const engine = await startEngine(context, root, 'persistence');
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    for (const [index, size] of sizes.entries()) {
      const doc = docs[index]!;
      const messages: Message[] = [doc.nodes['n_root1']!, doc.nodes[parentId]!].map((node) => ({ role: node.role, content: node.content }));
      const finishToSaved: number[] = [];
      const saveStalls: number[] = [];
      const stallsBefore: number[] = [];
      let failures = 0;
      let firstFailure: string | undefined;
      // One window around all the saves of a size, for the CPU notes (the per-save windows use the engine's probe directly).
      const { verdict } = await measure(context, engine, async () => {
        for (let save = 0; save < settings.warm_up + settings.saves; save++) {
          await engine.reset();
          let beforeSave: Promise<number> | undefined;
          let record: StreamRecord;
          try {
            record = await streamOnce(
              'engine',
              { fake: context.fake.url, engine: engine.url },
              {
                profile,
                dialect: 'openai',
                messages,
                conversation: { file: files[index]!, parentId },
                // The read returns the stall so far; the reset right behind it (same channel, in order) starts the save's window.
                onLastChunk: () => {
                  beforeSave = engine.read().then((stats) => stats.event_loop_max_ms);
                  void engine.reset();
                },
              },
            );
          } catch (error) {
            failures++;
            firstFailure ??= `${(error as Error).message}\n${engine.stderrTail}`;
            continue;
          }
          const saveStats = await engine.read();
          if (save < settings.warm_up) continue;
          if (record.problems.length > 0 || record.savedAt === undefined || record.finishAt === undefined) {
            failures++;
            firstFailure ??= record.problems.join('; ');
            continue;
          }
          finishToSaved.push(record.savedAt - record.finishAt);
          saveStalls.push(saveStats.event_loop_max_ms);
          stallsBefore.push((await beforeSave) ?? Number.NaN);
        }
      });
      collectNotes(`${size.label}`, verdict, notes);
      const naive = await naiveSaves(context, doc, settings.saves);
      const row: Row = {
        size: size.label,
        file_bytes: Buffer.byteLength(JSON.stringify(doc, null, 2)),
        saves: finishToSaved.length,
        finish_to_saved_ms: { p50: round(quantile(finishToSaved, 0.5)), p99: round(quantile(finishToSaved, 0.99)) },
        save_stall_ms: {
          p50: round(quantile(saveStalls, 0.5)),
          p99: round(quantile(saveStalls, 0.99)),
          max: round(Math.max(...saveStalls)),
        },
        stall_before_save_ms: { p50: round(quantile(stallsBefore, 0.5)), p99: round(quantile(stallsBefore, 0.99)) },
        naive_save_ms: { p50: round(quantile(naive.times, 0.5)), p99: round(quantile(naive.times, 0.99)) },
        naive_stall_ms: { p50: round(quantile(naive.stalls, 0.5)), p99: round(quantile(naive.stalls, 0.99)) },
        ratio_p50: null,
        failures,
        ...(firstFailure === undefined ? {} : { first_failure: firstFailure }),
      };
      if (firstFailure !== undefined) context.log(`  ${size.label}: ${failures} failed saves; first: ${firstFailure}`);
      row.ratio_p50 = ratio(row.finish_to_saved_ms.p50, row.naive_save_ms.p50);
      rows.push(row);
      context.log(`  ${size.label}: finish→saved p50 ${row.finish_to_saved_ms.p50} ms, save stall p99 ${row.save_stall_ms.p99} ms`);
    }
  } finally {
    await engine.stop();
    root.cleanup();
  }
  const largest = rows[rows.length - 1];
  return {
    id: 'persistence',
    title: '4. Persistence: saving a reply into big conversations',
    settings: { ...settings, profile, parent_id: parentId },
    rows,
    goals: largest ? [checkAtMost('4 persistence', `${largest.size}: save stall p99 ≤ 10 ms`, largest.save_stall_ms.p99, 10, 'ms')] : [],
    window_notes: notes,
    markdown: [
      `${settings.saves} saves per size after ${settings.warm_up} warm-up, one at a time. finish→saved: client time between the engine's \`finish\` and \`saved\` frames. ` +
        "Stall: the engine's longest event-loop delay beyond its 1 ms tick (save window: from the last chunk to `saved`; before: from the request to the last chunk). " +
        'Naive: read + parse + add + stringify + atomic write with fsync, in the load generator.',
      '',
      '| size | finish→saved p50 | p99 | naive save p50 | engine/naive | save stall p50 | save stall p99 | stall before save p99 | naive stall p99 |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (row) =>
          `| ${row.size} | ${row.finish_to_saved_ms.p50} ms | ${row.finish_to_saved_ms.p99} ms | ${row.naive_save_ms.p50} ms | ${row.ratio_p50 ?? '-'}× | ` +
          `${row.save_stall_ms.p50} ms | ${row.save_stall_ms.p99} ms | ${row.stall_before_save_ms.p99} ms | ${row.naive_stall_ms.p99} ms |`,
      ),
    ],
  };
}

/** The naive save, timed, in this process (on the client CPU, idle by now), with its own event-loop stall. */
async function naiveSaves(context: BenchContext, doc: ConversationDoc, count: number): Promise<{ times: number[]; stalls: number[] }> {
  const folder = mkdtempSync(join(tmpdir(), 'branchflow-bench-naive-'));
  const file = join(folder, 'conversation.json');
  writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  const times: number[] = [];
  const stalls: number[] = [];
  try {
    for (let index = 0; index < count; index++) {
      context.client.reset();
      const started = performance.now();
      const current = JSON.parse(await readFile(file, 'utf8')) as ConversationDoc;
      const nodeId = `n_naive${index}`;
      current.nodes[nodeId] = { pid: parentId, role: 'assistant', content: 'x'.repeat(128), node_updated_at: new Date().toISOString() };
      (current.children ??= {})[parentId] = [...(current.children[parentId] ?? []), nodeId];
      await writeFileAtomic(file, JSON.stringify(current, null, 2) + '\n');
      times.push(performance.now() - started);
      // Let the tick that spans the end of the save land before reading the delay.
      await new Promise((resolve) => setTimeout(resolve, 3));
      stalls.push(context.client.read().event_loop_max_ms);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  return { times, stalls };
}
