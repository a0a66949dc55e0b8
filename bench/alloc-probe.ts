/**
 * @module Bench-only preload (`--import ./bench/alloc-probe.ts`) for `bench/reply-cost.ts`: counts the bytes the
 * process allocates on V8's heap between an `alloc-start` and an `alloc-stop` IPC message, from V8's GC profiler
 * (heap in use before each collection minus heap in use after the one before, plus the growth since the last).
 * With ALLOC_PROFILE=<file>, V8's sampling heap profiler also runs over the same window, collected objects
 * included, and its profile is written to `<file>.<pid>` (open it in Chrome's DevTools, Memory tab).
 * Without an IPC channel it does nothing; the product carries no benchmark code.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { GCProfiler, getHeapStatistics } from 'node:v8';

interface GcStatistic {
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

if (process.send !== undefined) {
  let profiler: GCProfiler | undefined;
  let usedAtStart = 0;
  const profileFile = process.env['ALLOC_PROFILE'];
  const session = profileFile === undefined ? undefined : new Session();
  session?.connect();
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'alloc-start') {
      profiler?.stop();
      profiler = new GCProfiler();
      usedAtStart = getHeapStatistics().used_heap_size;
      profiler.start();
      session?.post('HeapProfiler.startSampling', {
        samplingInterval: 8192,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      process.send?.({ type: 'alloc', bytes: 0, collections: 0 });
    } else if (message.type === 'alloc-stop') {
      const usedAtEnd = getHeapStatistics().used_heap_size;
      const result = profiler?.stop() as { statistics: GcStatistic[] } | undefined;
      profiler = undefined;
      let bytes = 0;
      let previousAfter = usedAtStart;
      for (const statistic of result?.statistics ?? []) {
        bytes += Math.max(0, statistic.beforeGC.heapStatistics.usedHeapSize - previousAfter);
        previousAfter = statistic.afterGC.heapStatistics.usedHeapSize;
      }
      bytes += Math.max(0, usedAtEnd - previousAfter);
      const reply = { type: 'alloc', bytes, collections: result?.statistics.length ?? 0 };
      if (session === undefined) process.send?.(reply);
      else {
        session.post('HeapProfiler.stopSampling', (error, sampled) => {
          if (!error) writeFileSync(`${profileFile!}.${process.pid}`, JSON.stringify(sampled.profile));
          process.send?.(reply);
        });
      }
    }
  });
}
