/**
 * @module Bench-only preload (`--import ./bench/heap-probe.ts`) for `bench/held-memory.ts`: on a `heap-snapshot`
 * IPC message with a file name, writes a V8 heap snapshot there (V8 collects garbage first) and answers
 * `heap-snapshot-written`. Without an IPC channel it does nothing; the product carries no benchmark code.
 */
import { writeHeapSnapshot } from 'node:v8';

if (process.send !== undefined) {
  process.on('message', (message: { type?: string; file?: string }) => {
    if (message.type !== 'heap-snapshot' || message.file === undefined) return;
    writeHeapSnapshot(message.file);
    process.send?.({ type: 'heap-snapshot-written', file: message.file });
  });
}
