/**
 * @module The server's own figures for `GET /metrics` (Prometheus text format, prom-client): requests, generations
 * in flight, first-chunk and save latency, journal and save errors, and Node's process figures. One registry per
 * engine, never prom-client's global one, so two engines in one process (tests) keep their counts apart.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds: from a fraction of a millisecond (what the engine adds) up to a slow provider's or a 10 MB save's. */
const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'branchflow_http_requests_total',
    help: 'HTTP requests answered, by method, route (the step path for /api calls) and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly generationsStarted = new Counter({
    name: 'branchflow_generations_started_total',
    help: 'Generations started in this process.',
    registers: [this.registry],
  });
  readonly generationsInFlight = new Gauge({
    name: 'branchflow_generations_in_flight',
    help: 'Generations of this process still streaming or saving.',
    registers: [this.registry],
  });
  readonly generationsFinished = new Counter({
    name: 'branchflow_generations_finished_total',
    help: 'Generations ended, by outcome (completed, aborted, failed, empty).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly firstChunkSeconds = new Histogram({
    name: 'branchflow_generation_first_chunk_seconds',
    help: 'From the start of a generation to its first chunk of text (the provider included).',
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  readonly saveSeconds = new Histogram({
    name: 'branchflow_generation_save_seconds',
    help: 'From the end of the provider stream (finish) to the reply saved durably in its conversation (saved).',
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  readonly saveErrors = new Counter({
    name: 'branchflow_save_errors_total',
    help: 'Replies that could not be saved in their conversation (kept in a recovery file or journal instead).',
    registers: [this.registry],
  });
  readonly journalErrors = new Counter({
    name: 'branchflow_journal_errors_total',
    help: 'Checkpoints of a streaming reply that could not be written to its journal.',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'branchflow_' });
  }

  /** The text a scrape gets, and its content type. */
  async exposition(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
