/**
 * @module What each benchmark process knows about itself: CPU time, event-loop delay and resident memory since
 * the last reset. The fake provider, the relay, the engine's probe and the load generator all use it, so a
 * figure can be blamed on the process that was actually short of CPU.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export interface ProcessStats {
  /** Wall time since the reset, ms. */
  elapsed_ms: number;
  /** User + system CPU time since the reset, ms (all threads of the process). */
  cpu_ms: number;
  /** cpu_ms / elapsed_ms: 1 means one core fully busy. */
  cpu_share: number;
  /** Event-loop delay beyond the 1 ms sampling tick, ms. */
  event_loop_p50_ms: number;
  event_loop_p99_ms: number;
  event_loop_max_ms: number;
  rss_bytes: number;
  /** Highest resident memory sampled (every 50 ms) since the reset. */
  rss_peak_bytes: number;
  heap_used_bytes: number;
  /** Memory outside the V8 heap held by JavaScript objects (Buffers, ArrayBuffers, native handles' data). */
  external_bytes: number;
  /** Highest V8 heap in use sampled (every 50 ms) since the reset: live objects plus garbage not yet collected. */
  heap_used_peak_bytes: number;
}

/** The sampling tick: monitorEventLoopDelay reports the whole interval, so the tick is subtracted. */
const resolutionMs = 1;

export class ProcessMonitor {
  readonly #histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  #startedAt = performance.now();
  #cpuAtStart = process.cpuUsage();
  #rssPeak = 0;
  #heapPeak = 0;
  readonly #sampler: NodeJS.Timeout;

  constructor() {
    this.#histogram.enable();
    this.#sampler = setInterval(() => this.#sampleMemory(), 50);
    this.#sampler.unref();
    this.reset();
  }

  reset(): void {
    this.#histogram.reset();
    this.#startedAt = performance.now();
    this.#cpuAtStart = process.cpuUsage();
    this.#rssPeak = 0;
    this.#heapPeak = 0;
    this.#sampleMemory();
  }

  read(): ProcessStats {
    const memory = this.#sampleMemory();
    const elapsed = performance.now() - this.#startedAt;
    const cpu = process.cpuUsage(this.#cpuAtStart);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const beyondTick = (nanoseconds: number): number => round(Math.max(0, nanoseconds / 1e6 - resolutionMs));
    const empty = this.#histogram.count === 0;
    return {
      elapsed_ms: round(elapsed),
      cpu_ms: round(cpuMs),
      cpu_share: round(elapsed > 0 ? cpuMs / elapsed : 0),
      event_loop_p50_ms: empty ? 0 : beyondTick(this.#histogram.percentile(50)),
      event_loop_p99_ms: empty ? 0 : beyondTick(this.#histogram.percentile(99)),
      event_loop_max_ms: empty ? 0 : beyondTick(this.#histogram.max),
      rss_bytes: memory.rss,
      rss_peak_bytes: this.#rssPeak,
      heap_used_bytes: memory.heapUsed,
      external_bytes: memory.external,
      heap_used_peak_bytes: this.#heapPeak,
    };
  }

  stop(): void {
    clearInterval(this.#sampler);
    this.#histogram.disable();
  }

  #sampleMemory(): { rss: number; heapUsed: number; external: number } {
    const { rss, heapUsed, external } = process.memoryUsage();
    if (rss > this.#rssPeak) this.#rssPeak = rss;
    if (heapUsed > this.#heapPeak) this.#heapPeak = heapUsed;
    return { rss, heapUsed, external };
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
