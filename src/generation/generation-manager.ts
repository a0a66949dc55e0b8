/**
 * @module The generations of this process: start (idempotent by request id), look up, abort, list, and
 * shut down (abort all, wait for their partial saves). Finished generations stay for a while so that a
 * reconnecting viewer gets the rest of the log instead of a second, paid generation.
 *
 * The folder src/generation/ owns server-side generations: one generation's event log and viewers
 * (`generation.ts`), this manager, the event schema (`generation-events.ts`) and checkpoint journals
 * (`journal.ts`). It may import src/lib/, src/store/index.ts and src/llm/. The job that runs a generation
 * (prepare, start, run, save, recover) is the workflow's, in workflows/chat_completion/job/.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../lib/logger.js';
import { CallError } from '../lib/call-error.js';
import type { Metrics } from '../lib/metrics.js';
import type { Generation, GenerationSummary } from './generation.js';
import { LocalGenerationLog, type GenerationLog, type GenerationView, type SharedDetails, type TakeOver } from './generation-log.js';

export interface GenerationManagerOptions {
  logger: Logger;
  /** How long a finished generation's log is kept for late viewers (default 10 minutes). */
  retentionMs?: number;
  /** How often streamed text is checkpointed to the journal (default 1000 ms). */
  checkpointIntervalMs?: number;
  /** Where events are kept beyond this process: a shared log (Redis) lets other servers resume and take over. */
  log?: GenerationLog;
  /** Where generations are counted and timed for `GET /metrics`. */
  metrics?: Metrics;
}

/** The job behind a generation: streams, saves, and logs events ending with `end`. */
export type GenerationJob = (generation: Generation) => Promise<void>;

export class GenerationManager {
  readonly #generations = new Map<string, Generation>();
  readonly #byRequestId = new Map<string, Generation>();
  readonly #logger: Logger;
  readonly #retentionMs: number;
  readonly checkpointIntervalMs: number;
  readonly log: GenerationLog;
  readonly metrics: Metrics | undefined;

  constructor(options: GenerationManagerOptions) {
    this.metrics = options.metrics;
    this.#logger = options.logger;
    this.#retentionMs = options.retentionMs ?? 10 * 60_000;
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 1000;
    this.log = options.log ?? new LocalGenerationLog();
    // Another server asked to stop a generation: if it runs here, stop it as an abort call would.
    this.log.onAbortRequest((generationId) => this.#generations.get(generationId)?.abort('user'));
  }

  /** Starts taking over generations whose server went away (a shared log only); `takeOver` saves each once. */
  watchForOrphans(takeOver: TakeOver): void {
    this.log.watchForOrphans(takeOver);
  }

  /** A generation id: letters, digits, `-` and `_`, safe in file names and SSE ids. */
  static newId(): string {
    return 'gen_' + randomBytes(9).toString('base64url');
  }

  /** The generation already started with this request id, if any (a retried request attaches to it). */
  findByRequestId(requestId: string): Generation | undefined {
    return this.#byRequestId.get(requestId);
  }

  /**
   * The generation a request id started on this server or, with a shared log, on any server: a retried request
   * attaches to it wherever it runs. A shared log that cannot be reached counts as not knowing the id: the start
   * goes on to its claim (which then fails the same way), as a start without a shared log would.
   */
  async findByRequestIdAnywhere(requestId: string): Promise<GenerationView | undefined> {
    const here = this.#byRequestId.get(requestId);
    if (here !== undefined || !this.log.shared) return here;
    let generationId: string | undefined;
    try {
      generationId = await this.log.findRequest(requestId);
    } catch (error) {
      this.#logger.warn('could not look up a request_id in the shared generation log', {
        request_id: requestId,
        error: (error as Error).message,
      });
      return undefined;
    }
    return generationId === undefined ? undefined : this.#viewOfClaimed(requestId, generationId);
  }

  /**
   * Claims a request id for a generation about to start, on every server (a shared log): undefined when this one
   * may start, else the generation that holds the request id (a retry that raced this one, here or elsewhere).
   * When the shared log cannot be reached the generation still starts, as it does without Redis, idempotent here only.
   */
  async claimRequest(requestId: string, generationId: string): Promise<GenerationView | undefined> {
    const here = this.#byRequestId.get(requestId);
    if (here !== undefined || !this.log.shared) return here;
    let holder: string | undefined;
    try {
      holder = await this.log.claimRequest(requestId, generationId);
    } catch (error) {
      this.#logger.warn('could not claim a request_id in the shared generation log; a retry on another server may start it again', {
        request_id: requestId,
        error: (error as Error).message,
      });
      return undefined;
    }
    if (holder === undefined || holder === generationId) return undefined;
    return this.#generations.get(holder) ?? this.#viewOfClaimed(requestId, holder);
  }

  /**
   * The generation a claim names. Its facts are written right after the claim, so a retry arriving between the
   * two waits for them a moment; a claim whose generation never appeared (its server died in between) is a CONFLICT.
   */
  async #viewOfClaimed(requestId: string, generationId: string): Promise<GenerationView> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const view = this.#generations.get(generationId) ?? (await this.log.find(generationId));
      if (view) return view;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new CallError('CONFLICT', `request_id "${requestId}" started generation ${generationId}, which no server holds any more`);
  }

  /**
   * Registers a generation created by the caller (who may already have started its upstream request with
   * `generation.signal`) and runs its job in the background, independent of any HTTP request.
   */
  start(generation: Generation, job: GenerationJob, details: SharedDetails = { fillTarget: false }): void {
    const { requestId } = generation;
    if (requestId !== undefined && this.#byRequestId.has(requestId)) {
      throw new CallError('CONFLICT', `request_id "${requestId}" already started a generation`);
    }
    this.#generations.set(generation.id, generation);
    if (requestId !== undefined) this.#byRequestId.set(requestId, generation);
    // Before the job runs: its first event must already be recorded in the shared log.
    this.log.started(generation, details);
    if (this.metrics) measure(generation, this.metrics);
    void this.#run(generation, job);
  }

  async #run(generation: Generation, job: GenerationJob): Promise<void> {
    try {
      await job(generation);
    } catch (error) {
      // A job logs its own failures; reaching here is a bug, but the viewers must still see an end.
      this.#logger.error('generation job failed', { generation_id: generation.id, error });
      if (generation.status === 'running') {
        generation.push({ type: 'error', code: 'INTERNAL', message: 'the generation failed unexpectedly; see the server log' });
        generation.push({ type: 'end' });
      }
    }
    if (this.metrics) {
      this.metrics.generationsInFlight.dec();
      this.metrics.generationsFinished.inc({ outcome: generation.outcome ?? 'failed' });
      // There was a reply (text or reasoning) and it is not in the tree: a recovery file or the journal holds it.
      const hadReply = generation.content !== '' || generation.reasoning !== '';
      if (hadReply && generation.savedNodeId === undefined) this.metrics.saveErrors.inc();
    }
    const forget = setTimeout(() => this.#forget(generation), this.#retentionMs);
    forget.unref();
  }

  #forget(generation: Generation): void {
    this.#generations.delete(generation.id);
    if (generation.requestId !== undefined) this.#byRequestId.delete(generation.requestId);
  }

  find(generationId: string): Generation | undefined {
    return this.#generations.get(generationId);
  }

  get(generationId: string): Generation {
    const generation = this.#generations.get(generationId);
    if (generation) return generation;
    throw new CallError(
      'NOT_FOUND',
      `no generation "${generationId}" (finished generations are kept ${Math.round(this.#retentionMs / 60_000)} min)`,
    );
  }

  /** A generation of this process, else one another server runs or ran (a shared log); undefined when unknown. */
  async findAnywhere(generationId: string): Promise<GenerationView | undefined> {
    return this.#generations.get(generationId) ?? (await this.log.find(generationId));
  }

  /** `findAnywhere`, or NOT_FOUND. */
  async getAnywhere(generationId: string): Promise<GenerationView> {
    const found = await this.findAnywhere(generationId);
    return found ?? this.get(generationId);
  }

  /**
   * Stops a generation wherever it runs and resolves once its partial reply is saved: here directly, elsewhere
   * through the shared log (the owner hears the request and ends the stream, which is followed to its end).
   */
  async abortAnywhere(generationId: string): Promise<GenerationSummary> {
    if (this.#generations.has(generationId)) return (await this.abort(generationId)).summary();
    const view = await this.getAnywhere(generationId);
    if (view.status === 'running') {
      await this.log.requestAbort(generationId);
      for await (const logged of view.follow(0)) void logged;
    }
    return (await this.getAnywhere(generationId)).summary();
  }

  list(): GenerationSummary[] {
    return [...this.#generations.values()].map((generation) => generation.summary());
  }

  /** This server's generations and, with a shared log, every other server's (this server's own figures win). */
  async listAnywhere(): Promise<GenerationSummary[]> {
    const here = this.list();
    if (!this.log.shared) return here;
    const ids = new Set(here.map((summary) => summary.generation_id));
    const elsewhere = (await this.log.list()).filter((summary) => !ids.has(summary.generation_id));
    return [...here, ...elsewhere].sort((a, b) => a.started_at.localeCompare(b.started_at));
  }

  /** Stops a generation and resolves once its partial reply is saved. */
  async abort(generationId: string): Promise<Generation> {
    const generation = this.get(generationId);
    generation.abort('user');
    await generation.ended;
    return generation;
  }

  get runningCount(): number {
    return [...this.#generations.values()].filter((generation) => generation.status === 'running').length;
  }

  /** Aborts every running generation and waits (at most `timeoutMs`) for their partial saves. */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    const running = [...this.#generations.values()].filter((generation) => generation.status === 'running');
    for (const generation of running) generation.abort('shutdown');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(running.map((generation) => generation.ended)), timeout]);
    clearTimeout(timer);
    await this.log.close();
  }
}

/** Counts a generation in and times its first chunk and its save (finish → saved) from the events it logs. */
function measure(generation: Generation, metrics: Metrics): void {
  metrics.generationsStarted.inc();
  metrics.generationsInFlight.inc();
  let firstChunkSeen = false;
  let finishedAt: number | undefined;
  generation.observe((_seq, event) => {
    if (event.type === 'chunk' && !firstChunkSeen) {
      firstChunkSeen = true;
      metrics.firstChunkSeconds.observe((Date.now() - generation.startedAt.getTime()) / 1000);
    } else if (event.type === 'finish') {
      finishedAt = performance.now();
    } else if (event.type === 'saved' && finishedAt !== undefined) {
      metrics.saveSeconds.observe((performance.now() - finishedAt) / 1000);
    }
  });
}
